/**
 * How many live speakers one CPU core captions in real time through the real stt worker: a
 * worker process (Redis consumer group, leases renewed, interims every 0.5 s, a decode at each
 * pause, the final) is fed utterances in real time by several simulated speakers at once, as
 * the sfu writes them, and its CPU time is compared with the audio's duration. Optionally
 * pinned to one core while a busy loop holds the other, as on a box that also runs the sfu.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { CONSUMER_GROUPS, REDIS_KEYS, STREAMS, utteranceAudioStream } from '@parley/protocol/streams';
import { ChildProcess } from '../../scripts/lib/ChildProcess.js';
import { freePort, httpOk, waitFor } from '../../scripts/lib/freePort.js';
import { redisServerArgs } from '../../scripts/lib/services.js';
import { sfuConfigSchema } from '../../sfu/src/config.js';
import type { SpeechClip } from '../speechClips.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** The sfu's chunk size (AUDIO_CHUNK_SECONDS, from the environment as the sfu reads it). */
const CHUNK_SAMPLES = Math.round(sfuConfigSchema.parse({ AUDIO_CHUNK_SECONDS: process.env.AUDIO_CHUNK_SECONDS }).AUDIO_CHUNK_SECONDS * 16_000);
const CLOCK_TICKS_PER_SECOND = 100;

export interface WorkerThroughputOptions {
  clips: SpeechClip[];
  /** Simulated speakers talking at once; each speaks every clip once per round. */
  speakers: number;
  rounds: number;
  /** Pin the worker to core 0 and keep core 1 busy. */
  busyOtherCore: boolean;
  logDir?: string;
}

export interface WorkerThroughput {
  audioSeconds: number;
  cpuSeconds: number;
  wallSeconds: number;
  speakersPerCore: number;
  finals: number;
}

/** user + system CPU seconds of a process so far, from /proc. */
function processCpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
}

/** One speaker's utterance written as the sfu writes it, paced in real time. */
async function speak(redis: Redis, speaker: number, utteranceId: string, samples: Int16Array): Promise<void> {
  const audio = utteranceAudioStream(utteranceId);
  const chunks = Math.ceil(samples.length / CHUNK_SAMPLES);
  const startMs = performance.now();
  for (let seq = 0; seq <= chunks; seq++) {
    const part = samples.subarray(seq * CHUNK_SAMPLES, (seq + 1) * CHUNK_SAMPLES);
    const multi = redis.multi();
    // The last audio chunk comes at the speaker's pause, the final (empty) one at the endpoint, with no speech since.
    audio.addTo(multi, { seq, final: seq === chunks, pause: seq === chunks - 1, endsAtPause: seq === chunks, endAtMs: Date.now(), pcm: Buffer.from(part.buffer, part.byteOffset, part.byteLength) });
    if (seq === 0) {
      STREAMS.sttAssign.addTo(multi, { utteranceId, room: 'bench-stt', speakerId: `speaker-${speaker}`, speakerName: `Speaker ${speaker}`, srcLang: 'en', targetLangs: ['en'], startedAtMs: Date.now(), names: [] });
    }
    await multi.exec();
    const aheadMs = startMs + ((seq + 1) * CHUNK_SAMPLES * 1000) / 16_000 - performance.now();
    if (aheadMs > 0) await new Promise((r) => setTimeout(r, aheadMs));
  }
}

export async function workerSpeakersPerCore(options: WorkerThroughputOptions): Promise<WorkerThroughput> {
  const processes: ChildProcess[] = [];
  const spawnChild = (name: string, command: string, args: string[], env?: NodeJS.ProcessEnv) => {
    const child = new ChildProcess({ name, command, args, env, cwd: ROOT, logFile: options.logDir ? `${options.logDir}/${name}.log` : undefined });
    processes.push(child);
    return child;
  };
  const pin = (core: number, command: string, args: string[]): [string, string[]] => (options.busyOtherCore ? ['taskset', ['-c', String(core), command, ...args]] : [command, args]);
  let redis: Redis | undefined;
  let busy: ReturnType<typeof spawn> | undefined;
  if (options.logDir) mkdirSync(options.logDir, { recursive: true });
  try {
    const redisPort = await freePort();
    spawnChild('redis', 'redis-server', redisServerArgs(redisPort));
    const redisUrl = `redis://127.0.0.1:${redisPort}`;
    await waitFor('redis', async () => {
      const probe = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
      probe.on('error', () => {}); // Refused until redis-server listens; that is what is being waited for.
      try {
        await probe.connect();
        return (await probe.ping()) === 'PONG';
      } catch {
        return false;
      } finally {
        probe.disconnect();
      }
    }, 15_000);
    redis = new Redis(redisUrl);
    const healthPort = await freePort();
    const [command, args] = pin(0, process.execPath, ['--import', 'tsx', 'workers/src/stt/main.ts']);
    const worker = spawnChild('stt-worker', command, args, {
      ...process.env,
      REDIS_URL: redisUrl,
      APERTIUM_URL: 'http://127.0.0.1:1',
      STT_ENGINE: 'pocketsphinx',
      STT_CONCURRENCY: String(options.speakers),
      HEALTH_PORT: String(healthPort),
      LOG_LEVEL: 'warn',
    });
    await waitFor('stt worker', () => httpOk(`http://127.0.0.1:${healthPort}/readyz`), 60_000, () => worker.deathReason);
    if (options.busyOtherCore) busy = spawn('taskset', ['-c', '1', process.execPath, '-e', 'for(;;){}'], { stdio: 'ignore' });
    // The worker process is taskset's child when pinned (taskset execs, so it is the same pid).
    const pid = worker.pid!;
    let audioSeconds = 0;
    const cpuBefore = processCpuSeconds(pid);
    const wallBefore = performance.now();
    let utterances = 0;
    await Promise.all(
      Array.from({ length: options.speakers }, async (_, speaker) => {
        for (let round = 0; round < options.rounds; round++) {
          for (const clip of options.clips) {
            utterances += 1;
            audioSeconds += clip.samples16k.length / 16_000;
            await speak(redis!, speaker, `bench-${speaker}-${round}-${clip.id}`, clip.samples16k);
          }
        }
      }),
    );
    // Done when every utterance is acknowledged (its final written). A worker slower than real
    // time is still catching up when the speakers stop: give it as long as the audio lasted, twice.
    const catchUpMs = Math.max(120_000, 2 * audioSeconds * 1000);
    await waitFor('the last finals', async () => ((await redis!.xpending(REDIS_KEYS.sttAssign, CONSUMER_GROUPS.stt)) as [number])[0] === 0 && (await redis!.xlen(REDIS_KEYS.sttAssign)) === utterances, catchUpMs, () => worker.deathReason);
    const cpuSeconds = processCpuSeconds(pid) - cpuBefore;
    const wallSeconds = (performance.now() - wallBefore) / 1000;
    const finals = (await redis.xrange(REDIS_KEYS.mtJobs, '-', '+')).filter(([, fields]) => {
      const parsed = STREAMS.mtJobs.parse(fields);
      return parsed.ok && parsed.value.kind === 'final';
    }).length;
    return { audioSeconds, cpuSeconds, wallSeconds, speakersPerCore: audioSeconds / cpuSeconds, finals };
  } finally {
    busy?.kill('SIGKILL');
    redis?.disconnect();
    await Promise.all(processes.filter((p) => p.name !== 'redis').map((p) => p.stop()));
    await Promise.all(processes.filter((p) => p.name === 'redis').map((p) => p.stop()));
  }
}
