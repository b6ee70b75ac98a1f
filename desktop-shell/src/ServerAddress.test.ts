import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../../scripts/lib/freePort.js';
import { checkServer, parseServerAddress } from './ServerAddress.js';

// The check against a real Parley server is in auth/desktopSignIn.test.ts; here, what is not one.
describe('server address', () => {
  const servers: Server[] = [];
  afterEach(async () => {
    for (const s of servers.splice(0)) {
      s.closeAllConnections();
      await new Promise((r) => s.close(r));
    }
  });

  async function serve(handler: RequestListener): Promise<string> {
    const server = createServer(handler);
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  it('reads an origin from what a person types', () => {
    expect(parseServerAddress('parley.example.org')).toEqual({ ok: true, origin: 'https://parley.example.org' });
    expect(parseServerAddress('  https://Parley.Example.org/r/standup?x=1 ')).toEqual({ ok: true, origin: 'https://parley.example.org' });
    expect(parseServerAddress('http://localhost:5026')).toEqual({ ok: true, origin: 'http://localhost:5026' });
    expect(parseServerAddress('http://127.0.0.1:5026/')).toEqual({ ok: true, origin: 'http://127.0.0.1:5026' });
  });

  it.each([
    ['', /Enter the address/],
    ['http://parley.example.org', /https:\/\/ address: the microphone works only over https/],
    ['ftp://parley.example.org', /https:\/\//],
    ['file:///C:/Windows', /https:\/\//],
    ['javascript:alert(1)', /not a web address|https/],
    ['https://user:pw@parley.example.org', /Leave the name and password out/],
    ['https://exa mple.org', /not a web address/],
    [`https://${'a'.repeat(3000)}.org`, /too long/],
  ])('refuses %j with a sentence', (input, message) => {
    const result = parseServerAddress(input);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toMatch(message);
  });

  it('refuses a web server that is not Parley', async () => {
    const html = await serve((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<html>Welcome to nginx</html>'));
    expect(await checkServer(html)).toEqual({ ok: false, error: `${html} answered, but not as a Parley server does; check the address.` });
    const missing = await serve((_req, res) => res.writeHead(404).end('Not found'));
    expect((await checkServer(missing)).ok).toBe(false);
    const otherJson = await serve((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"UP"}'));
    expect((await checkServer(otherJson)).ok).toBe(false);
  });

  it('does not follow a redirect to another address', async () => {
    const redirecting = await serve((_req, res) => res.writeHead(302, { location: 'https://evil.example/healthz' }).end());
    const result = await checkServer(redirecting);
    expect(result).toEqual({ ok: false, error: `${redirecting} sends visitors elsewhere; enter the address the server is reached at (often its https:// one).` });
  });

  it('says so when nothing answers, or nothing answers in time', async () => {
    const closed = `http://127.0.0.1:${await freePort()}`;
    expect(await checkServer(closed)).toEqual({ ok: false, error: `Could not reach ${closed}; check the address and your connection.` });
    const silent = await serve(() => undefined);
    expect(await checkServer(silent, fetch, 300)).toEqual({ ok: false, error: `${silent} did not answer within 0.3 seconds; check the address, or try again later.` });
  });
});
