import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StaticFiles } from './StaticFiles.js';

/** A raw request: fetch would normalise the dot segments away before they reach the server. */
function get(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'GET' }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('StaticFiles path handling', () => {
  let dir: string;
  let server: Server;
  let port: number;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'parley-static-'));
    mkdirSync(join(dir, 'web', 'assets'), { recursive: true });
    writeFileSync(join(dir, 'web', 'index.html'), 'INDEX');
    writeFileSync(join(dir, 'web', 'assets', 'app.js'), 'APP');
    writeFileSync(join(dir, 'secret.txt'), 'SECRET');
    const files = new StaticFiles(join(dir, 'web'));
    server = createServer((req, res) => void files.serve(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });

  afterAll(() => {
    server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves files and falls back to index.html for app routes', async () => {
    expect(await get(port, '/assets/app.js')).toEqual({ status: 200, body: 'APP' });
    expect(await get(port, '/r/some-room')).toEqual({ status: 200, body: 'INDEX' });
  });

  it.each([
    '/../secret.txt',
    '/assets/../../secret.txt',
    '/%2e%2e/secret.txt',
    '/..%2fsecret.txt',
    '/assets/..%2f..%2fsecret.txt',
    '/%2e%2e%5csecret.txt',
    '/....//secret.txt',
    '/assets/%2e%2e/%2e%2e/secret.txt',
  ])('never serves a file outside its folder: %s', async (path) => {
    const { body } = await get(port, path);
    expect(body).not.toContain('SECRET');
  });

  it('refuses a malformed escape and a NUL byte without serving anything', async () => {
    expect((await get(port, '/%E0%A4%A')).status).toBe(400);
    const nul = await get(port, '/secret.txt%00.js');
    expect(nul.body).not.toContain('SECRET');
  });
});
