import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server, type ServerResponse } from 'node:http';
import { createServer as createNetServer, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { CatalogEntry } from './catalogEntry.js';
import { NetworkUnreachableError, proxyFor } from './httpClient.js';
import { ChecksumMismatchError, HttpStatusError, MANIFEST_FILE, ModelDownloader, type DownloadProgress } from './ModelDownloader.js';
import { runModelsCommand } from './modelsCommand.js';
import { ProgressBar } from './ProgressBar.js';

const FIXTURE = fileURLToPath(new URL('../../test-fixtures/models/tiny-whisper', import.meta.url));
const COMMIT = 'a'.repeat(40);

interface ServedFile {
  body: Buffer;
  /** Served like a Git LFS file: a redirect carrying x-linked-etag, then the bytes from "the CDN". */
  lfs: boolean;
  /** Announced checksum, when it should differ from the real one. */
  announcedSha256?: string;
}

/** Stands in for the Hub: the resolve URLs, their headers, redirects to a CDN path, and Range. */
class FakeHub {
  readonly files = new Map<string, ServedFile>();
  readonly ranges: (string | undefined)[] = [];
  /** Paths whose next CDN response stops after this many bytes. */
  readonly dropAfter = new Map<string, number>();
  private server!: Server;
  url = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const url = new URL(req.url!, 'http://x');
      const resolve = url.pathname.match(/^\/org\/repo\/resolve\/main\/(.+)$/);
      const cdn = url.pathname.match(/^\/cdn\/(.+)$/);
      const path = decodeURIComponent((resolve ?? cdn)?.[1] ?? '');
      const file = this.files.get(path);
      if (!file) {
        res.writeHead(404).end('Entry not found');
        return;
      }
      if (resolve) {
        res.setHeader('x-repo-commit', COMMIT);
        if (file.lfs) {
          const sha = file.announcedSha256 ?? createHash('sha256').update(file.body).digest('hex');
          res.writeHead(302, { location: `/cdn/${path}`, 'x-linked-etag': `"${sha}"`, 'x-linked-size': String(file.body.length), etag: '"not-the-content"' }).end();
          return;
        }
        const blob = createHash('sha1').update(`blob ${file.body.length}\0`).update(file.body).digest('hex');
        res.setHeader('etag', `"${blob}"`);
      } else {
        this.ranges.push(req.headers.range);
        res.setHeader('etag', '"cdn-etag"');
      }
      this.sendBody(req.method!, req.headers.range, path, file.body, res);
    });
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  private sendBody(method: string, range: string | undefined, path: string, body: Buffer, res: ServerResponse): void {
    let start = 0;
    const match = range?.match(/^bytes=(\d+)-$/);
    if (match) {
      start = Number(match[1]);
      if (start >= body.length) {
        res.writeHead(416, { 'content-range': `bytes */${body.length}` }).end();
        return;
      }
      res.writeHead(206, { 'content-range': `bytes ${start}-${body.length - 1}/${body.length}`, 'content-length': String(body.length - start) });
    } else {
      res.writeHead(200, { 'content-length': String(body.length) });
    }
    if (method === 'HEAD') {
      res.end();
      return;
    }
    const drop = this.dropAfter.get(path);
    if (drop !== undefined) {
      this.dropAfter.delete(path);
      res.write(body.subarray(start, start + drop), () => res.socket?.destroy());
      return;
    }
    res.end(body.subarray(start));
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((r) => this.server.close(r));
  }
}

function entry(files: string[], sha256?: Record<string, string>): CatalogEntry {
  return {
    name: 'test-model',
    engine: 'whisper',
    repo: 'org/repo',
    revision: 'main',
    files: files.map((path) => ({ path, ...(sha256?.[path] && { sha256: sha256[path] }) })),
    approxMegabytes: 1,
    description: 'test',
  };
}

let hub: FakeHub;
let modelsDir: string;
let encoder: Buffer;
let config: Buffer;

beforeAll(async () => {
  encoder = await readFile(join(FIXTURE, 'onnx', 'encoder_model.onnx'));
  config = await readFile(join(FIXTURE, 'config.json'));
});

