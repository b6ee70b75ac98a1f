import { Router, type NextFunction, type Request, type Response } from 'express';
import type { z } from 'zod';
import {
  createRoomRequestSchema,
  inviteTokenSchema,
  TRANSCRIPT_FORMATS,
  formatTranscript,
  roomIdSchema,
  transcriptExportQuerySchema,
  transcriptFileName,
  transcriptQuerySchema,
  type EnginesReply,
  type InviteReply,
  type LanguageCode,
  type TranscriptSegment,
  type MeReply,
  type SocketTokenReply,
} from '@parley/protocol';
import type { AccountStore, LiveSession } from '../auth/AccountStore.js';
import type { SocketTokens } from '../auth/SocketTokens.js';
import type { WebAuth } from '../auth/WebAuth.js';
import type { RoomStore } from '../rooms/RoomStore.js';
import { CursorError, type TranscriptStore } from '../transcripts/TranscriptStore.js';
import { HttpError } from './HttpError.js';
import type { KeyedRateLimiter } from './KeyedRateLimiter.js';

export interface ApiOptions {
  /** Absent with AUTH=off. */
  auth?: { web: WebAuth; accounts: AccountStore; socketTokens: SocketTokens; desktopTokens: SocketTokens; rooms: RoomStore };
  transcripts: TranscriptStore;
  /** The engine table the workers published (empty when none has started). */
  engines: () => Promise<Record<string, string>>;
  publicUrl: string | undefined;
  inviteTtlMs: number;
  limits: { tokens: KeyedRateLimiter; roomCreation: KeyedRateLimiter };
}

export interface Caller {
  session: LiveSession;
  /** Cookie-authenticated requests need a CSRF token to change anything; bearer ones carry no ambient authority. */
  viaCookie: boolean;
}

type Handler = (req: Request, res: Response) => Promise<unknown>;

/** An export reads the whole transcript; past this many segments it is cut, and says so. */
export const MAX_EXPORT_SEGMENTS = 20_000;

/** Wraps an async handler: the reply is its JSON, an HttpError becomes `{ error }` with its status. */
export function route(handler: Handler) {
  return (req: Request, res: Response, next: NextFunction): void => {
    handler(req, res).then((body) => {
      if (!res.headersSent) res.json(body);
    }, next);
  };
}

export function parse<S extends z.ZodType>(schema: S, value: unknown, what: string): z.infer<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw new HttpError(400, `Invalid ${what}: ${issue ? `${issue.path.join('.') || 'value'}: ${issue.message}` : 'bad value'}.`);
}

/** The /api routes: who I am, socket tokens, rooms, invites and transcripts. */
export class ApiRoutes {
  constructor(private readonly options: ApiOptions) {}

  /** The signed-in caller (desktop bearer token or browser session), or undefined. */
  async caller(req: Request): Promise<Caller | undefined> {
    const auth = this.options.auth;
    if (!auth) return undefined;
    const bearer = /^Bearer (\S+)$/.exec(req.get('authorization') ?? '')?.[1];
    if (bearer) {
      const claims = await auth.desktopTokens.verify(bearer).catch(() => {
        throw new HttpError(401, 'The access token is not valid or has expired; refresh it or sign in again.');
      });
      const session = await auth.accounts.liveSession(claims.sessionId);
      if (!session) throw new HttpError(401, 'This sign-in has been revoked; sign in again.');
      return { session, viaCookie: false };
    }
    const session = await auth.web.session(req);
    return session ? { session, viaCookie: true } : undefined;
  }

  /** The signed-in caller; state-changing cookie requests must carry the session's CSRF token. */
  private async requireCaller(req: Request): Promise<Caller> {
    const caller = await this.caller(req);
    if (!caller) throw new HttpError(401, 'Sign in first.');
    const changes = !['GET', 'HEAD', 'OPTIONS'].includes(req.method);
    if (changes && caller.viaCookie && !this.options.auth!.web.checkCsrf(req, caller.session.id)) {
      throw new HttpError(403, 'Missing or wrong CSRF token (x-csrf-token header); reload the page and try again.');
    }
    return caller;
  }

  private requireAuthMode() {
    const auth = this.options.auth;
    if (!auth) throw new HttpError(404, 'Accounts are off on this server (AUTH=off): rooms are open to anyone with their name.');
    return auth;
  }

  /** Members may read a room's transcript (anyone may with AUTH=off, where rooms are open by name). */
  private async requireReader(req: Request, room: string): Promise<void> {
    const auth = this.options.auth;
    if (!auth) return;
    const { session } = await this.requireCaller(req);
    const membership = await auth.rooms.membership(room, session.user.id);
    if (!membership || membership.removed) throw new HttpError(403, 'Only members of this room can read its transcript.');
  }

  private async wholeTranscript(room: string, lang: LanguageCode | undefined): Promise<TranscriptSegment[]> {
    const segments: TranscriptSegment[] = [];
    let after: string | undefined;
    do {
      const page = await this.options.transcripts.page(room, { lang, after, limit: 500 });
      segments.push(...page.segments);
      after = page.next ?? undefined;
    } while (after && segments.length < MAX_EXPORT_SEGMENTS);
    return segments.slice(0, MAX_EXPORT_SEGMENTS);
  }

