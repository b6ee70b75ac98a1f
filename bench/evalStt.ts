/**
 * Word error rate of the offline engine (pocketsphinx) on the five recorded librivox clips, two
 * ways: straight from the file (16 kHz, streamed in 0.5 s chunks as the worker does) and through
 * the whole WebRTC path (48 kHz → Opus → SFU → VAD → stt worker → caption at a listener).
 * WER here is corpus-level: all word errors over all reference words.
 */
import { ParleyStack } from '../scripts/lib/ParleyStack.js';
import { WrtcParticipant } from '../scripts/lib/WrtcParticipant.js';
import { PocketsphinxEngine } from '../workers/src/stt/PocketsphinxEngine.js';
import { wordErrors } from '../workers/src/stt/wer.js';
import { loadLibrivoxClips } from './speechClips.js';
import { recogniseStreaming } from './sttFile.js';

const clips = loadLibrivoxClips();
const referenceWords = clips.reduce((n, c) => n + c.reference.split(/\s+/).length, 0);

const engine = await PocketsphinxEngine.create({ poolSize: 1 });
let fileErrors = 0;
for (const clip of clips) {
  const text = await recogniseStreaming(engine, clip.samples16k);
  fileErrors += wordErrors(clip.reference, text);
  console.log(`file    ${clip.id}: "${text}"`);
}
await engine.close();

const stack = await new ParleyStack({ offlineEngines: true, logDir: 'test-results/eval-stt-logs' }).start();
let webrtcErrors = 0;
try {
  const listener = await WrtcParticipant.join({ url: stack.url, room: 'eval', name: 'Listener', speaks: 'en', reads: 'en' });
  const speaker = await WrtcParticipant.join({ url: stack.url, room: 'eval', name: 'Speaker', speaks: 'en', reads: 'en' });
  await speaker.startMicrophone();
  await speaker.sendSilence(1);
  for (const clip of clips) {
    const seen = new Set(listener.captions);
    await speaker.sendPcm(clip.samples48k);
    await speaker.sendSilence(2.5);
    await listener.waitForCaption((c) => !seen.has(c) && c.kind === 'final', 30_000).catch(() => undefined);
    // A pause inside a clip can end a phrase early: the clip's text is all its finals together.
    const text = listener.captions.filter((c) => !seen.has(c) && c.kind === 'final').map((c) => c.text).join(' ');
    webrtcErrors += wordErrors(clip.reference, text);
    console.log(`webrtc  ${clip.id}: "${text}"`);
  }
  await speaker.close();
  await listener.close();
} finally {
  await stack.stop();
}

const round = (x: number) => Math.round(x * 1000) / 1000;
console.log(JSON.stringify({ wer_webrtc: round(webrtcErrors / referenceWords), wer_file: round(fileErrors / referenceWords), reference_words: referenceWords }));
// libwebrtc's finalizers can abort at exit; the result is out, so leave at once.
process.exit(0);
