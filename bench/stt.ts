/**
 * How many live speakers one CPU core can caption in real time, per engine: the five librivox
 * clips are streamed through the engine as the stt worker does (0.5 s chunks, an interim decode
 * after each, a final decode at the end), and the process's CPU time (all threads) is compared
 * with the audio's duration. speakers_per_core = audio seconds / CPU seconds.
 */
import { PocketsphinxEngine } from '../workers/src/stt/PocketsphinxEngine.js';
import type { SttEngine } from '../workers/src/stt/SttEngine.js';
import { loadLibrivoxClips } from './speechClips.js';
import { recogniseStreaming } from './sttFile.js';

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
  const { createFixtureWhisperEngine } = await import('../workers/src/stt/whisperFixture.js');
  const whisper = await createFixtureWhisperEngine();
  whisperFixture = await speakersPerCore('whisper (tiny random-weight fixture)', whisper);
  await whisper.close();
} catch (error) {
  console.log(`whisper fixture not measured: ${(error as Error).message}`);
}

const round1 = (x: number) => Math.round(x * 10) / 10;
console.log(JSON.stringify({ speakers_per_core_offline: round1(offline), speakers_per_core_whisper_fixture: whisperFixture === null ? null : round1(whisperFixture) }));
