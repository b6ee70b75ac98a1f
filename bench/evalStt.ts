/**
 * `npm run eval:stt`: word error rate of pocketsphinx on the tuning set (the five librivox clips)
 * and on recordings no setting was tuned on (see loadUntunedClips):
 * - from the file, the engine alone;
 * - the sfu's VAD and endpointing in this process, then the engine, for adaptive and fixed 0.8 s
 *   endpointing: the same audio each time, so any difference is the endpointing's;
 * - through WebRTC (Opus, the sfu, the worker), for adaptive and fixed, EVAL_ROUNDS rounds each,
 *   alternating, averaged: WebRTC's timing makes single runs differ by several words.
 */
import { loadSfuConfig } from '../sfu/src/config.js';
import { endpointingFrom } from '../sfu/src/SpeakerFeed.js';
import { fileWer, segmentedWer, webrtcWer, type WerResult } from './lib/sttEval.js';
import { loadLibrivoxClips, loadUntunedClips } from './speechClips.js';

const ROUNDS = Number(process.env.EVAL_ROUNDS ?? 3);
// The sfu's defaults for each mode.
const ADAPTIVE = endpointingFrom(loadSfuConfig({ ENDPOINTING: 'adaptive' }));
const FIXED = endpointingFrom(loadSfuConfig({ ENDPOINTING: 'fixed', SILENCE_THRESHOLD_SECONDS: '0.8' }));
const mean = (xs: number[]) => Math.round((xs.reduce((a, b) => a + b, 0) / xs.length) * 1000) / 1000;

const tuning = loadLibrivoxClips();
const untuned = loadUntunedClips();
const show = (label: string, result: WerResult) => {
  for (const r of result.clips) console.log(`${label} ${r.clip}: "${r.text}" (${r.errors} errors)`);
  console.log(`${label}: WER ${result.wer} (${result.errors} / ${result.referenceWords} words)`);
};

const [fileTuning, fileUntuned] = [await fileWer(tuning), await fileWer(untuned)];
show('file tuning', fileTuning);
show('file untuned', fileUntuned);
const segmented: Record<string, { tuning: number; untuned: number; utterances: number }> = {};
for (const [name, endpointing] of [['adaptive', ADAPTIVE], ['fixed-0.8s', FIXED]] as const) {
  const [t, u] = [await segmentedWer(tuning, endpointing), await segmentedWer(untuned, endpointing)];
  show(`segmented ${name} tuning`, t);
  show(`segmented ${name} untuned`, u);
  segmented[name] = { tuning: t.wer, untuned: u.wer, utterances: t.utterances + u.utterances };
}

const webrtc: Record<'adaptive' | 'fixed', { tuning: number[]; untuned: number[] }> = { adaptive: { tuning: [], untuned: [] }, fixed: { tuning: [], untuned: [] } };
for (let round = 1; round <= ROUNDS; round++) {
  for (const mode of ['adaptive', 'fixed'] as const) {
    const env = mode === 'adaptive' ? { ENDPOINTING: 'adaptive' } : { ENDPOINTING: 'fixed', SILENCE_THRESHOLD_SECONDS: '0.8' };
    const [t, u] = await webrtcWer([tuning, untuned], { env, logDir: `test-results/eval-stt-logs/${mode}-${round}` });
    show(`webrtc ${mode} round ${round} tuning`, t!);
    show(`webrtc ${mode} round ${round} untuned`, u!);
    webrtc[mode].tuning.push(t!.wer);
    webrtc[mode].untuned.push(u!.wer);
  }
}

console.log(
  JSON.stringify({
    wer_webrtc: mean(webrtc.adaptive.tuning),
    wer_untuned: mean(webrtc.adaptive.untuned),
    wer_webrtc_fixed: mean(webrtc.fixed.tuning),
    wer_untuned_fixed: mean(webrtc.fixed.untuned),
    wer_file: fileTuning.wer,
    wer_untuned_file: fileUntuned.wer,
    wer_segmented: segmented.adaptive!.tuning,
    wer_untuned_segmented: segmented.adaptive!.untuned,
    wer_segmented_fixed: segmented['fixed-0.8s']!.tuning,
    wer_untuned_segmented_fixed: segmented['fixed-0.8s']!.untuned,
    rounds: ROUNDS,
    reference_words: fileTuning.referenceWords,
    untuned_reference_words: fileUntuned.referenceWords,
  }),
);
// libwebrtc's finalizers can abort at exit; the result is out, so leave at once.
process.exit(0);
