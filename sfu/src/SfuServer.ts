import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import { createAdapter } from '@socket.io/redis-streams-adapter';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { Server } from 'socket.io';
import { LIMITS, type ClientToServerEvents, type ServerToClientEvents } from '@parley/protocol';
import type { SfuConfig } from './config.js';
import { REDIS_KEYS, redisReconnectDelayMs } from '@parley/protocol/streams';
import { BacklogMonitor } from './BacklogMonitor.js';
import { CaptionRelay } from './CaptionRelay.js';
import { OriginPolicy } from './OriginPolicy.js';
import { MediaWorkerPool } from './media/MediaWorkerPool.js';
import { mediaSettingsFromConfig } from './media/MediaSettings.js';
import { RoomRegistry } from './rooms/RoomRegistry.js';
import { SignalingServer, type SignalingOptions } from './signaling/SignalingServer.js';
import { SpeakerFeed } from './SpeakerFeed.js';
import { StaticFiles } from './StaticFiles.js';
import { SileroVad } from './audio/SileroVad.js';
import { turnCredentials } from './turnCredentials.js';
import { AccessLayer } from './http/AccessLayer.js';
import { RoomPlacement } from './cluster/RoomPlacement.js';
import { RedisAvailability } from './RedisAvailability.js';
import type { OutageBudget } from './RedisWriteQueue.js';
import type { ParleySocket } from './signaling/SignalingServer.js';
import type { Peer } from './rooms/Peer.js';
import type { Room } from './rooms/Room.js';
import { MetricsServer } from './metrics/MetricsServer.js';
import { SfuMetrics } from './metrics/SfuMetrics.js';

/** The sfu process: HTTP (health, web app), socket.io signaling, rooms, caption delivery. */
export class SfuServer {
  private readonly http: HttpServer;
  private readonly io: Server<ClientToServerEvents, ServerToClientEvents>;
  private readonly redis: Redis;
  /** Carries room events (participants, who speaks) to sockets on other sfu nodes. */
  private readonly adapterRedis: Redis;
  private readonly relay: CaptionRelay;
  private readonly availability: RedisAvailability;
  private readonly outageBudget: OutageBudget;
  private placement: RoomPlacement | undefined;
  readonly nodeId: string;
  private rooms: RoomRegistry | undefined;
  private pool: MediaWorkerPool | undefined;
  private readonly staticFiles: StaticFiles | undefined;
  private readonly backlog: BacklogMonitor;
  private readonly access: AccessLayer;
  private vad: SileroVad | undefined;
  readonly metrics: SfuMetrics;
  private metricsServer: MetricsServer | undefined;
  /** Where /metrics is served (METRICS_PORT), once listening. */
  metricsPort: number | undefined;
  private closed = false;

