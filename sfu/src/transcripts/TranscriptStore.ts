import type { Kysely } from 'kysely';
import type { LanguageCode, TranscriptPage, TranscriptSegment } from '@parley/protocol';
import type { TranscriptEntry } from '@parley/protocol/streams';
import type { Database } from '../db/schema.js';

/** Where a page ends: the last segment's end time and utterance id, opaque to clients. */
function encodeCursor(endedAtMs: number, utteranceId: string): string {
  return Buffer.from(JSON.stringify([endedAtMs, utteranceId])).toString('base64url');
}

function decodeCursor(cursor: string): [number, string] | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(value) && typeof value[0] === 'number' && typeof value[1] === 'string') return [value[0], value[1]];
  } catch {
    // fall through: a malformed cursor is the caller's error
  }
  return undefined;
}

export class CursorError extends Error {
  override name = 'CursorError';
}

/** Kept transcripts: one segment per utterance with every translation made of it. */
export class TranscriptStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Stores a final caption. Idempotent on the utterance id: a repeat with the same or a lower seq
   * changes nothing; a higher seq replaces the text and every translation. Returns whether it changed.
   */
  async store(entry: TranscriptEntry): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      const row = {
        utterance_id: entry.utteranceId,
        room_id: entry.room,
        seq: entry.seq,
        speaker_id: entry.speakerId,
        speaker_name: entry.speakerName,
        src_lang: entry.srcLang,
        text: entry.text,
        stt_engine: entry.sttEngine,
        started_at_ms: Math.round(entry.startedAtMs),
        ended_at_ms: Math.round(entry.audioEndAtMs),
        stored_at: this.now(),
      };
      const changed = await trx
        .insertInto('transcript_segments')
        .values(row)
        .onConflict((oc) =>
          oc
            .column('utterance_id')
            .doUpdateSet((eb) => ({
              seq: eb.ref('excluded.seq'),
              text: eb.ref('excluded.text'),
              stt_engine: eb.ref('excluded.stt_engine'),
              speaker_name: eb.ref('excluded.speaker_name'),
              started_at_ms: eb.ref('excluded.started_at_ms'),
              ended_at_ms: eb.ref('excluded.ended_at_ms'),
              stored_at: eb.ref('excluded.stored_at'),
            }))
            .where('transcript_segments.seq', '<', (eb) => eb.ref('excluded.seq')),
        )
        .returning('utterance_id')
        .execute();
      if (changed.length === 0) return false;
      await trx.deleteFrom('transcript_translations').where('utterance_id', '=', entry.utteranceId).execute();
      const translations = Object.entries(entry.translations).map(([lang, text]) => ({
        utterance_id: entry.utteranceId,
        lang,
        text: text ?? '',
        engine: entry.mtEngines[lang as LanguageCode] ?? '',
      }));
      if (translations.length) await trx.insertInto('transcript_translations').values(translations).execute();
      return true;
    });
  }

  /** One page of a room's transcript in speaking order, original or in `lang` where a translation exists. */
  async page(room: string, options: { lang?: LanguageCode; after?: string; limit: number }): Promise<TranscriptPage> {
    let query = this.db.selectFrom('transcript_segments').selectAll().where('room_id', '=', room);
    if (options.after) {
      const cursor = decodeCursor(options.after);
      if (!cursor) throw new CursorError('The "after" cursor is not one this server gave out; start again without it.');
      const [endedAtMs, utteranceId] = cursor;
      query = query.where((eb) =>
        eb.or([eb('ended_at_ms', '>', endedAtMs), eb.and([eb('ended_at_ms', '=', endedAtMs), eb('utterance_id', '>', utteranceId)])]),
      );
    }
    const rows = await query.orderBy('ended_at_ms').orderBy('utterance_id').limit(options.limit + 1).execute();
    const pageRows = rows.slice(0, options.limit);
    const ids = pageRows.map((r) => r.utterance_id);
    const translations = ids.length
      ? await this.db.selectFrom('transcript_translations').selectAll().where('utterance_id', 'in', ids).execute()
      : [];
    const byUtterance = new Map<string, typeof translations>();
    for (const t of translations) byUtterance.set(t.utterance_id, [...(byUtterance.get(t.utterance_id) ?? []), t]);
    const segments = pageRows.map((r): TranscriptSegment => {
      const own = byUtterance.get(r.utterance_id) ?? [];
      const wanted = options.lang && options.lang !== r.src_lang ? own.find((t) => t.lang === options.lang) : undefined;
      return {
        utteranceId: r.utterance_id,
        speakerId: r.speaker_id,
        speakerName: r.speaker_name,
        srcLang: r.src_lang as LanguageCode,
        lang: (wanted ? wanted.lang : r.src_lang) as LanguageCode,
        text: wanted ? wanted.text : r.text,
        engine: wanted ? `${r.stt_engine}+${wanted.engine}` : r.stt_engine,
        startedAtMs: Number(r.started_at_ms),
        endedAtMs: Number(r.ended_at_ms),
        translations: Object.fromEntries(own.map((t) => [t.lang, t.text])),
      };
    });
    const last = pageRows[pageRows.length - 1];
    return { room, segments, next: rows.length > options.limit && last ? encodeCursor(Number(last.ended_at_ms), last.utterance_id) : null };
  }

  /** Deletes a room's whole transcript; returns how many segments went. */
  async deleteRoom(room: string): Promise<number> {
    const result = await this.db.deleteFrom('transcript_segments').where('room_id', '=', room).executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  /** Retention: deletes segments stored before `cutoffMs`; returns how many went. */
  async deleteStoredBefore(cutoffMs: number): Promise<number> {
    const result = await this.db.deleteFrom('transcript_segments').where('stored_at', '<', cutoffMs).executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
