import { beforeAll, describe, expect, it } from 'vitest';
import { loadLibrivoxClips, type SpeechClip } from '../../bench/speechClips.js';
import { wordErrorRate } from '../../workers/src/stt/wer.js';
import { useOfflineStack } from './test-support/offlineStack.js';
import { WrtcParticipant } from './WrtcParticipant.js';

/** Opus packets a browser sends per second of audio without DTX (20 ms each). */
const PACKETS_PER_SECOND = 50;

describe('OPUS_DTX: quiet microphones send almost nothing, and phrases still end and are captioned', () => {
  const parley = useOfflineStack({ db: 53, env: { OPUS_DTX: 'true' }, logDir: 'test-results/dtx-logs' });
  let clip: SpeechClip;

  beforeAll(() => {
    clip = loadLibrivoxClips().find((c) => c.id.endsWith('0920'))!;
  });

  it('forwards a tenth or so of the packets while the speaker is silent; the phrase after it gets its final', async () => {
    const room = `dtx-${Date.now()}`;
    const listener = await WrtcParticipant.join({ url: parley.stack.url, room, name: 'Lee', speaks: 'en', reads: 'en' });
    const speaker = await WrtcParticipant.join({ url: parley.stack.url, room, name: 'Sam', speaks: 'en', reads: 'en' });
    try {
      await listener.startListening();
      await speaker.startMicrophone();
      // Let the encoder settle into DTX, then count what a silent microphone costs each listener.
      await speaker.sendSilence(1);
      const before = await listener.packetsReceived();
      const seconds = 3;
      await speaker.sendSilence(seconds);
      const during = (await listener.packetsReceived()) - before;
      console.log(`silent speaker with DTX: ${during} packets in ${seconds} s at the listener (${PACKETS_PER_SECOND * seconds} without)`);
      expect(during).toBeGreaterThan(0);
      expect(during).toBeLessThan(PACKETS_PER_SECOND * seconds * 0.25);

      // Speech after the pause is heard in full, and its phrase ends in the quiet that follows.
      await speaker.sendPcm(clip.samples48k);
      await speaker.sendSilence(2);
      const final = await listener.waitForCaption((c) => c.kind === 'final' && c.text !== '');
      console.log(`recognised "${final.text}" for "${clip.reference}"`);
      expect(wordErrorRate(clip.reference, final.text)).toBeLessThanOrEqual(0.5);
    } finally {
      await Promise.all([speaker.close(), listener.close()]);
    }
  });
});
