import type { TranscriptSegment } from '@parley/protocol';

/** A transcript kept on this device: every segment with all its translations, readable offline. */
export interface SavedTranscript {
  room: string;
  savedAtMs: number;
  segments: TranscriptSegment[];
}

const DB_NAME = 'parley';
const STORE = 'transcripts';

function openDb(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    if (typeof indexedDB === 'undefined') return reject(new Error('This browser cannot store transcripts on the device.'));
    const request = indexedDB.open(DB_NAME, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(STORE, { keyPath: 'room' });
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error ?? new Error('The device storage could not be opened.'));
  });
}

async function run<T>(mode: IDBTransactionMode, work: (store: IDBObjectStore) => IDBRequest<T>): Promise<T> {
  const db = await openDb();
  try {
    return await new Promise<T>((resolve, reject) => {
      const tx = db.transaction(STORE, mode);
      const request = work(tx.objectStore(STORE));
      tx.oncomplete = () => resolve(request.result);
      tx.onerror = () => reject(tx.error ?? new Error('The device storage failed.'));
      tx.onabort = () => reject(tx.error ?? new Error('The device storage is full.'));
    });
  } finally {
    db.close();
  }
}

/** IndexedDB rather than localStorage: transcripts outgrow its few megabytes, and it works in a service-worker-served offline page. */
export function saveTranscript(transcript: SavedTranscript): Promise<void> {
  return run('readwrite', (store) => store.put(transcript)).then(() => undefined);
}

export function loadSavedTranscript(room: string): Promise<SavedTranscript | undefined> {
  return run<SavedTranscript | undefined>('readonly', (store) => store.get(room) as IDBRequest<SavedTranscript | undefined>);
}

export async function listSavedTranscripts(): Promise<SavedTranscript[]> {
  const all = await run<SavedTranscript[]>('readonly', (store) => store.getAll() as IDBRequest<SavedTranscript[]>);
  return all.sort((a, b) => b.savedAtMs - a.savedAtMs);
}

export function deleteSavedTranscript(room: string): Promise<void> {
  return run('readwrite', (store) => store.delete(room)).then(() => undefined);
}
