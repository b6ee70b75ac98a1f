/**
 * How many live speakers one CPU core can caption in real time, per engine: the five librivox
 * clips are streamed through the engine as the stt worker does (0.5 s chunks, an interim decode
 * after each, a final decode at the end), and the process's CPU time (all threads) is compared
 * with the audio's duration. speakers_per_core = audio seconds / CPU seconds.
 */
import { fileURLToPath } from 'node:url';
import { PocketsphinxEngine } from '../workers/src/stt/PocketsphinxEngine.js';
import type { SttEngine } from '../workers/src/stt/SttEngine.js';
import { WhisperEngine } from '../workers/src/stt/WhisperEngine.js';
import { loadLibrivoxClips } from './speechClips.js';
import { recogniseStreaming } from './sttFile.js';

const WHISPER_FIXTURE = fileURLToPath(new URL('../workers/test-fixtures/models/tiny-whisper', import.meta.url));
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const clips = loadLibrivoxClips();

async function speakersPerCore(name: string, engine: SttEngine): Promise<number> {
  await recogniseStreaming(engine, clips[0]!.samples16k); // warm-up, not counted
  let audioSeconds = 0;
  const cpuBefore = process.cpuUsage();
  const wallBefore = performance.now();
  for (let round = 0; round < ROUNDS; round++) {
    for (const clip of clips) {
      await recogniseStreaming(engine, clip.samples16k);
      audioSeconds += clip.samples16k.length / 16_000;
    }
  }
  const cpu = process.cpuUsage(cpuBefore);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const wallSeconds = (performance.now() - wallBefore) / 1000;
  const perCore = audioSeconds / cpuSeconds;
  console.log(`${name}: ${audioSeconds.toFixed(1)} s of audio in ${cpuSeconds.toFixed(2)} s CPU (${wallSeconds.toFixed(2)} s wall): real-time factor ${(cpuSeconds / audioSeconds).toFixed(3)} per core → ${perCore.toFixed(1)} speakers per core`);
  return perCore;
}

const pocketsphinx = await PocketsphinxEngine.create({ poolSize: 1 });
const offline = await speakersPerCore('pocketsphinx', pocketsphinx);
await pocketsphinx.close();

let whisperFixture: number | null = null;
try {
  // Random weights never emit end-of-text, so every decode uses its whole token budget (6 tokens
  // per second of audio + a few): the cost of a real model that talks as long as it may.
  const whisper = await WhisperEngine.create({ modelDir: WHISPER_FIXTURE, minPartialIntervalMs: 0 });
  whisperFixture = await speakersPerCore('whisper (tiny random-weight fixture)', whisper);
  await whisper.close();
} catch (error) {
  console.error(`whisper fixture not measured: ${(error as Error).message}`);
}

const round1 = (x: number) => Math.round(x * 10) / 10;
console.log(JSON.stringify({ speakers_per_core_offline: round1(offline), speakers_per_core_whisper_fixture: whisperFixture === null ? null : round1(whisperFixture) }));
