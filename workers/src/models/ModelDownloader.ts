import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat, truncate, writeFile } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { dirname, join } from 'node:path';
import type { CatalogEntry, CatalogFile } from './catalogEntry.js';
import { NetworkUnreachableError, followRedirects } from './httpClient.js';
import { PART_SUFFIX, modelDir } from './inventory.js';

export interface DownloadProgress {
  file: string;
  receivedBytes: number;
  /** Undefined when the server did not say. */
  totalBytes: number | undefined;
}

export interface ModelDownloaderOptions {
  /** The Hub, or a mirror (HF_ENDPOINT). */
  baseUrl?: string;
  /** Reaching the server (DNS, connect, TLS, headers) must take less than this. */
  connectTimeoutMs?: number;
  /** A body that sends nothing for this long is dropped, and resumed. */
  idleTimeoutMs?: number;
  /** Resumptions after a dropped connection, per file. */
  retries?: number;
  onProgress?: (progress: DownloadProgress) => void;
  /** Read for HTTPS_PROXY / NO_PROXY. */
  env?: NodeJS.ProcessEnv;
}

/** What the server says the file is; see catalog.ts for why these headers are trusted. */
interface RemoteFile {
  sha256?: string;
  gitBlobSha1?: string;
  bytes?: number;
  commit?: string;
}

export interface PulledFile {
  path: string;
  bytes: number;
  sha256?: string;
  gitBlobSha1?: string;
  /** Already in place from an earlier pull. */
  skipped: boolean;
}

export interface PullResult {
  dir: string;
  commit: string | undefined;
  files: PulledFile[];
}

export class ChecksumMismatchError extends Error {
  override name = 'ChecksumMismatchError';
}

