import type { Redis } from 'ioredis';
import type { Server } from 'socket.io';
import { captionSchema, type Caption, type ClientToServerEvents, type ServerToClientEvents } from '@parley/protocol';
import { REDIS_KEYS } from '@parley/protocol/streams';
import type { Logger } from 'pino';
import type { SfuMetrics } from './metrics/SfuMetrics.js';

/** The socket.io room of everyone in `room` who reads `lang`. */
export function captionAudience(room: string, lang: string): string {
  return `captions:${room}:${lang}`;
}

/**
 * Delivers captions published by the workers to this node's own sockets; every sfu node runs one,
 * so each listener gets a caption once, from the node it is connected to.
 */
export class CaptionRelay {
  private closed = false;
  delivered = 0;
  rejected = 0;

  constructor(
    private readonly subscriber: Redis,
    private readonly io: Server<ClientToServerEvents, ServerToClientEvents>,
    private readonly log: Logger,
    private readonly metrics?: SfuMetrics,
  ) {}

  async start(): Promise<void> {
    this.subscriber.on('message', (channel: string, message: string) => {
      if (channel === REDIS_KEYS.captions) this.deliver(message);
    });
    await this.subscriber.subscribe(REDIS_KEYS.captions);
  }

  private deliver(message: string): void {
    let caption: Caption;
    try {
      caption = captionSchema.parse(JSON.parse(message));
    } catch (error) {
      this.rejected += 1;
      this.log.warn({ err: (error as Error).message }, 'dropped a malformed caption from redis');
      return;
    }
    this.delivered += 1;
    const audience = captionAudience(caption.room, caption.lang);
    this.io.local.to(audience).emit('caption', caption);
    const sockets = this.io.of('/').adapter.rooms.get(audience)?.size ?? 0;
    this.metrics?.captionDelivered(caption, sockets);
    if (caption.kind === 'final') this.log.debug({ utteranceId: caption.utteranceId, room: caption.room, lang: caption.lang, sockets }, 'final caption delivered');
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.subscriber.quit().catch(() => this.subscriber.disconnect());
  }
}
