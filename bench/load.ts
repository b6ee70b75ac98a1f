/**
 * `npm run bench:load`: BENCH_ROOMS rooms × BENCH_PARTICIPANTS real WebRTC participants speaking
 * the librivox clips in turns for BENCH_MINUTES (see lib/loadBench.ts for what is measured).
 * Prints CPU and memory per process, memory growth, caption latency and shed interims; last line JSON.
 *
 *   BENCH_ROOMS=2 BENCH_PARTICIPANTS=3 BENCH_MINUTES=10 BENCH_GAP_S=6 BENCH_STT_WORKERS=2 BENCH_SAMPLE_S=5 npm run bench:load
 */
import { runLoadBench } from './lib/loadBench.js';
import { loadLibrivoxClips } from './speechClips.js';

const positive = (name: string, fallback: number) => {
  const value = Number(process.env[name] ?? fallback);
  if (!(value > 0)) throw new Error(`${name} must be a positive number (got ${process.env[name]})`);
  return value;
};
const rooms = Math.round(positive('BENCH_ROOMS', 2));
const participants = Math.round(positive('BENCH_PARTICIPANTS', 3));
const minutes = positive('BENCH_MINUTES', 10);
const gapSeconds = positive('BENCH_GAP_S', 6);
const sttWorkers = Math.round(positive('BENCH_STT_WORKERS', 2));

console.log(`load: ${rooms} rooms × ${participants} participants for ${minutes} min, ${gapSeconds} s between turns; ${sttWorkers} stt workers (offline engines: pocketsphinx, Apertium)`);
const summary = await runLoadBench({
  clips: loadLibrivoxClips(),
  rooms,
  participantsPerRoom: participants,
  durationSeconds: minutes * 60,
  gapSeconds,
  sttWorkers,
  sampleSeconds: positive('BENCH_SAMPLE_S', 5),
  logDir: 'test-results/bench-load-logs',
  onProgress: (line) => console.log(line),
});
const row = (cells: string[]) => console.log(cells[0]!.padEnd(14) + cells.slice(1).map((c) => c.padStart(12)).join(''));
row(['process', 'CPU % core', 'RSS MB warm', 'RSS MB end', 'RSS MB peak', 'growth %']);
for (const p of summary.processes) {
  row([p.name === 'sfu' ? 'sfu + media' : p.name, ...[p.cpu_pct, p.rss_start_mb, p.rss_end_mb, p.rss_peak_mb, p.rss_growth_pct].map(String)]);
}
console.log(`memory growth of Parley's processes (sfu + media, workers, transcript writer) after the ${summary.warmup_s} s warm-up: ${summary.memory_growth_pct} %`);
console.log(`speech end → final caption at the other participants: p50 ${summary.p50_ms} ms, p95 ${summary.p95_ms} ms (${summary.finals_expected - summary.finals_missing} of ${summary.finals_expected} finals; ${summary.clips_spoken} clips spoken)`);
console.log(`interims shed: ${summary.shed_interims} (of ${summary.interims_recognised + summary.shed_interims} due); load average ${summary.loadavg_start.join(' ')} → ${summary.loadavg_end.join(' ')}`);
console.log(`mean time per stage, ms: ${Object.entries(summary.stage_mean_ms).map(([stage, ms]) => `${stage} ${ms}`).join(', ')}`);
console.log(JSON.stringify(summary));
// libwebrtc's finalizers can abort at exit; the result is out, so leave at once.
process.exit(0);
