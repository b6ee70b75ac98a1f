/**
 * End-to-end caption latency: clips are spoken by a WebRTC participant (libwebrtc, in real
 * time) into a room where a second participant reads Spanish. Per clip, at the listener's socket:
 * - speech end → the final Spanish caption that ends the clip;
 * - speech end → the first Spanish caption of that utterance that already has every word of the
 *   final (an interim sent at the pause, or the final itself);
 * - speech start → the first Spanish caption of any kind.
 */
import type { Caption } from '@parley/protocol';
import { ParleyStack } from '../../scripts/lib/ParleyStack.js';
import { WrtcParticipant } from '../../scripts/lib/WrtcParticipant.js';
import { comparableWords } from '../../workers/src/stt/wer.js';
import type { SpeechClip } from '../speechClips.js';
import { percentile, sortedCopy } from './percentile.js';

export interface LatencyMeasurement {
  clip: string;
  finalMs: number;
  /** Undefined when no caption before the final had all its words (then the final is complete: completeMs = finalMs). */
  completeMs: number;
  firstInterimMs: number | undefined;
  /** Of finalMs, the time until the sfu cut the final's audio (VAD, endpointing, transport); the rest is decoding, translation and delivery. */
  endpointMs: number;
  /** Of completeMs: speech end → the sfu cut that caption's audio (the pause chunk, or the final's). */
  completeCutMs: number;
  /** Of completeMs: the cut → a worker published the caption (decoding, translation, Redis). */
  completeWorkMs: number | undefined;
  sourceText: string;
  text: string;
}

export interface LatencySummary {
  p50_ms: number;
  p95_ms: number;
  complete_p50_ms: number;
  complete_p95_ms: number;
  first_interim_p50_ms: number;
  /** speech end → the sfu cuts the final's audio; then → caption arrives. */
  endpoint_p50_ms: number;
  after_endpoint_p50_ms: number;
  /** speech end → the sfu cuts the complete caption's audio; the cut → a worker publishes it; → it arrives. */
  complete_cut_p50_ms: number;
  complete_work_p50_ms: number;
  complete_delivery_p50_ms: number;
  n: number;
}

export interface LatencyBenchOptions {
  clips: SpeechClip[];
  repeats: number;
  /** A running stack to use; otherwise one is started (offline engines) and stopped. */
  stack?: ParleyStack;
  env?: NodeJS.ProcessEnv;
  logDir?: string;
  onMeasurement?: (m: LatencyMeasurement) => void;
}

/** Whether `words` appear in `container` in order (other words may come between). */
function containsInOrder(container: string[], words: string[]): boolean {
  let at = 0;
  for (const word of container) if (at < words.length && word === words[at]) at += 1;
  return at === words.length;
}

export async function runLatencyBench(options: LatencyBenchOptions): Promise<{ measurements: LatencyMeasurement[]; summary: LatencySummary }> {
  const stack = options.stack ?? (await new ParleyStack({ offlineEngines: true, env: options.env, logDir: options.logDir }).start());
  const measurements: LatencyMeasurement[] = [];
  const room = `bench-latency-${Date.now()}`;
  try {
    const listener = await WrtcParticipant.join({ url: stack.url, room, name: 'Listener', speaks: 'es', reads: 'es' });
    const speaker = await WrtcParticipant.join({ url: stack.url, room, name: 'Speaker', speaks: 'en', reads: 'en' });
    try {
      await speaker.startMicrophone();
      await speaker.sendSilence(1);
      for (let round = 0; round < options.repeats; round++) {
        for (const clip of options.clips) {
          const seen = new Set(listener.captions);
          const startMs = Date.now();
          await speaker.sendPcm(clip.samples48k);
          const speechStartMs = startMs + clip.speechStartSeconds * 1000;
          const speechEndMs = startMs + clip.speechEndSeconds * 1000;
          await speaker.sendSilence(3);
          const fresh = (c: Caption) => !seen.has(c) && c.lang === 'es';
          const isFinal = (c: Caption) => fresh(c) && c.kind === 'final' && c.text !== '';
          await listener.waitForCaption(isFinal, 30_000);
          // A clip with a long pause makes two finals; the one that ends it is the last to arrive.
          const finals = listener.captions.filter(isFinal);
          const last = finals[finals.length - 1]!;
          const arrived = (c: Caption) => listener.arrivedAtMs.get(c)!;
          const finalWords = comparableWords(last.sourceText).split(' ');
          const complete = listener.captions.find((c) => fresh(c) && c.utteranceId === last.utteranceId && containsInOrder(comparableWords(c.sourceText).split(' '), finalWords))!;
          const first = listener.captions.find(fresh);
          const m: LatencyMeasurement = {
            clip: clip.id,
            finalMs: arrived(last) - speechEndMs,
            completeMs: arrived(complete) - speechEndMs,
            firstInterimMs: first ? arrived(first) - speechStartMs : undefined,
            // audioEndAtMs is the sfu's clock, this process's too: one machine.
            endpointMs: last.audioEndAtMs - speechEndMs,
            completeCutMs: complete.audioEndAtMs - speechEndMs,
            completeWorkMs: complete.publishedAtMs === undefined ? undefined : complete.publishedAtMs - complete.audioEndAtMs,
            sourceText: finals.map((c) => c.sourceText).join(' | '),
            text: finals.map((c) => c.text).join(' | '),
          };
          measurements.push(m);
          options.onMeasurement?.(m);
        }
      }
    } finally {
      await Promise.all([speaker.close(), listener.close()]);
    }
  } finally {
    if (!options.stack) await stack.stop();
  }
  const finals = sortedCopy(measurements.map((m) => m.finalMs));
  const completes = sortedCopy(measurements.map((m) => m.completeMs));
  const firsts = sortedCopy(measurements.flatMap((m) => (m.firstInterimMs === undefined ? [] : [m.firstInterimMs])));
  return {
    measurements,
    summary: {
      p50_ms: percentile(finals, 50),
      p95_ms: percentile(finals, 95),
      complete_p50_ms: percentile(completes, 50),
      complete_p95_ms: percentile(completes, 95),
      first_interim_p50_ms: percentile(firsts, 50),
      endpoint_p50_ms: percentile(sortedCopy(measurements.map((m) => m.endpointMs)), 50),
      after_endpoint_p50_ms: percentile(sortedCopy(measurements.map((m) => m.finalMs - m.endpointMs)), 50),
      complete_cut_p50_ms: percentile(sortedCopy(measurements.map((m) => m.completeCutMs)), 50),
      complete_work_p50_ms: percentile(sortedCopy(measurements.flatMap((m) => (m.completeWorkMs === undefined ? [] : [m.completeWorkMs]))), 50),
      complete_delivery_p50_ms: percentile(
        sortedCopy(measurements.flatMap((m) => (m.completeWorkMs === undefined ? [] : [m.completeMs - m.completeCutMs - m.completeWorkMs]))),
        50,
      ),
      n: measurements.length,
    },
  };
}