beforeEach(async () => {
  hub = new FakeHub();
  hub.files.set('config.json', { body: config, lfs: false });
  hub.files.set('onnx/encoder_model.onnx', { body: encoder, lfs: true });
  await hub.start();
  modelsDir = await mkdtemp(join(tmpdir(), 'parley-pull-'));
});

afterEach(async () => {
  await hub.stop();
  await rm(modelsDir, { recursive: true, force: true });
});

describe('ModelDownloader', () => {
  it('downloads every file, verifies it against the announced checksum, and records where it came from', async () => {
    const progress: DownloadProgress[] = [];
    const downloader = new ModelDownloader({ baseUrl: hub.url, onProgress: (p) => progress.push(p) });
    const result = await downloader.pull(entry(['config.json', 'onnx/encoder_model.onnx']), modelsDir);
    const dir = join(modelsDir, 'test-model');
    expect(await readFile(join(dir, 'onnx', 'encoder_model.onnx'))).toEqual(encoder);
    expect(await readFile(join(dir, 'config.json'))).toEqual(config);
    expect(result.commit).toBe(COMMIT);
    expect(result.files.map((f) => f.skipped)).toEqual([false, false]);
    const manifest = JSON.parse(await readFile(join(dir, MANIFEST_FILE), 'utf8'));
    expect(manifest).toMatchObject({ repo: 'org/repo', commit: COMMIT });
    expect(manifest.files[1]).toMatchObject({ path: 'onnx/encoder_model.onnx', bytes: encoder.length, sha256: createHash('sha256').update(encoder).digest('hex') });
    expect(manifest.files[0].gitBlobSha1).toMatch(/^[0-9a-f]{40}$/);
    expect(progress.at(-1)).toEqual({ file: 'onnx/encoder_model.onnx', receivedBytes: encoder.length, totalBytes: encoder.length });
    expect((await readdir(join(dir, 'onnx'))).filter((f) => f.endsWith('.part'))).toEqual([]);

    const again = await downloader.pull(entry(['config.json', 'onnx/encoder_model.onnx']), modelsDir);
    expect(again.files.map((f) => f.skipped)).toEqual([true, true]);
  });

  it('resumes with a Range request after the connection drops mid-file', async () => {
    hub.dropAfter.set('onnx/encoder_model.onnx', 100_000);
    const downloader = new ModelDownloader({ baseUrl: hub.url });
    await downloader.pull(entry(['onnx/encoder_model.onnx']), modelsDir);
    expect(await readFile(join(modelsDir, 'test-model', 'onnx', 'encoder_model.onnx'))).toEqual(encoder);
    expect(hub.ranges[0]).toBeUndefined();
    expect(hub.ranges[1]).toMatch(/^bytes=\d+-$/);
    expect(Number(hub.ranges[1]!.slice(6, -1))).toBeGreaterThan(0);
  });

  it('resumes a .part left by an interrupted run, and never shows it under the real name', async () => {
    const dir = join(modelsDir, 'test-model', 'onnx');
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'encoder_model.onnx.part'), encoder.subarray(0, 123_456));
    hub.dropAfter.set('onnx/encoder_model.onnx', 1_000);
    const failing = new ModelDownloader({ baseUrl: hub.url, retries: 0 });
    await expect(failing.pull(entry(['onnx/encoder_model.onnx']), modelsDir)).rejects.toThrow();
    expect(existsSync(join(dir, 'encoder_model.onnx'))).toBe(false);
    expect(hub.ranges).toEqual(['bytes=123456-']);
    await new ModelDownloader({ baseUrl: hub.url }).pull(entry(['onnx/encoder_model.onnx']), modelsDir);
    expect(hub.ranges[1]).toBe('bytes=124456-');
    expect(await readFile(join(dir, 'encoder_model.onnx'))).toEqual(encoder);
  });

  it('refuses a file whose content does not match the announced sha256, deleting the partial download', async () => {
    hub.files.set('onnx/encoder_model.onnx', { body: encoder, lfs: true, announcedSha256: 'f'.repeat(64) });
    const pulling = new ModelDownloader({ baseUrl: hub.url }).pull(entry(['onnx/encoder_model.onnx']), modelsDir);
    await expect(pulling).rejects.toBeInstanceOf(ChecksumMismatchError);
    await expect(pulling).rejects.toThrow(/did not match its checksum/);
    const dir = join(modelsDir, 'test-model', 'onnx');
    expect(existsSync(join(dir, 'encoder_model.onnx'))).toBe(false);
    expect(existsSync(join(dir, 'encoder_model.onnx.part'))).toBe(false);
  });

  it('holds a file to the sha256 pinned in the catalogue over the server', async () => {
    const pulling = new ModelDownloader({ baseUrl: hub.url }).pull(entry(['onnx/encoder_model.onnx'], { 'onnx/encoder_model.onnx': '0'.repeat(64) }), modelsDir);
    await expect(pulling).rejects.toBeInstanceOf(ChecksumMismatchError);
    expect(existsSync(join(modelsDir, 'test-model', 'onnx', 'encoder_model.onnx'))).toBe(false);
  });

  it('says the catalogue is out of date when a file is not there', async () => {
    const pulling = new ModelDownloader({ baseUrl: hub.url }).pull(entry(['onnx/missing.onnx']), modelsDir);
    await expect(pulling).rejects.toBeInstanceOf(HttpStatusError);
    await expect(pulling).rejects.toThrow(/has no file onnx\/missing\.onnx .*catalogue is out of date/);
  });
});

