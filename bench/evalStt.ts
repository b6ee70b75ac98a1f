/**
 * `npm run eval:stt`: word error rate of pocketsphinx on the tuning set (the five librivox clips)
 * and on recordings no setting was tuned on (see loadUntunedClips), from the file and through
 * WebRTC, with the default (adaptive) endpointing and with the fixed 0.8 s one for comparison.
 */
import { fileWer, webrtcWer, type WerResult } from './lib/sttEval.js';
import { loadLibrivoxClips, loadUntunedClips } from './speechClips.js';

const tuning = loadLibrivoxClips();
const untuned = loadUntunedClips();
const show = (label: string, result: WerResult) => {
  for (const r of result.clips) console.log(`${label} ${r.clip}: "${r.text}" (${r.errors} errors)`);
  console.log(`${label}: WER ${result.wer} (${result.errors} / ${result.referenceWords} words)`);
};

const [fileTuning, fileUntuned] = [await fileWer(tuning), await fileWer(untuned)];
show('file tuning', fileTuning);
show('file untuned', fileUntuned);
const [adaptiveTuning, adaptiveUntuned] = await webrtcWer([tuning, untuned], { env: { ENDPOINTING: 'adaptive' }, logDir: 'test-results/eval-stt-logs/adaptive' });
show('webrtc adaptive tuning', adaptiveTuning!);
show('webrtc adaptive untuned', adaptiveUntuned!);
const [fixedTuning, fixedUntuned] = await webrtcWer([tuning, untuned], { env: { ENDPOINTING: 'fixed', SILENCE_THRESHOLD_SECONDS: '0.8' }, logDir: 'test-results/eval-stt-logs/fixed' });
show('webrtc fixed-0.8s tuning', fixedTuning!);
show('webrtc fixed-0.8s untuned', fixedUntuned!);

console.log(
  JSON.stringify({
    wer_webrtc: adaptiveTuning!.wer,
    wer_untuned: adaptiveUntuned!.wer,
    wer_file: fileTuning.wer,
    wer_untuned_file: fileUntuned.wer,
    wer_webrtc_fixed: fixedTuning!.wer,
    wer_untuned_fixed: fixedUntuned!.wer,
    reference_words: fileTuning.referenceWords,
    untuned_reference_words: fileUntuned.referenceWords,
  }),
);
// libwebrtc's finalizers can abort at exit; the result is out, so leave at once.
process.exit(0);
