import { createHmac } from 'node:crypto';

/**
 * Time-limited TURN credentials in coturn's REST scheme (`use-auth-secret`): the username is the
 * expiry time, the password an HMAC of it, so nothing long-lived reaches the browser.
 */
export function turnCredentials(secret: string, ttlSeconds = 3_600, nowMs = Date.now()): { username: string; credential: string } {
  const username = String(Math.floor(nowMs / 1000) + ttlSeconds);
  const credential = createHmac('sha1', secret).update(username).digest('base64');
  return { username, credential };
}