  constructor(
    private readonly config: SfuConfig,
    private readonly log: Logger,
    /** Limits of the signaling layer (tests shorten them). */
    private readonly signalingLimits: Pick<
      SignalingOptions,
      'joinTimeoutMs' | 'messagesPerSecond' | 'messageBurst' | 'consumerAckTimeoutMs' | 'connectTimeoutMs' | 'iceRecoveryMs'
    > = {},
  ) {
    this.staticFiles = config.WEB_DIST_DIR ? new StaticFiles(config.WEB_DIST_DIR) : undefined;
    this.nodeId = config.NODE_ID ?? `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
    this.http = createServer((req, res) => void this.onHttp(req, res));
    const allowedOrigins = config.ALLOWED_ORIGINS ?? (config.PUBLIC_URL ? [config.PUBLIC_URL] : undefined);
    const origins = new OriginPolicy(allowedOrigins);
    // Its own connection, failing fast while Redis is away: this node's own sockets get room events
    // at once then (the adapter publishes before it delivers locally), other nodes' are skipped.
    this.adapterRedis = new Redis(config.REDIS_URL, { connectionName: 'parley-sfu-adapter', maxRetriesPerRequest: 0, retryStrategy: redisReconnectDelayMs });
    this.adapterRedis.on('error', () => undefined);
    this.io = new Server(this.http, {
      maxHttpBufferSize: LIMITS.messageBytes,
      serveClient: false,
      allowRequest: (req, callback) => callback(null, origins.allows(req)),
      // A page on PUBLIC_URL that is sent to this node's own address (NODE_URL) polls it across origins.
      ...(allowedOrigins ? { cors: { origin: allowedOrigins.map((o) => new URL(o).origin) } } : {}),
      adapter: createAdapter(this.adapterRedis, { streamName: 'parley:sio', channelPrefix: 'parley:sio', blockTimeInMs: 1_000 }),
    });
    // Reconnect attempts at most half a second apart (its duplicates inherit this).
    this.redis = new Redis(config.REDIS_URL, { connectionName: 'parley-sfu', lazyConnect: true, maxRetriesPerRequest: 3, retryStrategy: redisReconnectDelayMs });
    this.redis.on('error', (err) => {
      if (!this.availability.isLost) log.warn({ err: err.message }, 'redis error');
    });
    this.availability = new RedisAvailability(this.redis, 1_000, (err, event) => log.error({ err, event }, 'redis availability listener failed'));
    this.availability.on('lost', () => this.announceCaptionsPaused(true));
    this.availability.on('back', (downForMs) => {
      log.info({ downForMs }, 'redis is back: captions resume, and what was said meanwhile is captioned');
      this.announceCaptionsPaused(false);
    });
    this.outageBudget = { usedBytes: 0, maxBytes: config.REDIS_OUTAGE_BUFFER_MB * 1024 * 1024 };
    this.metrics = new SfuMetrics({ redis: this.redis, rooms: () => this.rooms });
    const reader = this.redis.duplicate();
    reader.on('error', () => undefined);
    this.relay = new CaptionRelay(reader, this.io, log, this.metrics);
    this.backlog = new BacklogMonitor(this.redis, {
      maxQueueDepth: config.MAX_QUEUE_DEPTH,
      onBacklog: (backlog) => this.announceBacklog(backlog),
      onError: (err) => {
        if (this.redis.status === 'ready') log.warn({ err }, 'could not read the caption backlog');
      },
    });
    this.access = new AccessLayer(config, log, this.io, () => this.rooms, this.staticFiles, origins, () => this.redis.hgetall(REDIS_KEYS.engines), (reason) =>
      this.metrics.authFailed(reason),
    );
    // Which engines serve each language pair: the workers write it to Redis when they start.
    this.io.on('connection', (socket) => {
      this.redis.hgetall(REDIS_KEYS.engines).then(
        (engines) => socket.emit('engines', engines),
        (err: unknown) => log.warn({ err }, 'could not read the engine table'),
      );
    });
  }

  /** The media processes (for tests and CPU accounting); undefined before listen(). */
  get media(): MediaWorkerPool | undefined {
    return this.pool;
  }

  get roomRegistry(): RoomRegistry | undefined {
    return this.rooms;
  }

  /** Loads the VAD model, connects to Redis and listens; resolves with the bound port. */
  async listen(port = this.config.GATEWAY_PORT, host = this.config.HOST): Promise<number> {
    this.vad = await SileroVad.load();
    this.metrics.watchVad(this.vad);
    await this.access.open();
    const pool = await MediaWorkerPool.start(mediaSettingsFromConfig(this.config), this.log);
    this.pool = pool;
    this.metrics.watchMedia(pool);
    const rooms = new RoomRegistry({
      io: this.io,
      pool,
      maxParticipants: this.config.MAX_PARTICIPANTS_PER_ROOM,
      consumersPerWorker: this.config.MEDIA_CONSUMERS_PER_WORKER,
      iceConsentTimeoutSeconds: this.config.RTC_ICE_CONSENT_TIMEOUT_SECONDS,
      log: this.log,
      onRemoved: (room) => void this.placement?.release(room),
    });
    this.rooms = rooms;
    const placement = new RoomPlacement({
      redis: this.redis,
      nodeId: this.nodeId,
      nodeUrl: this.config.NODE_URL,
      nodeTtlMs: this.config.NODE_TTL_SECONDS * 1_000,
      localRooms: () => rooms.all().map((room) => room.id),
      // Without a NODE_URL there is nowhere to send them: they stay, in a room split in two, until they rejoin.
      onLost: (room, url) => {
        if (url) this.io.local.to(`room:${room}`).emit('roomMoved', { moveTo: url });
      },
      log: this.log,
    });
    this.placement = placement;
    const config = this.config;
    new SignalingServer(this.io, {
      ...this.signalingLimits,
      rooms,
      log: this.log,
      opusDtx: config.OPUS_DTX,
      iceServers: () => (config.TURN_URLS && config.TURN_SECRET ? [{ urls: config.TURN_URLS, ...turnCredentials(config.TURN_SECRET) }] : []),
      startSpeakerFeed: (room, peer) => {
        if (!this.vad) throw new Error('VAD not loaded');
        return new SpeakerFeed({ room, peer, redis: this.redis, vad: this.vad, config, log: this.log, outageBudget: this.outageBudget, metrics: this.metrics });
      },
      admit: this.access.roomAccess.admit,
      onJoined: (socket, room, peer) => this.onJoined(socket, room, peer),
      // A room open here stays here; only a room new to this node asks Redis where it lives.
      place: (room) => (rooms.get(room) && !rooms.get(room)!.isClosed ? Promise.resolve({ here: true }) : placement.place(room)),
      onReconnect: (kind) => this.metrics.reconnected(kind),
    });
    await this.redis.connect();
    await placement.start();
    await this.relay.start();
    this.backlog.start();
    await new Promise<void>((resolve, reject) => {
      this.http.once('error', reject);
      this.http.listen(port, host, () => {
        this.http.off('error', reject);
        resolve();
      });
    });
    if (this.config.METRICS_PORT !== undefined) await this.serveMetrics(this.config.METRICS_PORT);
    return (this.http.address() as AddressInfo).port;
  }

  private onJoined(socket: ParleySocket, room: Room, peer: Peer): void {
    this.access.roomAccess.onJoined(socket, room, peer);
    if (this.availability.isLost) socket.emit('captionsPaused', { room: room.id, paused: true });
  }

  /** Tells every room on this node that captions stopped (Redis is away) or resumed. */
  private announceCaptionsPaused(paused: boolean): void {
    const rooms = this.rooms?.all() ?? [];
    if (paused) this.log.warn({ rooms: rooms.length }, 'redis is unreachable: rooms are told captions are paused; speech is kept until it is back');
    for (const room of rooms) this.io.local.to(`room:${room.id}`).emit('captionsPaused', { room: room.id, paused });
  }

  private async serveMetrics(port: number): Promise<void> {
    this.metricsServer = new MetricsServer({ registry: this.metrics.registry, token: this.config.METRICS_TOKEN, onRefused: () => this.metrics.authFailed('metrics_token') });
    this.metricsPort = await this.metricsServer.listen(port, this.config.METRICS_HOST);
    this.metrics.startSampling();
  }

  /** Tells every room on this node that captions run late (backlog 0: caught up again). */
  private announceBacklog(backlog: number): void {
    for (const name of this.io.of('/').adapter.rooms.keys()) {
      if (name.startsWith('room:')) this.io.local.to(name).emit('captionsDelayed', { room: name.slice('room:'.length), backlog });
    }
  }

  private async onHttp(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/healthz') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: true }));
      return;
    }
    if (path === '/readyz') {
      const redisOk = this.redis.status === 'ready';
      const mediaWorkers = this.pool?.workers.length ?? 0;
      res.writeHead(redisOk && this.vad && mediaWorkers > 0 ? 200 : 503, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ redis: redisOk, vad: !!this.vad, mediaWorkers, rooms: this.rooms?.size ?? 0, node: this.nodeId }));
      return;
    }
    this.access.handle(req, res);
  }

  /** Idempotent: disconnects everyone, closes rooms and Redis. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.backlog.close();
    this.availability.close();
    // Rooms and presence released first: clients that reconnect elsewhere can take the rooms at once.
    await this.placement?.close();
    this.metrics.close();
    await this.metricsServer?.close();
    await new Promise<void>((resolve) => this.io.close(() => resolve()));
    await this.rooms?.close();
    this.pool?.close();
    await this.relay.close();
    this.adapterRedis.disconnect();
    await this.redis.quit().catch(() => this.redis.disconnect());
    await this.access.close();
  }
}
