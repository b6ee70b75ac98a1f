import { availableParallelism } from 'node:os';
import { z } from 'zod';
import { parseSigningKeys } from './auth/SocketTokens.js';

const bool = z.enum(['true', 'false', '1', '0', 'yes', 'no']).transform((v) => v === 'true' || v === '1' || v === 'yes');
const port = z.coerce.number().int().min(0).max(65_535);
const ip = z.union([z.ipv4(), z.ipv6()]);
const csv = z.string().transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean));

/** Every setting of the sfu process, with its default; names match infra/env.example. */
export const sfuConfigSchema = z
  .object({
    GATEWAY_PORT: port.default(5026),
    HOST: z.string().default('0.0.0.0'),
    REDIS_URL: z.url().default('redis://127.0.0.1:6379'),
    PUBLIC_URL: z.url().optional(),
    /** This node's name among sfu nodes (rooms are recorded by it in Redis); default: unique per process. */
    NODE_ID: z.string().regex(/^[A-Za-z0-9_.:-]{1,64}$/, 'NODE_ID may use letters, digits and _ . : - (at most 64)').optional(),
    /**
     * How browsers reach this very node (not the load balancer), e.g. https://sfu-2.parley.example.org:
     * clients that land on another node are sent here when this node hosts their room.
     */
    NODE_URL: z.url().refine((u) => /^https?:\/\//.test(u), 'NODE_URL must be http:// or https://').optional(),
    /** A node that stops renewing its presence in Redis this long is taken for dead: its rooms move to other nodes. */
    NODE_TTL_SECONDS: z.coerce.number().min(1).max(60).default(5),
    /** Utterance audio kept in memory while Redis is away (16 kHz speech is 32 KB/s): written, and captioned, once it is back. */
    REDIS_OUTAGE_BUFFER_MB: z.coerce.number().min(0).max(4_096).default(64),
    ALLOWED_ORIGINS: csv.optional(),
    /** off: guests with a display name (one machine). oidc: sign-in with Google or any OpenID provider. */
    AUTH: z.enum(['off', 'oidc']).default('off'),
    OIDC_ISSUER: z.url().default('https://accounts.google.com'),
    AUTH_GOOGLE_ID: z.string().optional(),
    AUTH_GOOGLE_SECRET: z.string().optional(),
    /** Encrypts the session cookie and keys CSRF tokens; at least 32 characters (`openssl rand -base64 48`). */
    AUTH_SECRET: z.string().optional(),
    /** `kid:secret,kid:secret`: the first signs socket and desktop tokens, all verify (rotation without downtime). */
    TOKEN_SIGNING_KEYS: z.string().optional(),
    SOCKET_TOKEN_TTL_SECONDS: z.coerce.number().int().min(30).max(600).default(300),
    SESSION_MAX_AGE_DAYS: z.coerce.number().min(1).max(365).default(30),
    INVITE_TTL_HOURS: z.coerce.number().min(1).max(8_760).default(168),
    /** Unset: SQLite at data/parley.db; `postgres://…` for Postgres; `sqlite:<file>` for another file. */
    DATABASE_URL: z.string().optional(),
    MAX_CONNECTIONS_PER_IP: z.coerce.number().int().min(1).default(50),
    CONNECT_BURST_PER_IP: z.coerce.number().int().min(1).default(60),
    CONNECTS_PER_SECOND_PER_IP: z.coerce.number().min(0.1).default(5),
    JOIN_BURST: z.coerce.number().int().min(1).default(20),
    JOINS_PER_SECOND: z.coerce.number().min(0.1).default(2),
    /** `adaptive`: end a phrase sooner when it sounds finished, later at a mid-sentence pause; `fixed`: always after SILENCE_THRESHOLD_SECONDS. */
    ENDPOINTING: z.enum(['adaptive', 'fixed']).default('adaptive'),
    /** The silence that ends a phrase with ENDPOINTING=fixed. */
    SILENCE_THRESHOLD_SECONDS: z.coerce.number().min(0.2).max(10).default(0.8),
    /** With ENDPOINTING=adaptive: the silence that ends a phrase that sounds finished (long, voice falling)… */
    ENDPOINT_MIN_SILENCE_SECONDS: z.coerce.number().min(0.1).max(10).default(0.3),
    /** …and one that does not (a few words, voice held up). */
    ENDPOINT_MAX_SILENCE_SECONDS: z.coerce.number().min(0.2).max(10).default(1),
    /** Speech this long counts fully as a finished thought. */
    ENDPOINT_LONG_PHRASE_SECONDS: z.coerce.number().min(0.5).max(60).default(3),
    /** After this much silence the phrase so far is decoded and translated at once, before the endpoint; 0 turns it off. */
    PAUSE_HINT_SECONDS: z.coerce.number().min(0).max(10).default(0.2),
    MAX_UTTERANCE_SECONDS: z.coerce.number().min(2).max(60).default(15),
    /** Speech goes to the stt workers in chunks of this much audio while the phrase goes on. */
    AUDIO_CHUNK_SECONDS: z.coerce.number().min(0.02).max(2).default(0.1),
    MAX_QUEUE_DEPTH: z.coerce.number().int().min(1).default(100),
    MAX_PARTICIPANTS_PER_ROOM: z.coerce.number().int().min(1).default(50),
    /** Media processes (mediasoup workers), one per core by default; rooms are spread over them. */
    MEDIASOUP_WORKERS: z.coerce.number().int().min(1).max(64).default(availableParallelism()),
    /** The mediasoup worker binary (scripts/build-mediasoup-worker.sh builds it and prints its path). */
    MEDIASOUP_WORKER_BIN: z.string().optional(),
    /** A room whose listeners pass this many on one media process gets more on another (pipeToRouter). */
    MEDIA_CONSUMERS_PER_WORKER: z.coerce.number().int().min(1).default(500),
    /** First of the UDP/TCP media ports; media process i listens on RTC_MIN_PORT + i. */
    RTC_MIN_PORT: port.optional(),
    RTC_MAX_PORT: port.optional(),
    RTC_LISTEN_IP: ip.optional(),
    RTC_ANNOUNCED_IP: ip.optional(),
    /** Passive ICE-TCP candidates on the same ports, for networks that block UDP. */
    RTC_ICE_TCP: bool.default(true),
    /**
     * Ask browsers to stop sending audio while their person is silent (Opus DTX): about a tenth of
     * the packets from an open but quiet microphone, for every listener; finals come a little later.
     */
    OPUS_DTX: bool.default(false),
    /** A client that stops answering ICE consent checks this long loses its connection (RFC 7675). */
    RTC_ICE_CONSENT_TIMEOUT_SECONDS: z.coerce.number().int().min(1).max(300).default(30),
    TURN_URLS: csv.optional(),
    TURN_SECRET: z.string().min(16).optional(),
    WEB_DIST_DIR: z.string().optional(),
    /** Prometheus `/metrics` on a port of its own (unset: not served); never on GATEWAY_PORT, which faces the public. */
    METRICS_PORT: port.optional(),
    /** Loopback by default; an address Prometheus can reach (a pod's IP) where it scrapes from elsewhere. */
    METRICS_HOST: z.string().default('127.0.0.1'),
    /** When set, scrapes must send `Authorization: Bearer <token>` (for a METRICS_HOST others can reach). */
    METRICS_TOKEN: z.string().min(16, 'METRICS_TOKEN must be at least 16 characters (`openssl rand -hex 24`)').optional(),
    LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
  })
  .refine((c) => (c.RTC_MIN_PORT === undefined) === (c.RTC_MAX_PORT === undefined), {
    message: 'set both RTC_MIN_PORT and RTC_MAX_PORT, or neither',
    path: ['RTC_MIN_PORT'],
  })
  .refine((c) => c.RTC_MIN_PORT === undefined || c.RTC_MAX_PORT === undefined || c.RTC_MIN_PORT <= c.RTC_MAX_PORT, {
    message: 'RTC_MIN_PORT must not be above RTC_MAX_PORT',
    path: ['RTC_MIN_PORT'],
  })
  .refine((c) => c.RTC_MIN_PORT === undefined || c.RTC_MAX_PORT === undefined || c.RTC_MAX_PORT - c.RTC_MIN_PORT + 1 >= c.MEDIASOUP_WORKERS, {
    message: 'the RTC_MIN_PORT–RTC_MAX_PORT range needs one port per media process (MEDIASOUP_WORKERS)',
    path: ['RTC_MAX_PORT'],
  })
  .refine((c) => !c.TURN_URLS || c.TURN_SECRET, { message: 'TURN_URLS needs TURN_SECRET', path: ['TURN_SECRET'] })
  .refine((c) => c.ENDPOINT_MIN_SILENCE_SECONDS <= c.ENDPOINT_MAX_SILENCE_SECONDS, {
    message: 'ENDPOINT_MIN_SILENCE_SECONDS must not be above ENDPOINT_MAX_SILENCE_SECONDS',
    path: ['ENDPOINT_MIN_SILENCE_SECONDS'],
  })
  .superRefine((c, ctx) => {
    if (c.AUTH !== 'oidc') return;
    const need = (key: 'AUTH_GOOGLE_ID' | 'AUTH_GOOGLE_SECRET' | 'AUTH_SECRET' | 'TOKEN_SIGNING_KEYS', what: string) => {
      if (!c[key]) ctx.addIssue({ code: 'custom', path: [key], message: `AUTH=oidc needs ${key}: ${what}` });
    };
    need('AUTH_GOOGLE_ID', "the OAuth client id from your OpenID provider (see the README's sign-in section)");
    need('AUTH_GOOGLE_SECRET', 'the OAuth client secret from your OpenID provider');
    need('AUTH_SECRET', 'a random secret of 32+ characters (`openssl rand -base64 48`)');
    need('TOKEN_SIGNING_KEYS', 'one or more "kid:secret" pairs, each secret 32+ characters');
    if (c.AUTH_SECRET && c.AUTH_SECRET.length < 32) ctx.addIssue({ code: 'custom', path: ['AUTH_SECRET'], message: 'AUTH_SECRET must be at least 32 characters (`openssl rand -base64 48`)' });
    if (c.TOKEN_SIGNING_KEYS) {
      try {
        parseSigningKeys(c.TOKEN_SIGNING_KEYS);
      } catch (error) {
        ctx.addIssue({ code: 'custom', path: ['TOKEN_SIGNING_KEYS'], message: (error as Error).message });
      }
    }
  });

export type SfuConfig = z.infer<typeof sfuConfigSchema>;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Parses the environment; throws a ConfigError naming each bad variable. */
export function loadSfuConfig(env: NodeJS.ProcessEnv = process.env): SfuConfig {
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = sfuConfigSchema.safeParse(present);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.') || '(config)'}: ${i.message}`);
    throw new ConfigError(`Invalid sfu configuration:\n${lines.join('\n')}`);
  }
  return parsed.data;
}
