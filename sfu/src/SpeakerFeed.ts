import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { REDIS_KEYS, speakerAudioStatsSchema, type SpeakerAudioStats } from '@parley/protocol/streams';
import type { SfuConfig } from './config.js';
import type { Peer } from './rooms/Peer.js';
import type { Room } from './rooms/Room.js';
import { UtterancePublisher } from './UtterancePublisher.js';
import type { OutageBudget } from './RedisWriteQueue.js';
import type { EndpointingOptions } from './audio/EndpointPolicy.js';
import { SpeakerAudioPipeline } from './audio/SpeakerAudioPipeline.js';
import type { SileroVad } from './audio/SileroVad.js';
import type { SfuMetrics } from './metrics/SfuMetrics.js';

export interface SpeakerFeedOptions {
  room: Room;
  peer: Peer;
  redis: Redis;
  vad: SileroVad;
  config: SfuConfig;
  log: Logger;
  /** Shared by every speaker of the process: what their utterances may hold while Redis is away. */
  outageBudget: OutageBudget;
  metrics?: SfuMetrics;
  /** How often what the pipeline saw is written to Redis. */
  statsIntervalMs?: number;
}

/** Stats outlive the speaker this long, for whoever checks on them afterwards. */
const STATS_TTL_SECONDS = 600;

/** The endpointing the settings ask for. */
export function endpointingFrom(config: SfuConfig): EndpointingOptions {
  return config.ENDPOINTING === 'fixed'
    ? { mode: 'fixed', silenceSeconds: config.SILENCE_THRESHOLD_SECONDS }
    : {
        mode: 'adaptive',
        minSilenceSeconds: config.ENDPOINT_MIN_SILENCE_SECONDS,
        maxSilenceSeconds: config.ENDPOINT_MAX_SILENCE_SECONDS,
        longPhraseSeconds: config.ENDPOINT_LONG_PHRASE_SECONDS,
      };
}

/**
 * One speaker's microphone turned into utterances on Redis: peer → audio pipeline → publisher.
 * What the pipeline saw (packets, frames, speech, utterances) is kept in Redis too, so anyone can
 * tell "no caption because nothing arrived" from "no caption because it was not speech".
 */
export class SpeakerFeed {
  private readonly pipeline: SpeakerAudioPipeline;
  private readonly publisher: UtterancePublisher;
  private readonly statsTimer: NodeJS.Timeout;
  private closed = false;

  constructor(private readonly options: SpeakerFeedOptions) {
    const { room, peer, redis, vad, config, log, metrics } = options;
    this.publisher = new UtterancePublisher({
      redis,
      context: {
        room: room.id,
        speakerId: peer.id,
        speakerName: peer.name,
        srcLang: peer.speaks,
        targetLangs: () => room.captionLanguages(),
        names: () => room.nameWords(),
      },
      outageBudget: options.outageBudget,
      log,
    });
    this.pipeline = new SpeakerAudioPipeline({
      vad,
      endpointing: endpointingFrom(config),
      pauseHintSeconds: config.PAUSE_HINT_SECONDS,
      maxUtteranceSeconds: config.MAX_UTTERANCE_SECONDS,
      chunkSeconds: config.AUDIO_CHUNK_SECONDS,
      onVadDelay: metrics ? (seconds) => metrics.stage('vad', seconds) : undefined,
    });
    // Debug lines with the utteranceId, so one caption's way through every process is one search.
    let utteranceId: string | undefined;
    this.pipeline.on('utteranceStart', () => {
      utteranceId = this.publisher.utteranceStarted();
      log.debug({ utteranceId, room: room.id, peer: peer.id }, 'utterance started');
    });
    this.pipeline.on('chunk', (chunk) => {
      this.publisher.chunk(chunk);
      if (chunk.final) log.debug({ utteranceId, room: room.id, peer: peer.id, chunks: chunk.seq + 1 }, 'utterance audio complete; queued for speech recognition');
    });
    peer.setOpusSink(this.pipeline);
    this.statsTimer = setInterval(() => void this.writeStats(), options.statsIntervalMs ?? 1_000);
    this.statsTimer.unref();
  }

  private async writeStats(): Promise<void> {
    const { room, peer, redis, log } = this.options;
    // Diagnostics only: while Redis is away they are skipped, not queued.
    if (redis.status !== 'ready') return;
    const s = this.pipeline.stats();
    const stats: SpeakerAudioStats = speakerAudioStatsSchema.parse({
      room: room.id,
      speakerId: peer.id,
      packets: s.packets,
      frames: s.frames,
      speechFrames: s.speechFrames,
      utterances: s.utterances - s.discardedUtterances,
      discardedUtterances: s.discardedUtterances,
      updatedAtMs: Date.now(),
    });
    await redis.set(REDIS_KEYS.speakerAudioStats(room.id, peer.id), JSON.stringify(stats), 'EX', STATS_TTL_SECONDS).catch((err: unknown) => {
      log.debug({ err, peer: peer.id }, 'could not write speaker audio stats');
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.statsTimer);
    this.options.peer.setOpusSink(undefined);
    await this.pipeline.flush();
    this.pipeline.close();
    await this.writeStats();
    await this.publisher.drain();
  }
}