describe('pulling with no network', () => {
  async function refusedPort(): Promise<number> {
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;
    await new Promise((r) => server.close(r));
    return port;
  }

  it('fails within 10 s with a sentence about the connection, exit code 1', async () => {
    const port = await refusedPort();
    const stdout: string[] = [];
    const stderr: string[] = [];
    const started = Date.now();
    const code = await runModelsCommand(['pull', 'whisper-tiny'], {
      env: { HF_ENDPOINT: `http://127.0.0.1:${port}`, MODELS_DIR: modelsDir },
      stdout: { write: (t: string) => stdout.push(t) },
      stderr: { write: (t: string) => stderr.push(t) },
    });
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(code).toBe(1);
    expect(stderr.join('')).toMatch(/Could not reach 127\.0\.0\.1 .*Check your internet connection or proxy \(set HTTPS_PROXY/);
  });

  it('gives up on a server that accepts the connection but never answers', async () => {
    const held: Socket[] = [];
    const silent = createNetServer((socket) => void held.push(socket));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    try {
      const { port } = silent.address() as AddressInfo;
      const started = Date.now();
      const pulling = new ModelDownloader({ baseUrl: `http://127.0.0.1:${port}`, connectTimeoutMs: 300 }).pull(entry(['config.json']), modelsDir);
      await expect(pulling).rejects.toMatchObject({ name: 'NetworkUnreachableError', code: 'CONNECT_TIMEOUT' });
      expect(Date.now() - started).toBeLessThan(2_000);
    } finally {
      for (const socket of held) socket.destroy();
      await new Promise((r) => silent.close(r));
    }
  });

  it('gives up on an address that never answers within 10 s, using the default connect timeout', async () => {
    const started = Date.now();
    // TEST-NET-1 (RFC 5737): never routed; either refused at once or silently dropped.
    const pulling = new ModelDownloader({ baseUrl: 'http://192.0.2.1' }).pull(entry(['config.json']), modelsDir);
    await expect(pulling).rejects.toBeInstanceOf(NetworkUnreachableError);
    expect(Date.now() - started).toBeLessThan(10_000);
  }, 15_000);
});

describe('models command', () => {
  it('rejects unknown models and commands with usage', async () => {
    const stderr: string[] = [];
    const io = { env: { MODELS_DIR: modelsDir }, stdout: { write: () => true }, stderr: { write: (t: string) => stderr.push(t) } };
    expect(await runModelsCommand(['pull', 'gpt-5'], io)).toBe(2);
    expect(stderr.join('')).toMatch(/Unknown model "gpt-5". Pullable models: whisper-tiny/);
    expect(await runModelsCommand(['frobnicate'], io)).toBe(2);
    expect(await runModelsCommand(['pull'], io)).toBe(2);
  });

  it('lists the models present and the engine for each pair', async () => {
    await mkdir(join(modelsDir, 'whisper-base', 'onnx'), { recursive: true });
    await writeFile(join(modelsDir, 'whisper-base', 'config.json'), '{}');
    const stdout: string[] = [];
    const code = await runModelsCommand(['list'], {
      env: { MODELS_DIR: modelsDir, APERTIUM_URL: 'http://127.0.0.1:1' },
      stdout: { write: (t: string) => stdout.push(t) },
      stderr: { write: () => true },
    });
    const text = stdout.join('');
    expect(code).toBe(0);
    expect(text).toMatch(/whisper-base +partial/);
    expect(text).toMatch(/whisper-tiny +absent/);
    expect(text).toMatch(/\n {2}en {2}pocketsphinx +pocketsphinx\+none/);
    expect(text).toMatch(/apertium cannot run here: Cannot reach the Apertium server/);
  });
});

describe('HTTPS_PROXY', () => {
  it('asks the proxy for a tunnel to the Hub, with credentials, and reports a refusal as unreachable', async () => {
    const asked: { url?: string; auth?: string }[] = [];
    const proxy = createServer();
    proxy.on('connect', (req, socket) => {
      asked.push({ url: req.url, auth: req.headers['proxy-authorization'] });
      socket.end('HTTP/1.1 403 Forbidden\r\n\r\n');
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
    try {
      const { port } = proxy.address() as AddressInfo;
      const downloader = new ModelDownloader({ env: { HTTPS_PROXY: `http://user:secret@127.0.0.1:${port}` } });
      const pulling = downloader.pull(entry(['config.json']), modelsDir);
      await expect(pulling).rejects.toMatchObject({ name: 'NetworkUnreachableError', code: 'PROXY_REFUSED', host: 'huggingface.co' });
      expect(asked).toEqual([{ url: 'huggingface.co:443', auth: `Basic ${Buffer.from('user:secret').toString('base64')}` }]);
    } finally {
      proxy.closeAllConnections();
      await new Promise((r) => proxy.close(r));
    }
  });
});

describe('proxyFor', () => {
  it('uses HTTPS_PROXY for https URLs unless NO_PROXY names the host', () => {
    const env = { HTTPS_PROXY: 'http://proxy:3128', NO_PROXY: 'localhost,.internal' };
    expect(proxyFor(new URL('https://huggingface.co/x'), env)).toBe('http://proxy:3128');
    expect(proxyFor(new URL('https://cdn.internal/x'), env)).toBeUndefined();
    expect(proxyFor(new URL('http://huggingface.co/x'), env)).toBeUndefined();
    expect(proxyFor(new URL('https://huggingface.co/x'), {})).toBeUndefined();
  });
});

describe('ProgressBar', () => {
  it('redraws one line on a terminal', () => {
    const out: string[] = [];
    let now = 0;
    const bar = new ProgressBar({ write: (t: string) => out.push(t), isTTY: true, columns: 100 }, () => now);
    bar.update({ file: 'a.onnx', receivedBytes: 0, totalBytes: 2 * 1024 * 1024 });
    now = 1_000;
    bar.update({ file: 'a.onnx', receivedBytes: 2 * 1024 * 1024, totalBytes: 2 * 1024 * 1024 });
    bar.end();
    expect(out[1]).toMatch(/^\r {2}a\.onnx \[#+\] 100% 2\.0\/2\.0 MB {2}2\.0 MB\/s/);
    expect(out.at(-1)).toBe('\n');
  });

  it('writes a line per quarter to a pipe', () => {
    const out: string[] = [];
    const bar = new ProgressBar({ write: (t: string) => out.push(t) });
    for (let i = 0; i <= 100; i++) bar.update({ file: 'b', receivedBytes: i, totalBytes: 100 });
    expect(out).toHaveLength(5);
    expect(out.every((l) => l.endsWith('\n'))).toBe(true);
  });
});
