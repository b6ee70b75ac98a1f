import { request } from 'node:http';
import { describe, expect, it } from 'vitest';
import { portOpen } from '../../../scripts/lib/freePort.js';
import { LoopbackRedirect } from './LoopbackRedirect.js';
import { SignInError } from './SignInError.js';

/** A raw GET with a chosen Host header (fetch does not let a caller set it). */
function get(port: number, path: string, host = `127.0.0.1:${port}`): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers: { host } }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Caught at once (the attempt may fail before the test looks), checked when awaited. */
function failure(promise: Promise<unknown>): Promise<SignInError> {
  return promise.then(
    () => {
      throw new Error('expected the attempt to fail');
    },
    (error: unknown) => {
      expect(error).toBeInstanceOf(SignInError);
      return error as SignInError;
    },
  );
}

describe('loopback redirect listener (RFC 8252 §7.3)', () => {
  it('listens on 127.0.0.1 at a port the OS picked, and hands over the code of the callback with the right state', async () => {
    const loopback = await LoopbackRedirect.open('state-123');
    expect(loopback.redirectUri).toBe(`http://127.0.0.1:${loopback.port}/callback`);
    expect(loopback.port).toBeGreaterThan(0);
    const code = loopback.waitForCode(10_000);
    const page = await get(loopback.port, '/callback?code=one-time&state=state-123');
    expect(page.status).toBe(200);
    expect(page.body).toContain('close this tab');
    expect(page.headers['cache-control']).toBe('no-store');
    expect(page.headers['referrer-policy']).toBe('no-referrer');
    expect(await code).toBe('one-time');
    // Answered once; then it stops listening.
    loopback.close();
    expect(await portOpen(loopback.port)).toBe(false);
  });

  it('ignores other paths, methods and a foreign Host header without ending the attempt', async () => {
    const loopback = await LoopbackRedirect.open('s');
    const code = loopback.waitForCode(10_000);
    expect((await get(loopback.port, '/favicon.ico')).status).toBe(404);
    expect((await get(loopback.port, '/callback?code=x&state=s', 'evil.example')).status).toBe(400);
    expect((await fetch(`${loopback.redirectUri}?code=x&state=s`, { method: 'POST' })).status).toBe(404);
    expect((await get(loopback.port, '/callback?code=real&state=s')).status).toBe(200);
    expect(await code).toBe('real');
    loopback.close();
  });

  it('refuses a callback whose state does not match, and ends the attempt', async () => {
    const loopback = await LoopbackRedirect.open('expected-state');
    const code = failure(loopback.waitForCode(10_000));
    const page = await get(loopback.port, '/callback?code=injected&state=attacker-state');
    expect(page.status).toBe(400);
    expect(page.body).toContain('does not belong');
    expect((await code).reason).toBe('state-mismatch');
    // The genuine callback arriving later finds the attempt over.
    expect((await get(loopback.port, '/callback?code=late&state=expected-state')).status).toBe(410);
    loopback.close();
  });

  it('refuses a callback with no state, and one that reports an error', async () => {
    const a = await LoopbackRedirect.open('s');
    const codeA = failure(a.waitForCode(10_000));
    expect((await get(a.port, '/callback?code=x')).status).toBe(400);
    expect((await codeA).reason).toBe('state-mismatch');
    a.close();
    const b = await LoopbackRedirect.open('s');
    const codeB = failure(b.waitForCode(10_000));
    expect((await get(b.port, '/callback?error=access_denied&state=s')).status).toBe(400);
    const denied = await codeB;
    expect(denied.reason).toBe('denied');
    expect(denied.message).toContain('access_denied');
    b.close();
  });

  it('gives up after the timeout with a sentence, and on cancellation', async () => {
    const a = await LoopbackRedirect.open('s');
    const timedOut = await failure(a.waitForCode(300));
    expect(timedOut.reason).toBe('timeout');
    expect(timedOut.message).toMatch(/did not come back from sign-in within 1 second; sign in again/);
    a.close();
    const b = await LoopbackRedirect.open('s');
    const abort = new AbortController();
    const code = failure(b.waitForCode(10_000, abort.signal));
    abort.abort();
    expect((await code).reason).toBe('cancelled');
    b.close();
  });

  it('keeps a callback that came before anyone waited', async () => {
    const loopback = await LoopbackRedirect.open('s');
    expect((await get(loopback.port, '/callback?code=early&state=s')).status).toBe(200);
    expect(await loopback.waitForCode(1_000)).toBe('early');
    loopback.close();
    loopback.close();
  });
});
