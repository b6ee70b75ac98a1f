import { createHash, randomBytes } from 'node:crypto';

/** Secrets kept server-side (refresh tokens, invite and desktop codes) are stored only as this hash. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}

/** 32 random bytes, base64url (43 characters). */
export function randomToken(): string {
  return randomBytes(32).toString('base64url');
}
