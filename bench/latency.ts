/**
 * `npm run bench:latency`: caption latency over the five librivox clips, BENCH_REPEATS rounds
 * (6 by default: 30 utterances). See lib/latencyBench.ts for what is measured.
 */
import { runLatencyBench } from './lib/latencyBench.js';
import { loadLibrivoxClips } from './speechClips.js';

const repeats = Number(process.env.BENCH_REPEATS ?? 6);
const { summary } = await runLatencyBench({
  clips: loadLibrivoxClips(),
  repeats,
  logDir: 'test-results/bench-latency-logs',
  onMeasurement: (m) =>
    console.log(
      `${m.clip}: final ${m.finalMs} ms (endpoint ${m.endpointMs} ms), complete ${m.completeMs} ms (cut ${m.completeCutMs}, work ${m.completeWorkMs ?? '-'}), first interim ${m.firstInterimMs ?? '-'} ms  "${m.sourceText}" → "${m.text}"`,
    ),
});
console.log(`speech end → final: p50 ${summary.p50_ms} ms, p95 ${summary.p95_ms} ms (n = ${summary.n})`);
console.log(`speech end → first caption with every word of the final: p50 ${summary.complete_p50_ms} ms, p95 ${summary.complete_p95_ms} ms`);
console.log(`speech start → first interim: p50 ${summary.first_interim_p50_ms} ms`);
console.log(`of the final's time: speech end → the sfu cuts its audio p50 ${summary.endpoint_p50_ms} ms; then decoding, translation, delivery p50 ${summary.after_endpoint_p50_ms} ms`);
console.log(
  `of the complete caption's time: speech end → the sfu cuts its audio p50 ${summary.complete_cut_p50_ms} ms; decoding and translation p50 ${summary.complete_work_p50_ms} ms; delivery p50 ${summary.complete_delivery_p50_ms} ms`,
);
console.log(JSON.stringify(summary));
// libwebrtc's finalizers can abort at exit; the result is out, so leave at once.
process.exit(0);
