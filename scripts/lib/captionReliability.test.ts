import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { CONSUMER_GROUPS, REDIS_KEYS, fieldsToRecord } from '@parley/protocol/streams';
import { loadLibrivoxClips, type SpeechClip } from '../../bench/speechClips.js';
import { captionWordErrors, comparableWordCount, comparableWords } from '../../workers/src/stt/wer.js';
import { ParleyStack } from './ParleyStack.js';
import { WrtcParticipant } from './WrtcParticipant.js';

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

  it('finishes an utterance whose stt worker is killed mid-way: decoded again from its first word, the final exactly once, sequence numbers never going back', async () => {
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
      // Give any duplicate (and a second utterance, if a pause split the clip) time to show up before counting.
      await new Promise((r) => setTimeout(r, 2_000));
      expect(listener.captions.filter((c) => c.kind === 'final' && c.utteranceId === interim.utteranceId)).toHaveLength(1);
      expect(await ownerOf(interim.utteranceId), 'the assignment was acknowledged').toBeUndefined();

      // The new owner decoded the utterance from its first chunk: its final matches the start of the reference.
      const finalWords = comparableWords(final.text).split(' ');
      const referenceStart = comparableWords(clip.reference).split(' ').slice(0, finalWords.length).join(' ');
      const startErrors = captionWordErrors(referenceStart, final.text) / finalWords.length;
      // And with whatever followed it, the whole clip was recognised.
      const allFinals = listener.captions.filter((c) => c.kind === 'final' && c.text !== '').map((c) => c.text).join(' ');
      const clipErrors = captionWordErrors(clip.reference, allFinals) / comparableWordCount(clip.reference);
      console.log(`after takeover: "${final.text}" (WER against the reference's first ${finalWords.length} words ${startErrors.toFixed(2)}; whole clip ${clipErrors.toFixed(2)})`);
      expect(finalWords.length).toBeGreaterThan(5);
      expect(startErrors).toBeLessThanOrEqual(0.5);
      expect(clipErrors).toBeLessThanOrEqual(0.5);

      // Sequence numbers of the utterance's captions, as they arrived, never go back.
      const seqs = listener.captions.filter((c) => c.utteranceId === interim.utteranceId).map((c) => c.seq);
      expect(seqs.length).toBeGreaterThan(1);
      expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    } finally {
      await Promise.all([speaker.close(), listener.close()]);
    }
  });
});
