/**
 * Sustained load: N rooms of M real WebRTC participants (libwebrtc, in real time). In each room
 * the participants take turns: one speaks a recorded clip and pauses, the others send silence,
 * as open microphones do; so the sfu forwards every participant to every other and runs VAD on
 * all of them the whole time. Half the participants read Spanish (the mt worker translates), half
 * English. Measured:
 * - CPU (share of one core) and resident memory of every process, from /proc; memory growth from
 *   the end of the warm-up to the end of the run;
 * - caption latency at every other participant of the room: speech end (the clip's last loud
 *   20 ms frame) → the final caption that ends the clip; clips whose final never came are counted;
 * - interims the stt workers shed (parley_interims_shed_total on their /metrics).
 */
import { loadavg } from 'node:os';
import type { Caption, LanguageCode } from '@parley/protocol';
import { ParleyStack } from '../../scripts/lib/ParleyStack.js';
import { WrtcParticipant } from '../../scripts/lib/WrtcParticipant.js';
import { parsePromText } from '../../scripts/lib/test-support/promText.js';
import type { SpeechClip } from '../speechClips.js';
import { percentile, sortedCopy } from './percentile.js';
import { ProcessSampler, type ProcessUsage, type WatchedProcess } from './ProcessSampler.js';

/** Silence after each clip by default: long enough for the sfu to end the utterance. */
const GAP_SECONDS = 3;
/** After the run, finals still on their way get this long to arrive. */
const DRAIN_MS = 10_000;

export interface LoadBenchOptions {
  clips: SpeechClip[];
  rooms: number;
  participantsPerRoom: number;
  durationSeconds: number;
  /** Silence after each clip before the next participant's turn (default 3 s). */
  gapSeconds?: number;
  /** stt workers of the stack the bench starts (default 2). */
  sttWorkers?: number;
  /** /proc sampling interval. */
  sampleSeconds?: number;
  /** A running stack (its processes are measured); otherwise one is started and stopped. */
  stack?: ParleyStack;
  logDir?: string;
  onProgress?: (line: string) => void;
}

export interface LoadSummary {
  rooms: number;
  participants_per_room: number;
  duration_s: number;
  gap_s: number;
  stt_workers: number;
  clips_spoken: number;
  /** Final captions expected at listeners (clips × the other participants of the room). */
  finals_expected: number;
  finals_missing: number;
  p50_ms: number;
  p95_ms: number;
  shed_interims: number;
  interims_recognised: number;
  /** Mean ms per pipeline stage over the run (vad, stt_queue, stt_decode, mt_queue, mt_translate, delivery). */
  stage_mean_ms: Record<string, number>;
  /** Summed resident memory of Parley's processes (sfu and media processes, workers, transcript writer), end vs after warm-up. */
  memory_growth_pct: number;
  warmup_s: number;
  loadavg_start: number[];
  loadavg_end: number[];
  processes: ProcessUsage[];
}

interface SpokenClip {
  room: number;
  speakerId: string;
  startMs: number;
  speechEndMs: number;
  windowEndMs: number;
}

interface Counters {
  shed: number;
  interims: number;
  /** parley_stage_duration_seconds sum and count by stage, over every process. */
  stages: Map<string, { sum: number; count: number }>;
}

/** Sums of counters on every process's /metrics. */
async function counters(stack: ParleyStack): Promise<Counters> {
  const c: Counters = { shed: 0, interims: 0, stages: new Map() };
  for (const t of stack.metricsTargets.filter((m) => m.process.deathReason === undefined)) {
    const text = await fetch(`http://${t.target}/metrics`, { signal: AbortSignal.timeout(5_000) }).then((r) => r.text());
    for (const s of parsePromText(text).samples) {
      if (s.name === 'parley_interims_shed_total') c.shed += s.value;
      if (s.name === 'parley_stt_results_total' && s.labels.kind === 'interim') c.interims += s.value;
      const part = s.name === 'parley_stage_duration_seconds_sum' ? 'sum' : s.name === 'parley_stage_duration_seconds_count' ? 'count' : undefined;
      if (part && s.labels.stage) {
        const stage = c.stages.get(s.labels.stage) ?? { sum: 0, count: 0 };
        stage[part] += s.value;
        c.stages.set(s.labels.stage, stage);
      }
    }
  }
  return c;
}

/** Mean time per stage over the run, in ms (from the processes' own histograms). */
function stageMeans(before: Counters, after: Counters): Record<string, number> {
  const means: Record<string, number> = {};
  for (const [stage, a] of after.stages) {
    const b = before.stages.get(stage) ?? { sum: 0, count: 0 };
    if (a.count > b.count) means[stage] = Math.round((1000 * (a.sum - b.sum)) / (a.count - b.count));
  }
  return means;
}

function watchedProcesses(stack: ParleyStack): WatchedProcess[] {
  const watched: WatchedProcess[] = [];
  for (const p of stack.processes) {
    if (p.pid === undefined || p.deathReason !== undefined) continue;
    watched.push({ name: p.name, pid: p.pid, children: p === stack.sfu });
  }
  watched.push({ name: 'bench clients', pid: process.pid });
  return watched;
}

