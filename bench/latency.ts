/**
 * End-to-end caption latency: each librivox clip is spoken by a WebRTC participant (libwebrtc,
 * streamed in real time) into a room where a second participant reads Spanish. For each final
 * caption: the time from the end of speech in the input to the caption reaching the listener.
 */
import { ParleyStack } from '../scripts/lib/ParleyStack.js';
import { WrtcParticipant } from '../scripts/lib/WrtcParticipant.js';
import type { Caption } from '@parley/protocol';
import { loadLibrivoxClips } from './speechClips.js';

const REPEATS = Number(process.env.BENCH_REPEATS ?? 3);

function percentile(sorted: number[], p: number): number {
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index]!;
}

const stack = await new ParleyStack({ offlineEngines: true, logDir: 'test-results/bench-latency-logs' }).start();
const latenciesMs: number[] = [];
try {
  const clips = loadLibrivoxClips();
  const listener = await WrtcParticipant.join({ url: stack.url, room: 'bench', name: 'Listener', speaks: 'es', reads: 'es' });
  const speaker = await WrtcParticipant.join({ url: stack.url, room: 'bench', name: 'Speaker', speaks: 'en', reads: 'en' });
  await speaker.startMicrophone();
  await speaker.sendSilence(1);
  for (let round = 0; round < REPEATS; round++) {
    for (const clip of clips) {
      const seen = new Set(listener.captions);
      const startMs = Date.now();
      await speaker.sendPcm(clip.samples48k);
      const speechEndMs = startMs + clip.speechEndSeconds * 1000;
      await speaker.sendSilence(3);
      const isNewFinal = (c: Caption) => !seen.has(c) && c.kind === 'final' && c.lang === 'es' && c.text !== '';
      await listener.waitForCaption(isNewFinal, 30_000);
      // A clip with a long pause makes two finals; the one that ends it is the last to arrive.
      const finals = listener.captions.filter(isNewFinal);
      const last = finals[finals.length - 1]!;
      const latencyMs = listener.arrivedAtMs.get(last)! - speechEndMs;
      latenciesMs.push(latencyMs);
      console.log(`${clip.id} round ${round + 1}: ${latencyMs} ms  "${finals.map((c) => c.sourceText).join(' | ')}" → "${finals.map((c) => c.text).join(' | ')}"`);
    }
  }
  await speaker.close();
  await listener.close();
} finally {
  await stack.stop();
}
const sorted = [...latenciesMs].sort((a, b) => a - b);
console.log(JSON.stringify({ p50_ms: percentile(sorted, 50), p95_ms: percentile(sorted, 95), n: sorted.length }));
// libwebrtc's finalizers can abort at exit; the result is out, so leave at once.
process.exit(0);