export class HttpStatusError extends Error {
  override name = 'HttpStatusError';
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

/** Written beside the files once all are verified: where they came from. */
export const MANIFEST_FILE = 'parley-model.json';

const HEX64 = /^[0-9a-f]{64}$/;
const HEX40 = /^[0-9a-f]{40}$/;

function unquote(etag: string | string[] | undefined): string | undefined {
  const value = Array.isArray(etag) ? etag[0] : etag;
  return value?.replace(/^W\//, '').replace(/"/g, '').trim().toLowerCase() || undefined;
}

/**
 * Fetches catalogue models into MODELS_DIR. Each file streams into `<file>.part`, resumes from
 * there (HTTP Range) after a dropped connection or an interrupted run, and is renamed to its real
 * name only after its checksum matched; a mismatch deletes the `.part`. No half-written file ever
 * carries a real name, so the engines' "all files present" test means "all files verified".
 */
export class ModelDownloader {
  private readonly baseUrl: string;
  private readonly connectTimeoutMs: number;
  private readonly idleTimeoutMs: number;
  private readonly retries: number;

  constructor(private readonly options: ModelDownloaderOptions = {}) {
    this.baseUrl = (options.baseUrl ?? 'https://huggingface.co').replace(/\/$/, '');
    this.connectTimeoutMs = options.connectTimeoutMs ?? 5_000;
    this.idleTimeoutMs = options.idleTimeoutMs ?? 30_000;
    this.retries = options.retries ?? 3;
  }

  fileUrl(entry: Pick<CatalogEntry, 'repo' | 'revision'>, path: string): URL {
    const encodedPath = path.split('/').map(encodeURIComponent).join('/');
    return new URL(`${this.baseUrl}/${entry.repo}/resolve/${encodeURIComponent(entry.revision)}/${encodedPath}`);
  }

  async pull(entry: CatalogEntry, modelsDir: string): Promise<PullResult> {
    const dir = modelDir(modelsDir, entry);
    await mkdir(dir, { recursive: true });
    const files: PulledFile[] = [];
    let commit: string | undefined;
    for (const file of entry.files) {
      const result = await this.pullFile(entry, file, join(dir, file.path));
      commit ??= result.commit;
      files.push(result.file);
    }
    const manifest = { name: entry.name, repo: entry.repo, revision: entry.revision, commit, files: files.map(({ skipped: _, ...f }) => f), pulledAt: new Date().toISOString() };
    await writeFile(join(dir, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
    return { dir, commit, files };
  }

  private async pullFile(entry: CatalogEntry, file: CatalogFile, dest: string): Promise<{ file: PulledFile; commit: string | undefined }> {
    const existing = await stat(dest).catch(() => undefined);
    if (existing?.isFile()) return { file: { path: file.path, bytes: existing.size, skipped: true }, commit: undefined };
    const url = this.fileUrl(entry, file.path);
    const remote = await this.describe(url, entry, file.path);
    const expected = { sha256: file.sha256?.toLowerCase() ?? remote.sha256, gitBlobSha1: file.sha256 ? undefined : remote.gitBlobSha1 };
    const part = dest + PART_SUFFIX;
    await mkdir(dirname(dest), { recursive: true });
    for (let attempt = 0; ; attempt++) {
      try {
        await this.download(url, part, file.path, remote.bytes);
        break;
      } catch (error) {
        // Only a connection that dropped mid-file is worth resuming; the rest will fail the same way again.
        if (error instanceof HttpStatusError || error instanceof NetworkUnreachableError || attempt >= this.retries) throw error;
      }
    }
    const actual = await this.checksums(part);
    const mismatch =
      (expected.sha256 && actual.sha256 !== expected.sha256 && `sha256 ${actual.sha256}, expected ${expected.sha256}`) ||
      (expected.gitBlobSha1 && actual.gitBlobSha1 !== expected.gitBlobSha1 && `git blob ${actual.gitBlobSha1}, expected ${expected.gitBlobSha1}`);
    if (mismatch) {
      await rm(part, { force: true });
      throw new ChecksumMismatchError(`${entry.name}/${file.path} did not match its checksum (${mismatch}); the partial download was deleted. Run the pull again.`);
    }
    await rename(part, dest);
    return {
      file: { path: file.path, bytes: actual.bytes, sha256: actual.sha256, gitBlobSha1: expected.gitBlobSha1 ? actual.gitBlobSha1 : undefined, skipped: false },
      commit: remote.commit,
    };
  }

  /** HEAD through the redirects, reading the Hub's headers on the way. */
  private async describe(url: URL, entry: CatalogEntry, path: string): Promise<RemoteFile> {
    const remote: RemoteFile = {};
    const origin = url.host;
    const { response } = await followRedirects(url, { method: 'HEAD', connectTimeoutMs: this.connectTimeoutMs, proxyEnv: this.options.env }, (hop, hopUrl) => {
      const linked = unquote(hop.headers['x-linked-etag']);
      remote.commit ??= hop.headers['x-repo-commit'] as string | undefined;
      if (linked && HEX64.test(linked)) {
        remote.sha256 = linked;
        remote.bytes = Number(hop.headers['x-linked-size']) || undefined;
        return true; // Past this hop is the CDN, whose etag means something else.
      }
      if (hop.statusCode === 200 && hopUrl.host === origin) {
        const etag = unquote(hop.headers.etag);
        if (etag && HEX64.test(etag)) remote.sha256 = etag;
        else if (etag && HEX40.test(etag)) remote.gitBlobSha1 = etag;
        remote.bytes = Number(hop.headers['content-length']) || undefined;
      }
      return false;
    });
    response.resume();
    const status = response.statusCode ?? 0;
    if (status === 401 || status === 403) throw new HttpStatusError(`${url.host} refused ${entry.repo} (HTTP ${status}); the repository may be gated or private.`, status);
    if (status === 404) throw new HttpStatusError(`${entry.repo} has no file ${path} at ${entry.revision} (HTTP 404); the model catalogue is out of date.`, status);
    if (status >= 400) throw new HttpStatusError(`${url.host} answered HTTP ${status} for ${entry.repo}/${path}.`, status);
    return remote;
  }

  /** Streams the rest of the file into `part`, starting where it ends. */
  private async download(url: URL, part: string, label: string, totalBytes: number | undefined): Promise<void> {
    let have = (await stat(part).catch(() => undefined))?.size ?? 0;
    if (totalBytes !== undefined && have === totalBytes) return;
    if (totalBytes !== undefined && have > totalBytes) {
      await truncate(part, 0);
      have = 0;
    }
    const headers: Record<string, string> = have > 0 ? { range: `bytes=${have}-` } : {};
    const { response } = await followRedirects(url, { method: 'GET', headers, connectTimeoutMs: this.connectTimeoutMs, proxyEnv: this.options.env });
    const status = response.statusCode ?? 0;
    if (status === 416) {
      response.resume();
      return; // Nothing past the end: the part is whole; the checksum decides.
    }
    if (status !== 200 && status !== 206) {
      response.resume();
      throw new HttpStatusError(`${url.host} answered HTTP ${status} while downloading ${label}.`, status);
    }
    const append = status === 206 && have > 0;
    if (!append) have = 0;
    const total = totalBytes ?? (Number(response.headers['content-length']) || 0) + have;
    await this.receive(response, part, append, label, have, total || undefined);
  }

  private async receive(response: IncomingMessage, part: string, append: boolean, label: string, startBytes: number, totalBytes: number | undefined): Promise<void> {
    let received = startBytes;
    let idle: NodeJS.Timeout | undefined;
    const armIdle = (): void => {
      clearTimeout(idle);
      idle = setTimeout(() => response.destroy(new Error(`no data for ${this.idleTimeoutMs / 1000} s`)), this.idleTimeoutMs);
    };
    armIdle();
    response.on('data', (chunk: Buffer) => {
      received += chunk.length;
      armIdle();
      this.options.onProgress?.({ file: label, receivedBytes: received, totalBytes });
    });
    const file = createWriteStream(part, { flags: append ? 'a' : 'w' });
    try {
      // Not stream.pipeline: on a dropped connection it would discard bytes still buffered for the
      // file, and the resume would fetch them again. Here the file is ended (flushed) either way.
      await new Promise<void>((resolve, reject) => {
        let failure: Error | undefined;
        const stop = (error: Error): void => {
          failure ??= error;
          file.end();
        };
        response.on('error', stop);
        response.on('close', () => {
          if (!response.complete) stop(new Error('the connection closed before the file was complete'));
        });
        file.on('error', reject);
        file.on('finish', () => (failure ? reject(failure) : resolve()));
        response.pipe(file);
      });
    } finally {
      clearTimeout(idle);
    }
    const expectedLength = Number(response.headers['content-length']);
    if (response.headers['content-length'] !== undefined && received - startBytes !== expectedLength) {
      throw new Error(`the connection closed after ${received - startBytes} of ${expectedLength} bytes`);
    }
  }

  private async checksums(path: string): Promise<{ sha256: string; gitBlobSha1: string; bytes: number }> {
    const bytes = (await stat(path)).size;
    const sha256 = createHash('sha256');
    const gitBlob = createHash('sha1').update(`blob ${bytes}\0`);
    for await (const chunk of createReadStream(path)) {
      sha256.update(chunk as Buffer);
      gitBlob.update(chunk as Buffer);
    }
    return { sha256: sha256.digest('hex'), gitBlobSha1: gitBlob.digest('hex'), bytes };
  }
}