/** Each participant's part of the turns: its clip and a pause on its turn, silence on the others'. */
async function speak(p: WrtcParticipant, index: number, room: number, o: LoadBenchOptions, endMs: number, spoken: SpokenClip[]): Promise<void> {
  for (let slot = 0; Date.now() < endMs; slot++) {
    const clip = o.clips[(slot + room) % o.clips.length]!;
    const gapSeconds = o.gapSeconds ?? GAP_SECONDS;
    const slotSeconds = clip.samples48k.length / 48_000 + gapSeconds;
    if (slot % o.participantsPerRoom !== index) {
      await p.sendSilence(slotSeconds);
      continue;
    }
    const startMs = Date.now();
    await p.sendPcm(clip.samples48k);
    spoken.push({ room, speakerId: p.peerId, startMs, speechEndMs: startMs + clip.speechEndSeconds * 1000, windowEndMs: startMs + slotSeconds * 1000 });
    await p.sendSilence(gapSeconds);
  }
}

/** Per clip and listener: speech end → the last final of the clip's window at that listener. */
function latencies(rooms: WrtcParticipant[][], spoken: SpokenClip[]): { samples: number[]; expected: number; missing: number } {
  const samples: number[] = [];
  let expected = 0;
  let missing = 0;
  for (const clip of spoken) {
    for (const listener of rooms[clip.room]!) {
      if (listener.peerId === clip.speakerId) continue;
      expected += 1;
      const finals = listener.captions.filter(
        (c: Caption) => c.kind === 'final' && c.text !== '' && c.speakerId === clip.speakerId && c.audioEndAtMs >= clip.startMs && c.audioEndAtMs < clip.windowEndMs,
      );
      if (!finals.length) {
        missing += 1;
        continue;
      }
      const last = finals.reduce((a, b) => (b.audioEndAtMs > a.audioEndAtMs ? b : a));
      samples.push(listener.arrivedAtMs.get(last)! - clip.speechEndMs);
    }
  }
  return { samples, expected, missing };
}

export async function runLoadBench(o: LoadBenchOptions): Promise<LoadSummary> {
  const log = o.onProgress ?? (() => {});
  const loadavgStart = loadavg().map((l) => Math.round(l * 100) / 100);
  const stack = o.stack ?? (await new ParleyStack({ offlineEngines: true, logDir: o.logDir, sfuMetrics: true, sttWorkers: o.sttWorkers ?? 2 }).start());
  const rooms: WrtcParticipant[][] = [];
  const runId = Date.now();
  try {
    for (let r = 0; r < o.rooms; r++) {
      const members: WrtcParticipant[] = [];
      rooms.push(members);
      for (let i = 0; i < o.participantsPerRoom; i++) {
        const reads: LanguageCode = i % 2 === 0 ? 'es' : 'en';
        const p = await WrtcParticipant.join({ url: stack.url, room: `bench-load-${runId}-${r}`, name: `Speaker ${r}.${i}`, speaks: 'en', reads, receiveAudio: false });
        members.push(p);
        await p.startMicrophone();
      }
      log(`room ${r + 1}/${o.rooms}: ${o.participantsPerRoom} participants joined`);
    }
    const sampler = new ProcessSampler(watchedProcesses(stack));
    sampler.start((o.sampleSeconds ?? 5) * 1000);
    const before = await counters(stack);
    const startMs = Date.now();
    const endMs = startMs + o.durationSeconds * 1000;
    // The first minute (a fifth of a short run) fills pools, buffers and caches: memory counts from after it.
    const warmupMs = Math.min(60_000, o.durationSeconds * 200);
    const warm = setTimeout(() => sampler.markWarm(), warmupMs);
    const progress = setInterval(() => log(`${Math.round((Date.now() - startMs) / 1000)} s of ${o.durationSeconds} s`), 60_000);
    const spoken: SpokenClip[] = [];
    try {
      await Promise.all(rooms.flatMap((members, r) => members.map((p, i) => speak(p, i, r, o, endMs, spoken))));
      await new Promise((resolve) => setTimeout(resolve, DRAIN_MS));
    } finally {
      clearTimeout(warm);
      clearInterval(progress);
      sampler.stop();
    }
    const after = await counters(stack);
    const { samples, expected, missing } = latencies(rooms, spoken);
    const sorted = sortedCopy(samples);
    const parley = sampler.usage().map((u) => u.name).filter((n) => !['redis', 'apertium', 'bench clients'].includes(n));
    return {
      rooms: o.rooms,
      participants_per_room: o.participantsPerRoom,
      duration_s: o.durationSeconds,
      gap_s: o.gapSeconds ?? GAP_SECONDS,
      stt_workers: stack.metricsTargets.filter((t) => t.job === 'parley-stt').length,
      clips_spoken: spoken.length,
      finals_expected: expected,
      finals_missing: missing,
      p50_ms: percentile(sorted, 50),
      p95_ms: percentile(sorted, 95),
      shed_interims: after.shed - before.shed,
      interims_recognised: after.interims - before.interims,
      stage_mean_ms: stageMeans(before, after),
      memory_growth_pct: sampler.totalGrowthPct(parley),
      warmup_s: warmupMs / 1000,
      loadavg_start: loadavgStart,
      loadavg_end: loadavg().map((l) => Math.round(l * 100) / 100),
      processes: sampler.usage(),
    };
  } finally {
    await Promise.all(rooms.flat().map((p) => p.close()));
    if (!o.stack) await stack.stop();
  }
}
