import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Server } from 'socket.io';
import type { ClientToServerEvents, ServerToClientEvents } from '@parley/protocol';
import type { SfuConfig } from '../config.js';
import type { OriginPolicy } from '../OriginPolicy.js';
import type { RoomRegistry } from '../rooms/RoomRegistry.js';
import type { StaticFiles } from '../StaticFiles.js';
import { AccountStore } from '../auth/AccountStore.js';
import { DesktopRoutes } from '../auth/DesktopRoutes.js';
import { SocketAuth } from '../auth/SocketAuth.js';
import { SocketTokens, parseSigningKeys, type AuthFailureReason } from '../auth/SocketTokens.js';
import { WebAuth } from '../auth/WebAuth.js';
import { openDatabase } from '../db/openDatabase.js';
import type { Database } from '../db/schema.js';
import { RoomAccess } from '../rooms/RoomAccess.js';
import { RoomStore } from '../rooms/RoomStore.js';
import { TranscriptStore } from '../transcripts/TranscriptStore.js';
import { ApiRoutes } from './ApiRoutes.js';
import { createHttpApp } from './HttpApp.js';
import { KeyedRateLimiter } from './KeyedRateLimiter.js';

const DESKTOP_ACCESS_TTL_SECONDS = 600;

/**
 * Identity, access control and persistence of the sfu: the database, sign-in, socket tokens, room
 * access and host controls, and the HTTP app. The sfu calls `admit`/`onJoined` around each join.
 */
export class AccessLayer {
  readonly roomAccess: RoomAccess;
  private readonly socketAuth: SocketAuth;
  private db: Kysely<Database> | undefined;
  private handler: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;
  private accounts: AccountStore | undefined;
  private roomStore: RoomStore | undefined;
  private readonly socketTokens: SocketTokens | undefined;
  private readonly desktopTokens: SocketTokens | undefined;
  private closed = false;

  constructor(
    private readonly config: SfuConfig,
    private readonly log: Logger,
    io: Server<ClientToServerEvents, ServerToClientEvents>,
    rooms: () => RoomRegistry | undefined,
    private readonly staticFiles: StaticFiles | undefined,
    private readonly origins: OriginPolicy,
    /** The engine table the workers published, for the lobby. */
    private readonly engines: () => Promise<Record<string, string>>,
    /** Told of every refused socket or API request (for the metrics). */
    private readonly onAuthFailure?: (reason: AuthFailureReason) => void,
  ) {
    const oidc = config.AUTH === 'oidc';
    const issuer = config.PUBLIC_URL ?? 'parley';
    if (oidc) {
      const keys = parseSigningKeys(config.TOKEN_SIGNING_KEYS!);
      this.socketTokens = new SocketTokens(keys, config.SOCKET_TOKEN_TTL_SECONDS, issuer, 'parley:socket');
      this.desktopTokens = new SocketTokens(keys, DESKTOP_ACCESS_TTL_SECONDS, issuer, 'parley:desktop');
    }
    // The stores exist once open() has run; sockets are only accepted after that.
    this.socketAuth = new SocketAuth(io, {
      tokens: this.socketTokens,
      accounts: () => this.accounts,
      log,
      maxConnectionsPerIp: config.MAX_CONNECTIONS_PER_IP,
      connectBurstPerIp: config.CONNECT_BURST_PER_IP,
      connectsPerSecondPerIp: config.CONNECTS_PER_SECOND_PER_IP,
      onFailure: onAuthFailure,
    });
    this.roomAccess = new RoomAccess({
      store: () => this.roomStore,
      rooms,
      log,
      joinBurst: config.JOIN_BURST,
      joinsPerSecond: config.JOINS_PER_SECOND,
    });
    io.on('connection', (socket) => this.roomAccess.attach(socket));
  }

  /** Opens the database (running its migrations) and builds the HTTP app. */
  async open(): Promise<void> {
    const config = this.config;
    this.db = await openDatabase(config.DATABASE_URL);
    const transcripts = new TranscriptStore(this.db);
    const secure = config.PUBLIC_URL?.startsWith('https:') ?? false;
    const tokenLimiter = new KeyedRateLimiter(30, 1);
    let auth: ConstructorParameters<typeof ApiRoutes>[0]['auth'];
    let httpAuth: Parameters<typeof createHttpApp>[0]['auth'];
    if (config.AUTH === 'oidc') {
      const accounts = new AccountStore(this.db);
      const roomStore = new RoomStore(this.db);
      const onSessionRevoked = (sid: string) => this.socketAuth.sessionRevoked(sid);
      const web = new WebAuth({
        accounts,
        issuer: config.OIDC_ISSUER,
        clientId: config.AUTH_GOOGLE_ID!,
        clientSecret: config.AUTH_GOOGLE_SECRET!,
        secret: config.AUTH_SECRET!,
        secureCookies: secure,
        sessionMaxAgeSeconds: Math.round(config.SESSION_MAX_AGE_DAYS * 86_400),
        onSessionRevoked,
      });
      const desktop = new DesktopRoutes({
        web,
        accounts,
        accessTokens: this.desktopTokens!,
        accessTokenTtlSeconds: DESKTOP_ACCESS_TTL_SECONDS,
        refreshTtlMs: config.SESSION_MAX_AGE_DAYS * 86_400_000,
        codeTtlMs: 60_000,
        tokenLimiter,
        onSessionRevoked,
      });
      auth = { web, accounts, socketTokens: this.socketTokens!, desktopTokens: this.desktopTokens!, rooms: roomStore };
      httpAuth = { web, desktop, oidcIssuer: config.OIDC_ISSUER };
      this.accounts = accounts;
      this.roomStore = roomStore;
    }
    const api = new ApiRoutes({
      auth,
      transcripts,
      engines: this.engines,
      publicUrl: config.PUBLIC_URL,
      inviteTtlMs: config.INVITE_TTL_HOURS * 3_600_000,
      limits: { tokens: tokenLimiter, roomCreation: new KeyedRateLimiter(10, 0.2) },
    });
    this.handler = createHttpApp({
      api,
      auth: httpAuth,
      staticFiles: this.staticFiles,
      origins: this.origins,
      signInLimiter: new KeyedRateLimiter(30, 0.5),
      secure,
      log: this.log,
      onUnauthorized: () => this.onAuthFailure?.('http_unauthorized'),
    });
  }

  /** Serves every HTTP request but health. */
  handle(req: IncomingMessage, res: ServerResponse): void {
    if (!this.handler) {
      res.writeHead(503, { 'content-type': 'text/plain' }).end('Starting; try again in a moment.');
      return;
    }
    this.handler(req, res);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.db?.destroy();
  }
}
