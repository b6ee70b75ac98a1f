import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * The mediasoup worker binary: MEDIASOUP_WORKER_BIN if set, else the one scripts/setup.sh built
 * (the build script prints the cached binary's path at once, or builds it first). Also sets
 * MEDIASOUP_WORKER_BIN for child processes started after this.
 */
export function mediasoupWorkerBin(): string {
  const given = process.env.MEDIASOUP_WORKER_BIN;
  if (given) return given;
  const output = execFileSync('bash', ['scripts/build-mediasoup-worker.sh'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  const path = output.trim().split('\n').pop() ?? '';
  if (!path) throw new Error('scripts/build-mediasoup-worker.sh printed no path');
  process.env.MEDIASOUP_WORKER_BIN = path;
  return path;
}
