import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { SfuConfig } from './config.js';
import type { Peer } from './rooms/Peer.js';
import type { Room } from './rooms/Room.js';
import { UtterancePublisher } from './UtterancePublisher.js';
import { SpeakerAudioPipeline } from './audio/SpeakerAudioPipeline.js';
import type { SileroVad } from './audio/SileroVad.js';

export interface SpeakerFeedOptions {
  room: Room;
  peer: Peer;
  redis: Redis;
  vad: SileroVad;
  config: SfuConfig;
  log: Logger;
}

/** One speaker's microphone turned into utterances on Redis: peer → audio pipeline → publisher. */
export class SpeakerFeed {
  private readonly pipeline: SpeakerAudioPipeline;
  private readonly publisher: UtterancePublisher;
  private closed = false;

  constructor(private readonly options: SpeakerFeedOptions) {
    const { room, peer, redis, vad, config, log } = options;
    this.publisher = new UtterancePublisher(
      redis,
      {
        room: room.id,
        speakerId: peer.id,
        speakerName: peer.name,
        srcLang: peer.speaks,
        targetLangs: () => room.captionLanguages(),
      },
      (err) => log.warn({ err, peer: peer.id }, 'could not write utterance audio to redis'),
    );
    this.pipeline = new SpeakerAudioPipeline({
      vad,
      silenceThresholdSeconds: config.SILENCE_THRESHOLD_SECONDS,
      maxUtteranceSeconds: config.MAX_UTTERANCE_SECONDS,
    });
    this.pipeline.on('utteranceStart', () => this.publisher.utteranceStarted());
    this.pipeline.on('chunk', (chunk) => this.publisher.chunk(chunk));
    peer.setOpusSink(this.pipeline);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.options.peer.setOpusSink(undefined);
    await this.pipeline.flush();
    this.pipeline.close();
    await this.publisher.drain();
  }
}
