import { execFileSync } from 'node:child_process';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { CONSUMER_GROUPS, REDIS_KEYS, fieldsToRecord } from '@parley/protocol/streams';
import { loadLibrivoxClips, type SpeechClip } from '../../bench/speechClips.js';
import { ParleyStack } from './ParleyStack.js';
import { WrtcParticipant } from './WrtcParticipant.js';

/** 48 kHz mono PCM of a sox synth effect (noise colours, tones). */
function synth(seconds: number, ...effect: string[]): Int16Array {
  const raw = execFileSync('sox', ['-n', '-t', 'raw', '-r', '48000', '-c', '1', '-b', '16', '-e', 'signed-integer', '-L', '-', 'synth', String(seconds), ...effect], {
    maxBuffer: 64 * 1024 * 1024,
  });
  return new Int16Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.length));
}

describe('caption reliability on the real path (two stt workers)', () => {
  let stack: ParleyStack;
  let redis: Redis;
  let clip: SpeechClip;

  beforeAll(async () => {
    clip = loadLibrivoxClips().find((c) => c.id.endsWith('0870'))!;
    stack = await new ParleyStack({
      offlineEngines: true,
      redisUrl: `${inject('redisUrl')}/5`,
      apertiumUrl: inject('apertiumUrl'),
      sttWorkers: 2,
      env: { STT_LEASE_MS: '1500' },
      logDir: 'test-results/reliability-logs',
    }).start();
    redis = new Redis(stack.redisUrl);
  }, 120_000);

  afterAll(async () => {
    redis?.disconnect();
    await stack?.stop();
  });

  async function ownerOf(utteranceId: string): Promise<string | undefined> {
    const pending = (await redis.xpending(REDIS_KEYS.sttAssign, CONSUMER_GROUPS.stt, '-', '+', 100)) as [string, string, number, number][];
    for (const [id, consumer] of pending) {
      const [entry] = await redis.xrange(REDIS_KEYS.sttAssign, id, id);
      if (entry && String(fieldsToRecord(entry[1]).utteranceId) === utteranceId) return consumer;
    }
    return undefined;
  }

  it('finishes an utterance whose stt worker is killed mid-way, and the final arrives exactly once', async () => {
    const room = `takeover-${Date.now()}`;
    const listener = await WrtcParticipant.join({ url: stack.url, room, name: 'Lee', speaks: 'en', reads: 'en' });
    const speaker = await WrtcParticipant.join({ url: stack.url, room, name: 'Sam', speaks: 'en', reads: 'en' });
    try {
      await speaker.startMicrophone();
      await speaker.sendSilence(0.5);
      const speaking = speaker.sendPcm(clip.samples48k).then(() => speaker.sendSilence(2));
      const interim = await listener.waitForCaption((c) => c.kind === 'interim');
      const owner = await ownerOf(interim.utteranceId);
      expect(owner, 'the utterance in flight has an owner').toBeDefined();
      const victim = stack.sttWorkers.get(owner!)!;
      victim.kill('SIGKILL');
      await victim.waitForExit();
      await speaking;
      const final = await listener.waitForCaption((c) => c.kind === 'final' && c.utteranceId === interim.utteranceId, 30_000);
      expect(final.text.split(' ').length).toBeGreaterThan(5);
      // Give any duplicate time to show up before counting.
      await new Promise((r) => setTimeout(r, 2_000));
      expect(listener.captions.filter((c) => c.kind === 'final' && c.utteranceId === interim.utteranceId)).toHaveLength(1);
      expect(await ownerOf(interim.utteranceId), 'the assignment was acknowledged').toBeUndefined();
    } finally {
      await Promise.all([speaker.close(), listener.close()]);
    }
  });

  it('makes no caption from 30 s of silence and 30 s of room noise', async () => {
    const room = `quiet-${Date.now()}`;
    const listener = await WrtcParticipant.join({ url: stack.url, room, name: 'Lee', speaks: 'en', reads: 'es' });
    const silent = await WrtcParticipant.join({ url: stack.url, room, name: 'Quiet', speaks: 'en', reads: 'en' });
    const noisy = await WrtcParticipant.join({ url: stack.url, room, name: 'Noisy', speaks: 'en', reads: 'en' });
    try {
      await Promise.all([silent.startMicrophone(), noisy.startMicrophone()]);
      // Room noise: brown-ish rumble, a little hiss and mains hum, at a level a laptop mic hears.
      const parts = [synth(30, 'brownnoise', 'vol', '0.3'), synth(30, 'whitenoise', 'vol', '0.02'), synth(30, 'sine', '50', 'vol', '0.05')];
      const noise = parts[0]!.map((_, i) => parts.reduce((sum, p) => sum + (p[i] ?? 0), 0));
      await Promise.all([silent.sendSilence(30), noisy.sendPcm(noise)]);
      await Promise.all([silent.sendSilence(2), noisy.sendSilence(2)]);
      const words = [listener, silent, noisy].flatMap((p) => p.captions).flatMap((c) => c.text.split(/\s+/).filter(Boolean));
      expect(words).toEqual([]);
    } finally {
      await Promise.all([listener.close(), silent.close(), noisy.close()]);
    }
  }, 90_000);
});
