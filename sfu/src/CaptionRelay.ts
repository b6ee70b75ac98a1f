import type { Redis } from 'ioredis';
import type { Server } from 'socket.io';
import type { Caption, ClientToServerEvents, ServerToClientEvents } from '@parley/protocol';
import { STREAMS } from '@parley/protocol/streams';
import type { Logger } from 'pino';
import type { SfuMetrics } from './metrics/SfuMetrics.js';

/** The socket.io room of everyone in `room` who reads `lang`. */
export function captionAudience(room: string, lang: string): string {
  return `captions:${room}:${lang}`;
}

type StreamReply = [key: string, entries: [id: string, fields: string[]][]][] | null;

/**
 * Delivers the captions the workers write to the captions stream to this node's own sockets;
 * every sfu node runs one, so each listener gets a caption once, from the node it is connected
 * to. The relay reads from the last entry it saw, so a connection that drops (a Redis restart)
 * loses nothing: it picks up where it left off.
 */
export class CaptionRelay {
  private closed = false;
  private loop: Promise<void> | undefined;
  private failing = false;
  delivered = 0;
  rejected = 0;

  constructor(
    /** A connection of its own: the relay blocks on it. */
    private readonly reader: Redis,
    private readonly io: Server<ClientToServerEvents, ServerToClientEvents>,
    private readonly log: Logger,
    private readonly metrics?: SfuMetrics,
    private readonly blockMs = 1_000,
  ) {}

  /** Starts reading after the newest caption there is now. */
  async start(): Promise<void> {
    const [newest] = (await this.reader.xrevrange(STREAMS.captions.key, '+', '-', 'COUNT', 1)) as [string, string[]][];
    this.loop = this.read(newest?.[0] ?? '0-0');
  }

  private async read(from: string): Promise<void> {
    let lastId = from;
    while (!this.closed) {
      let reply: StreamReply;
      try {
        reply = (await this.reader.xread('COUNT', 500, 'BLOCK', this.blockMs, 'STREAMS', STREAMS.captions.key, lastId)) as StreamReply;
      } catch (error) {
        if (this.closed) return;
        if (!this.failing) this.log.warn({ err: (error as Error).message }, 'cannot read captions from Redis; they are read from where this node left off once it is back');
        this.failing = true;
        await new Promise((r) => setTimeout(r, 250));
        continue;
      }
      if (this.failing) this.log.info({ from: lastId }, 'reading captions again');
      this.failing = false;
      for (const [id, fields] of reply?.[0]?.[1] ?? []) {
        lastId = id;
        this.deliver(id, fields);
      }
    }
  }

  private deliver(id: string, fields: string[]): void {
    const parsed = STREAMS.captions.parse(fields);
    if (!parsed.ok) {
      this.rejected += 1;
      this.log.warn({ entry: id, err: parsed.error }, 'dropped a malformed caption from redis');
      return;
    }
    const caption: Caption = parsed.value;
    const audience = captionAudience(caption.room, caption.lang);
    const listeners = this.io.of('/').adapter.rooms.get(audience)?.size ?? 0;
    if (!listeners) return;
    this.delivered += 1;
    this.io.local.to(audience).emit('caption', caption);
    this.metrics?.captionDelivered(caption, listeners);
    // Finals at info, interims at debug: with the workers' lines, `utteranceId` shows one caption's whole way.
    const about = { utteranceId: caption.utteranceId, seq: caption.seq, lang: caption.lang, listeners, room: caption.room };
    if (caption.kind === 'final') this.log.info(about, 'final caption delivered');
    else this.log.debug(about, 'interim caption delivered');
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.reader.disconnect();
    await this.loop;
  }
}