  router(): Router {
    const r = Router();
    const { transcripts, limits } = this.options;

    r.get('/me', route(async (req): Promise<MeReply> => {
      if (!this.options.auth) return { auth: 'off' };
      const caller = await this.caller(req);
      return { auth: 'oidc', user: caller?.session.user ?? null, csrfToken: caller ? this.options.auth.web.csrfToken(caller.session.id) : null };
    }));

    r.get('/socket-token', route(async (req, res): Promise<SocketTokenReply> => {
      res.setHeader('cache-control', 'no-store');
      if (!limits.tokens.take(req.ip ?? '')) throw new HttpError(429, 'Too many token requests; wait a few seconds.');
      const auth = this.options.auth;
      if (!auth) return { token: null, expiresAtMs: null };
      const { session } = await this.requireCaller(req);
      return auth.socketTokens.issue(session.user, session.id);
    }));

    r.get('/rooms', route(async (req) => {
      const auth = this.requireAuthMode();
      const { session } = await this.requireCaller(req);
      return { rooms: await auth.rooms.roomsOf(session.user.id) };
    }));

    r.post('/rooms', route(async (req, res) => {
      const auth = this.requireAuthMode();
      const { session } = await this.requireCaller(req);
      if (!limits.roomCreation.take(session.user.id)) throw new HttpError(429, 'Too many rooms created at once; wait a minute.');
      const body = parse(createRoomRequestSchema, req.body, 'room');
      if (!(await auth.rooms.create(body.room, session.user.id, body.visibility, body.capacity ?? null))) {
        throw new HttpError(409, `The room name "${body.room}" is taken; choose another.`);
      }
      res.status(201);
      return { room: body.room, visibility: body.visibility };
    }));

    r.post('/rooms/:room/invites', route(async (req, res): Promise<InviteReply> => {
      const auth = this.requireAuthMode();
      const { session } = await this.requireCaller(req);
      const room = parse(roomIdSchema, req.params.room, 'room name');
      const record = await auth.rooms.get(room);
      if (!record || record.owner_id !== session.user.id) throw new HttpError(403, 'Only the room’s owner can invite people.');
      const invite = await auth.rooms.createInvite(room, session.user.id, this.options.inviteTtlMs);
      const base = this.options.publicUrl ?? `${req.protocol}://${req.get('host')}`;
      res.status(201);
      return { room, url: `${base.replace(/\/$/, '')}/invite/${invite.token}`, expiresAtMs: invite.expiresAtMs };
    }));

    r.post('/invites/:token/accept', route(async (req) => {
      const auth = this.requireAuthMode();
      const { session } = await this.requireCaller(req);
      const token = parse(inviteTokenSchema, req.params.token, 'invite');
      const accepted = await auth.rooms.acceptInvite(token, session.user.id);
      if (!accepted) throw new HttpError(404, 'This invite link is unknown or has expired; ask for a new one.');
      if (accepted.removed) throw new HttpError(403, 'The host removed you from this room.');
      return { room: accepted.room };
    }));

    r.get('/engines', route(async (req, res): Promise<EnginesReply> => {
      res.setHeader('cache-control', 'no-store');
      if (this.options.auth) await this.requireCaller(req);
      return { engines: await this.options.engines() };
    }));

    r.get('/rooms/:room/transcript', route(async (req, res) => {
      res.setHeader('cache-control', 'no-store');
      const room = parse(roomIdSchema, req.params.room, 'room name');
      const query = parse(transcriptQuerySchema, req.query, 'transcript query');
      await this.requireReader(req, room);
      try {
        return await transcripts.page(room, query);
      } catch (error) {
        if (error instanceof CursorError) throw new HttpError(400, error.message);
        throw error;
      }
    }));

    // The transcript as a file to download: SubRip, WebVTT or plain text, in one language.
    r.get('/rooms/:room/transcript/export', route(async (req, res) => {
      res.setHeader('cache-control', 'no-store');
      const room = parse(roomIdSchema, req.params.room, 'room name');
      const query = parse(transcriptExportQuerySchema, req.query, 'export query');
      await this.requireReader(req, room);
      const segments = await this.wholeTranscript(room, query.lang);
      const text = formatTranscript(query.format, segments, { room, lang: query.lang });
      res.setHeader('content-type', TRANSCRIPT_FORMATS[query.format].mediaType);
      res.setHeader('content-disposition', `attachment; filename="${transcriptFileName(room, query.lang, query.format)}"`);
      if (segments.length >= MAX_EXPORT_SEGMENTS) res.setHeader('x-parley-truncated', String(MAX_EXPORT_SEGMENTS));
      res.send(text);
    }));

    r.delete('/rooms/:room/transcript', route(async (req) => {
      const auth = this.requireAuthMode();
      const { session } = await this.requireCaller(req);
      const room = parse(roomIdSchema, req.params.room, 'room name');
      const record = await auth.rooms.get(room);
      if (!record || record.owner_id !== session.user.id) throw new HttpError(403, 'Only the room’s owner can delete its transcript.');
      return { deleted: await transcripts.deleteRoom(room) };
    }));

    return r;
  }
}
