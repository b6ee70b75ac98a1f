/**
 * What the sfu's caption pipeline costs per open microphone, and what batching VAD across
 * speakers saves: N speakers' Opus packets (recorded speech, then silence, looped), each on its own
 * 20 ms timer as they would arrive, through the real pipeline (Opus decode → 16 kHz → Silero VAD
 * → utterance segmenter), in this process. Runs with VAD frames classified one at a time and in
 * batches alternate; each reports the process's CPU while the speakers run.
 */
import { SileroVad } from '../../sfu/src/audio/SileroVad.js';
import { SpeakerAudioPipeline } from '../../sfu/src/audio/SpeakerAudioPipeline.js';
import { packetize, type RtpPacket } from '../../sfu/src/audio/audioTestUtils.js';
import type { SpeechClip } from '../speechClips.js';

export interface VadBenchOptions {
  /** Recordings the speakers take turns with; speaker i starts at clip i. */
  clips: SpeechClip[];
  speakers: number;
  /** Seconds measured per run, after a second of warm-up. */
  seconds: number;
  /** Runs per setting, alternating. */
  rounds: number;
  /** Silence after each recording, seconds. */
  pauseSeconds?: number;
}

export interface VadBenchRun {
  maxBatch: number;
  /** CPU of this process while the speakers ran, in cores. */
  cores: number;
  coresPerSpeaker: number;
  /** Frames classified per inference. */
  framesPerInference: number;
  /** Frames that skipped VAD because a speaker's queue was too long (a pipeline that fell behind). */
  vadDrops: number;
  utterances: number;
}

export interface VadBenchSummary {
  runs: VadBenchRun[];
  /** Mean cores per speaker, one at a time and batched. */
  oneByOne: number;
  batched: number;
}

/** Each speaker's looped packet stream: a recording, then `pauseSeconds` of silence. */
function speakerPackets(clip: SpeechClip, pauseSeconds: number): RtpPacket[] {
  const samples = new Int16Array(clip.samples48k.length + Math.round(pauseSeconds * 48_000));
  samples.set(clip.samples48k);
  return packetize(samples);
}

async function measure(options: VadBenchOptions, streams: RtpPacket[][], maxBatch: number): Promise<VadBenchRun> {
  const vad = await SileroVad.open(undefined, { maxBatch });
  const pipelines = streams.map(
    () =>
      new SpeakerAudioPipeline({
        vad,
        endpointing: { mode: 'adaptive', minSilenceSeconds: 0.3, maxSilenceSeconds: 1, longPhraseSeconds: 3 },
        pauseHintSeconds: 0.3,
        chunkSeconds: 0.5,
      }),
  );
  // Each speaker's packets every 20 ms, speakers spread over the 20 ms as independent senders are.
  const timers: NodeJS.Timeout[] = [];
  const starts = streams.map((_, i) => setTimeout(() => {
    let index = 0;
    timers.push(setInterval(() => {
      const packets = streams[i]!;
      const packet = packets[index % packets.length]!;
      const lap = Math.floor(index / packets.length);
      pipelines[i]!.pushRtp(packet.payload, (packet.sequenceNumber + lap * packets.length) & 0xffff, (packet.timestamp + lap * packets.length * 960) >>> 0);
      index += 1;
    }, 20));
  }, (i * 20) / streams.length));
  await new Promise((r) => setTimeout(r, 1_000));
  const statsBefore = vad.stats();
  const cpuBefore = process.cpuUsage();
  const wallBefore = performance.now();
  await new Promise((r) => setTimeout(r, options.seconds * 1_000));
  const cpu = process.cpuUsage(cpuBefore);
  const wallSeconds = (performance.now() - wallBefore) / 1_000;
  const statsAfter = vad.stats();
  for (const timer of [...starts, ...timers]) clearTimeout(timer);
  for (const pipeline of pipelines) await pipeline.drain();
  const pipelineStats = pipelines.map((p) => p.stats());
  for (const pipeline of pipelines) pipeline.close();
  await vad.close();
  const cores = (cpu.user + cpu.system) / 1e6 / wallSeconds;
  const inferences = statsAfter.inferences - statsBefore.inferences;
  return {
    maxBatch,
    cores,
    coresPerSpeaker: cores / streams.length,
    framesPerInference: inferences ? (statsAfter.frames - statsBefore.frames) / inferences : 0,
    vadDrops: pipelineStats.reduce((sum, s) => sum + s.vadDrops, 0),
    utterances: pipelineStats.reduce((sum, s) => sum + s.utterances, 0),
  };
}

export async function runVadBench(options: VadBenchOptions): Promise<VadBenchSummary> {
  if (options.clips.length === 0) throw new Error('runVadBench needs at least one recording');
  const streams = Array.from({ length: options.speakers }, (_, i) => speakerPackets(options.clips[i % options.clips.length]!, options.pauseSeconds ?? 4));
  const runs: VadBenchRun[] = [];
  for (let round = 0; round < options.rounds; round++) {
    for (const maxBatch of [1, 16]) runs.push(await measure(options, streams, maxBatch));
  }
  const mean = (maxBatch: number) => {
    const of = runs.filter((r) => r.maxBatch === maxBatch);
    return of.reduce((sum, r) => sum + r.coresPerSpeaker, 0) / of.length;
  };
  return { runs, oneByOne: mean(1), batched: mean(16) };
}
