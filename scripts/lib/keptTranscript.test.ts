import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Caption, TranscriptPage } from '@parley/protocol';
import { CONSUMER_GROUPS, REDIS_KEYS, streamBacklog } from '@parley/protocol/streams';
import { loadLibrivoxClips, type SpeechClip } from '../../bench/speechClips.js';
import { useOfflineStack } from './test-support/offlineStack.js';
import { WrtcParticipant } from './WrtcParticipant.js';

/** This file's database on the suite's Redis server. */
const DB = 13;

describe('kept transcripts across a transcript writer that is killed and restarted (real speech, real stack)', () => {
  let clips: SpeechClip[];
  let dir: string;
  const parley = useOfflineStack(() => {
    dir = mkdtempSync(join(tmpdir(), 'parley-kept-'));
    return {
      db: DB,
      // A long read, so that the frozen writer is still waiting on it when the next final is written.
      env: { TRANSCRIPT_CLAIM_IDLE_MS: '1500', TRANSCRIPT_BLOCK_MS: '20000', DATABASE_URL: `sqlite:${join(dir, 'parley.db')}`, LOG_LEVEL: 'warn' },
      logDir: 'test-results/kept-transcript-logs',
    };
  });

  beforeAll(() => {
    clips = loadLibrivoxClips().slice(0, 4);
  });

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function pendingOf(consumer: string): Promise<number> {
    const consumers = (await parley.redis.xinfo('CONSUMERS', REDIS_KEYS.transcript, CONSUMER_GROUPS.transcript)) as unknown[][];
    for (const c of consumers) {
      const info: Record<string, unknown> = {};
      for (let i = 0; i + 1 < c.length; i += 2) info[String(c[i])] = c[i + 1];
      if (info.name === consumer) return Number(info.pending);
    }
    return 0;
  }

  /** This stack's transcript writer is blocked in its read of the stream (Redis' client list; other files' stacks use other databases). */
  async function writerReadWaiting(): Promise<boolean> {
    const clients = String(await parley.redis.client('LIST')).split('\n');
    return clients.some((line) => / name=parley-transcripts /.test(line) && line.includes(` db=${DB} `) && / flags=\w*b/.test(line) && / cmd=xreadgroup /.test(line));
  }

  it('stores every final exactly once, in order, with its translations', async () => {
    const room = `kept-${Date.now()}`;
    const reader = await WrtcParticipant.join({ url: parley.stack.url, room, name: 'Lucía', speaks: 'es', reads: 'es' });
    const speaker = await WrtcParticipant.join({ url: parley.stack.url, room, name: 'Sam', speaks: 'en', reads: 'en' });
    const finals = (): Caption[] => reader.captions.filter((c) => c.kind === 'final' && c.sourceText !== '');
    try {
      await speaker.startMicrophone();
      await speaker.sendSilence(0.5);
      const speaking = speaker.speakPhrases(clips.map((c) => c.samples48k));

      await reader.waitForCaption(() => finals().length >= 1, 60_000);
      // Frozen, the writer still takes the next entry off the stream (its blocked read is answered) but never stores it.
      // It is frozen only while that read is waiting: caught between storing one entry and reading the
      // next, it would hold nothing.
      const first = parley.stack.transcriptWriter!;
      const firstName = (await parley.redis.xinfo('CONSUMERS', REDIS_KEYS.transcript, CONSUMER_GROUPS.transcript) as unknown[][]).map((c) => String(c[1]))[0]!;
      await expect.poll(writerReadWaiting, { timeout: 10_000 }).toBe(true);
      first.kill('SIGSTOP');
      await reader.waitForCaption(() => finals().length >= 2, 60_000);
      await expect.poll(() => pendingOf(firstName), { timeout: 10_000 }).toBeGreaterThan(0);
      first.kill('SIGKILL');
      await first.waitForExit();
      await reader.waitForCaption(() => finals().length >= 3, 60_000);
      await parley.stack.startTranscriptWriter();
      await speaking;
      await reader.waitForCaption(() => finals().length >= clips.length, 60_000);

      // Everything written is stored and acknowledged: nothing pending, nothing unread.
      await expect
        .poll(async () => {
          const { lag, pending } = await streamBacklog(parley.redis, REDIS_KEYS.transcript, CONSUMER_GROUPS.transcript);
          return pending + lag;
        }, { timeout: 60_000 })
        .toBe(0);

      const page = (await (await fetch(`${parley.stack.url}/api/rooms/${room}/transcript?lang=es`)).json()) as TranscriptPage;
      // Finals can reach the reader out of order (one decodes longer); the transcript is in speaking order.
      const shown = finals().sort((a, b) => a.audioEndAtMs - b.audioEndAtMs);
      expect(new Set(shown.map((c) => c.utteranceId)).size, 'the reader saw each final once').toBe(shown.length);
      expect(shown.length).toBeGreaterThanOrEqual(clips.length);
      expect(page.segments.map((s) => s.utteranceId)).toEqual(shown.map((c) => c.utteranceId));
      for (const [i, segment] of page.segments.entries()) {
        expect(segment).toMatchObject({ srcLang: 'en', lang: 'es', speakerName: 'Sam', text: shown[i]!.text });
        expect(segment.translations.es).toBe(shown[i]!.text);
        expect(segment.engine).toBe('pocketsphinx+apertium');
      }
      const original = (await (await fetch(`${parley.stack.url}/api/rooms/${room}/transcript`)).json()) as TranscriptPage;
      expect(original.segments.map((s) => s.text)).toEqual(shown.map((c) => c.sourceText));
      expect(original.segments.every((s, i, all) => i === 0 || s.endedAtMs >= all[i - 1]!.endedAtMs)).toBe(true);
    } finally {
      await Promise.all([speaker.close(), reader.close()]);
    }
  }, 240_000);
});
