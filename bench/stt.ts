/**
 * `npm run bench:stt`: how many live speakers one CPU core captions in real time.
 * - through the real stt worker (Redis, leases, interims, pauses), pinned to one core while a
 *   busy loop holds the other (lib/sttThroughput.ts);
 * - the engine alone, in this process: the five librivox clips streamed as the worker does
 *   (0.5 s chunks, an interim decode after each, a final decode), CPU time against audio time;
 *   for pocketsphinx and the Whisper test fixture.
 */
import { fileURLToPath } from 'node:url';
import { PocketsphinxEngine } from '../workers/src/stt/PocketsphinxEngine.js';
import type { SttEngine } from '../workers/src/stt/SttEngine.js';
import { WhisperEngine } from '../workers/src/stt/WhisperEngine.js';
import { workerSpeakersPerCore } from './lib/sttThroughput.js';
import { loadLibrivoxClips } from './speechClips.js';
import { recogniseStreaming } from './sttFile.js';

const WHISPER_FIXTURE = fileURLToPath(new URL('../workers/test-fixtures/models/tiny-whisper', import.meta.url));
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const SPEAKERS = Number(process.env.BENCH_SPEAKERS ?? 4);
const clips = loadLibrivoxClips();

async function engineSpeakersPerCore(name: string, engine: SttEngine): Promise<number> {
  await recogniseStreaming(engine, clips[0]!.samples16k); // warm-up, not counted
  let audioSeconds = 0;
  const cpuBefore = process.cpuUsage();
  for (let round = 0; round < ROUNDS; round++) {
    for (const clip of clips) {
      await recogniseStreaming(engine, clip.samples16k);
      audioSeconds += clip.samples16k.length / 16_000;
    }
  }
  const cpu = process.cpuUsage(cpuBefore);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const perCore = audioSeconds / cpuSeconds;
  console.log(`${name}, engine alone: ${audioSeconds.toFixed(1)} s of audio in ${cpuSeconds.toFixed(2)} s CPU → ${perCore.toFixed(1)} speakers per core`);
  return perCore;
}

const worker = await workerSpeakersPerCore({ clips, speakers: SPEAKERS, rounds: ROUNDS, busyOtherCore: true, logDir: 'test-results/bench-stt-logs' });
console.log(
  `pocketsphinx, stt worker (${SPEAKERS} speakers at once, pinned to one core, the other busy): ${worker.audioSeconds.toFixed(1)} s of audio in ${worker.cpuSeconds.toFixed(2)} s CPU ` +
    `(${worker.wallSeconds.toFixed(1)} s wall, ${worker.finals} finals) → ${worker.speakersPerCore.toFixed(1)} speakers per core`,
);

const pocketsphinx = await PocketsphinxEngine.create({ poolSize: 1 });
const offline = await engineSpeakersPerCore('pocketsphinx', pocketsphinx);
await pocketsphinx.close();

let whisperFixture: number | null = null;
try {
  // Random weights never emit end-of-text, so every decode uses its whole token budget (6 tokens
  // per second of audio + a few): the cost of a real model that talks as long as it may.
  const whisper = await WhisperEngine.create({ modelDir: WHISPER_FIXTURE, minPartialIntervalMs: 0 });
  whisperFixture = await engineSpeakersPerCore('whisper (tiny random-weight fixture)', whisper);
  await whisper.close();
} catch (error) {
  console.error(`whisper fixture not measured: ${(error as Error).message}`);
}

const round1 = (x: number) => Math.round(x * 10) / 10;
console.log(
  JSON.stringify({
    speakers_per_core_worker: round1(worker.speakersPerCore),
    speakers_per_core_offline: round1(offline),
    speakers_per_core_whisper_fixture: whisperFixture === null ? null : round1(whisperFixture),
  }),
);
