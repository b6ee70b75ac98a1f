/**
 * `npm run bench:vad`: the sfu's caption pipeline per open microphone (Opus decode, resampling,
 * Silero VAD, segmenting), with VAD frames classified one at a time against batched across
 * speakers. BENCH_SPEAKERS (24), BENCH_SECONDS (20), BENCH_ROUNDS (2). The speakers read the
 * recordings nothing in Parley was tuned on (pocketsphinx-testdata's cards and goforward), each
 * followed by 4 s of silence, looped.
 */
import { runVadBench } from './lib/vadBench.js';
import { loadUntunedClips } from './speechClips.js';

const speakers = Number(process.env.BENCH_SPEAKERS ?? 24);
const seconds = Number(process.env.BENCH_SECONDS ?? 20);
const rounds = Number(process.env.BENCH_ROUNDS ?? 2);

const summary = await runVadBench({ clips: loadUntunedClips(), speakers, seconds, rounds });
for (const run of summary.runs) {
  console.log(
    `${run.maxBatch === 1 ? 'one at a time' : `batched (≤ ${run.maxBatch})`}: ${run.cores.toFixed(3)} cores for ${speakers} speakers, ` +
      `${(run.coresPerSpeaker * 1000).toFixed(1)} millicores each; ${run.framesPerInference.toFixed(2)} frames per inference, ` +
      `${run.vadDrops} VAD frames dropped, ${run.utterances} utterances`,
  );
}
console.log(JSON.stringify({ speakers, seconds, rounds, millicores_per_speaker_one_at_a_time: Math.round(summary.oneByOne * 10_000) / 10, millicores_per_speaker_batched: Math.round(summary.batched * 10_000) / 10 }));
