import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { CONSUMER_GROUPS, REDIS_KEYS, STREAMS, pcmSamples, speakerAudioStatsSchema, type SpeakerAudioStats, type SttAssignment } from '@parley/protocol/streams';
import { loadLibrivoxClips } from '../../bench/speechClips.js';
import { useOfflineStack } from './test-support/offlineStack.js';
import { WrtcParticipant } from './WrtcParticipant.js';

const WHISPER_FIXTURE = fileURLToPath(new URL('../../workers/test-fixtures/models/tiny-whisper', import.meta.url));

/** 48 kHz mono PCM of a sox synth effect (noise colours, tones). */
function synth(seconds: number, ...effect: string[]): Int16Array {
  const raw = execFileSync('sox', ['-n', '-t', 'raw', '-r', '48000', '-c', '1', '-b', '16', '-e', 'signed-integer', '-L', '-', 'synth', String(seconds), ...effect], {
    maxBuffer: 64 * 1024 * 1024,
  });
  return pcmSamples(raw);
}

/** Room noise: brown-ish rumble, a little hiss and mains hum, at a level a laptop mic hears. */
function roomNoise(seconds: number): Int16Array {
  const parts = [synth(seconds, 'brownnoise', 'vol', '0.3'), synth(seconds, 'whitenoise', 'vol', '0.02'), synth(seconds, 'sine', '50', 'vol', '0.05')];
  return parts[0]!.map((_, i) => parts.reduce((sum, p) => sum + (p[i] ?? 0), 0));
}

/**
 * Silence and noise must make no caption, with either recogniser: pocketsphinx, and Whisper, whose
 * own filters (no-speech probability, repetition, phrases it invents) stand behind the VAD. The
 * test could pass by accident if no audio reached the sfu, so it checks the sfu's count of what
 * arrived and what VAD let through, and ends with speech that must go through (a positive control).
 */
describe.each([
  { engine: 'pocketsphinx', db: 42 },
  { engine: 'whisper', db: 43 },
])('silence and noise with $engine (real WebRTC, VAD, worker)', ({ engine, db }) => {
  let modelsDir: string | undefined;
  const parley = useOfflineStack(() => {
    const env: NodeJS.ProcessEnv = {};
    if (engine === 'whisper') {
      // The random-weight test model, where the worker looks for whisper-tiny.
      modelsDir = mkdtempSync(join(tmpdir(), 'parley-noise-models-'));
      symlinkSync(WHISPER_FIXTURE, join(modelsDir, 'whisper-tiny'));
      Object.assign(env, { MODELS_DIR: modelsDir, MODEL_SIZE: 'tiny', STT_ENGINE: 'whisper' });
    }
    return { db, env, logDir: `test-results/noise-${engine}-logs` };
  });

  afterAll(() => {
    if (modelsDir) rmSync(modelsDir, { recursive: true, force: true });
  });

  async function statsOf(room: string, speakerId: string): Promise<SpeakerAudioStats> {
    const raw = await parley.redis.get(REDIS_KEYS.speakerAudioStats(room, speakerId));
    if (!raw) throw new Error(`the sfu wrote no audio stats for ${speakerId}`);
    return speakerAudioStatsSchema.parse(JSON.parse(raw));
  }

  async function assignmentsFor(room: string): Promise<SttAssignment[]> {
    const entries = await parley.redis.xrange(REDIS_KEYS.sttAssign, '-', '+');
    return entries.map(([, fields]) => STREAMS.sttAssign.parse(fields)).flatMap((p) => (p.ok && p.value.room === room ? [p.value] : []));
  }

  it('makes no caption from 30 s of silence and 30 s of room noise that reached the sfu, and captions speech after it', async () => {
    const room = `quiet-${engine}-${Date.now()}`;
    const listener = await WrtcParticipant.join({ url: parley.stack.url, room, name: 'Lee', speaks: 'en', reads: 'es' });
    const silent = await WrtcParticipant.join({ url: parley.stack.url, room, name: 'Quiet', speaks: 'en', reads: 'en' });
    const noisy = await WrtcParticipant.join({ url: parley.stack.url, room, name: 'Noisy', speaks: 'en', reads: 'en' });
    try {
      await Promise.all([silent.startMicrophone(), noisy.startMicrophone()]);
      await Promise.all([silent.sendSilence(30), noisy.sendPcm(roomNoise(30))]);
      await Promise.all([silent.sendSilence(2), noisy.sendSilence(2)]);
      await new Promise((r) => setTimeout(r, 1_500)); // the stats are written every second

      const words = [listener, silent, noisy].flatMap((p) => p.captions).flatMap((c) => c.text.split(/\s+/).filter(Boolean));
      expect(words).toEqual([]);
      for (const participant of [silent, noisy]) {
        const stats = await statsOf(room, participant.peerId);
        console.log(`${engine}, ${participant === silent ? 'silence' : 'noise'}: ${JSON.stringify(stats)}`);
        // 32 s of audio arrived (50 packets and 31 VAD frames a second), and VAD let no utterance through.
        expect(stats.packets).toBeGreaterThan(32 * 50 * 0.9);
        expect(stats.frames).toBeGreaterThan(32 * 31 * 0.9);
        expect(stats.utterances).toBe(0);
      }
      expect(await assignmentsFor(room)).toEqual([]);

      // Positive control: the same path lets speech through and captions it.
      const clip = loadLibrivoxClips().find((c) => c.id.endsWith('0880'))!;
      await noisy.sendPcm(clip.samples48k);
      await noisy.sendSilence(2.5);
      await new Promise((r) => setTimeout(r, 1_500));
      const stats = await statsOf(room, noisy.peerId);
      expect(stats.utterances).toBeGreaterThanOrEqual(1);
      expect(stats.speechFrames).toBeGreaterThan(40);
      const assignments = await assignmentsFor(room);
      expect(assignments.length).toBeGreaterThanOrEqual(1);
      // Each carries the words of the room's display names, for the captions to write with capitals.
      for (const assignment of assignments) expect([...assignment.names].sort()).toEqual(['Lee', 'Noisy', 'Quiet']);
      // The worker finished each utterance VAD let through (its final went out, whatever Whisper's filters left of it).
      await expect
        .poll(async () => ((await parley.redis.xpending(REDIS_KEYS.sttAssign, CONSUMER_GROUPS.stt)) as [number])[0], { timeout: 60_000 })
        .toBe(0);
      if (engine === 'pocketsphinx') {
        const final = await listener.waitForCaption((c) => c.kind === 'final' && c.text !== '', 30_000);
        expect(final.sourceText).toMatch(/young man/i);
      }
    } finally {
      await Promise.all([listener.close(), silent.close(), noisy.close()]);
    }
  }, 180_000);
});
