import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** One sign-in attempt's secrets: the PKCE verifier (RFC 7636, S256) and the state that ties the redirect to it. */
export interface PkcePair {
  verifier: string;
  challenge: string;
  state: string;
}

/** base64url(SHA-256(verifier)). */
export function s256Challenge(verifier: string): string {
  return createHash('sha256').update(verifier, 'ascii').digest('base64url');
}

/** 32 random bytes each: a 43-character verifier, the most entropy RFC 7636 asks for at that length. */
export function newPkcePair(): PkcePair {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: s256Challenge(verifier), state: randomBytes(32).toString('base64url') };
}

/** Compares without leaking, through timing, how much of a guessed state was right. */
export function sameSecret(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
