// What the bench orchestrator and its client processes say to each other over the IPC channel.

export type ClientCommand =
  /** libwebrtc process: the speaker, streaming marked speech until stopped. */
  | { id: number; type: 'publish'; url: string; room: string }
  /** libwebrtc process: listeners that decode and time the markers. */
  | { id: number; type: 'addProbes'; url: string; room: string; count: number; namePrefix: string }
  /** libwebrtc process: every probe leaves and joins again under its name, with a fresh jitter buffer. */
  | { id: number; type: 'replaceProbes'; url: string; room: string }
  /** Crowd process: lightweight listeners (parley-listener), `concurrency` joins at a time. */
  | { id: number; type: 'addListeners'; url: string; room: string; count: number; namePrefix: string; concurrency: number }
  | { id: number; type: 'sample' }
  | { id: number; type: 'stop' };

export interface Sample {
  /** Participants this process holds in the room. */
  peers: number;
  /** Cumulative RTP packet counters over this process's participants. */
  received: number;
  lost: number;
  sent: number;
  /** Since the previous sample: when the speaker's markers left, and when each probe heard them. */
  markerSentMs: number[];
  onsetsMsByProbe: Record<string, number[]>;
  /** Since the previous sample: kernel arrival times of marker packets at the lightweight listeners. */
  arrivalsMs: number[];
  /** A program this process runs whose CPU counts with it (the crowd's parley-listener). */
  programPid?: number;
  /** Lightweight listeners only (cumulative, but `silent`: up yet without RTP since the last sample). */
  silent: number;
  socketDrops: number;
  srtpErrors: number;
  verified: number;
  /** Listeners whose media failed after they were up (the sfu stopped answering, closed DTLS…). */
  mediaFailed: number;
  mediaFailures: string[];
  /** Participants the sfu hung up on, and what it told them (distinct messages). */
  fatal: number;
  fatalMessages: string[];
}

export type ClientReply =
  | { id: number; type: 'ok' }
  | { id: number; type: 'added'; connected: number; failed: number; errors: string[] }
  | ({ id: number; type: 'sample' } & Sample)
  | { id: number; type: 'error'; message: string };

type Body<T> = T extends unknown ? Omit<T, 'id'> : never;
export type ClientCommandBody = Body<ClientCommand>;

/** A sample with nothing in it, for the fields a kind of process does not have. */
export function emptySample(): Sample {
  return {
    peers: 0,
    received: 0,
    lost: 0,
    sent: 0,
    markerSentMs: [],
    onsetsMsByProbe: {},
    arrivalsMs: [],
    silent: 0,
    socketDrops: 0,
    srtpErrors: 0,
    verified: 0,
    mediaFailed: 0,
    mediaFailures: [],
    fatal: 0,
    fatalMessages: [],
  };
}

/** Runs `connect` for `count` indexes, `concurrency` at a time; counts successes and distinct errors. */
export async function joinMany<T>(
  count: number,
  concurrency: number,
  connect: (index: number) => Promise<T>,
  keep: (joined: T) => void,
): Promise<{ connected: number; failed: number; errors: string[] }> {
  let next = 0;
  let connected = 0;
  const errors: string[] = [];
  const worker = async (): Promise<void> => {
    while (next < count) {
      const index = next++;
      try {
        keep(await connect(index));
        connected++;
      } catch (error) {
        errors.push((error as Error).message);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, count)) }, worker));
  return { connected, failed: errors.length, errors: [...new Set(errors)].slice(0, 5) };
}
