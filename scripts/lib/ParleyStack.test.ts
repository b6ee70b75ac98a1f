import { beforeAll, describe, expect, it } from 'vitest';
import { loadLibrivoxClips, type SpeechClip } from '../../bench/speechClips.js';
import { wordErrorRate } from '../../workers/src/stt/wer.js';
import { useOfflineStack } from './test-support/offlineStack.js';
import { WrtcParticipant } from './WrtcParticipant.js';

describe('the whole caption path (real WebRTC, Redis, pocketsphinx, Apertium)', () => {
  const parley = useOfflineStack({ db: 4, logDir: 'test-results/stack-test-logs' });
  let clip: SpeechClip;

  beforeAll(() => {
    clip = loadLibrivoxClips().find((c) => c.id.endsWith('0920'))!;
  });

  it('captions a speaker for a Spanish reader and an English reader, in their own languages', async () => {
    const room = `path-${Date.now()}`;
    const spanish = await WrtcParticipant.join({ url: parley.stack.url, room, name: 'Sofía', speaks: 'es', reads: 'es' });
    const english = await WrtcParticipant.join({ url: parley.stack.url, room, name: 'Ed', speaks: 'en', reads: 'en' });
    const speaker = await WrtcParticipant.join({ url: parley.stack.url, room, name: 'Alice', speaks: 'en', reads: 'en' });
    try {
      await speaker.startMicrophone();
      await speaker.sendSilence(0.5);
      await speaker.sendPcm(clip.samples48k);
      await speaker.sendSilence(2);
      const es = await spanish.waitForCaption((c) => c.kind === 'final' && c.text !== '');
      const en = await english.waitForCaption((c) => c.kind === 'final' && c.utteranceId === es.utteranceId);
      expect(es).toMatchObject({ lang: 'es', sourceLang: 'en', speakerName: 'Alice' });
      expect(en).toMatchObject({ lang: 'en', sourceLang: 'en', text: en.sourceText });
      console.log(`recognised "${en.text}" for "${clip.reference}"`);
      expect(wordErrorRate(clip.reference, en.text)).toBeLessThanOrEqual(0.5);
      expect(es.sourceText).toBe(en.text);
      expect(spanish.captions.every((c) => c.lang === 'es')).toBe(true);
      expect(english.captions.every((c) => c.lang === 'en')).toBe(true);
    } finally {
      await Promise.all([speaker.close(), spanish.close(), english.close()]);
    }
  });
});
