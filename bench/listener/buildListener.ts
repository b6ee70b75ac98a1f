import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const SOURCE_DIR = fileURLToPath(new URL('./', import.meta.url));
/** Ignored by git (any build/ folder is); one binary per version of the sources. */
const BUILD_DIR = join(SOURCE_DIR, 'build');
const LIBRARIES = ['-lssl', '-lcrypto', '-lsrtp2'];

/**
 * The lightweight listener (bench/listener/*.c), compiled with the system's cc on first use and
 * kept until its sources change. Needs OpenSSL's and libsrtp 2's headers (libssl-dev,
 * libsrtp2-dev: scripts/setup.sh installs them).
 */
export function buildListener(): string {
  const sources = readdirSync(SOURCE_DIR)
    .filter((f) => f.endsWith('.c') || f.endsWith('.h'))
    .sort();
  const hash = createHash('sha256');
  for (const file of sources) hash.update(file).update(readFileSync(join(SOURCE_DIR, file)));
  const binary = join(BUILD_DIR, `parley-listener-${hash.digest('hex').slice(0, 12)}`);
  if (existsSync(binary)) return binary;
  mkdirSync(BUILD_DIR, { recursive: true });
  const partial = `${binary}.${process.pid}.tmp`;
  const cFiles = sources.filter((f) => f.endsWith('.c')).map((f) => join(SOURCE_DIR, f));
  try {
    execFileSync('cc', ['-O2', '-Wall', '-Wextra', '-o', partial, ...cFiles, ...LIBRARIES], { stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    const stderr = String((error as { stderr?: Buffer }).stderr ?? '');
    const missing = /srtp2\/srtp\.h|openssl\/ssl\.h/.test(stderr) ? ' Install libssl-dev and libsrtp2-dev (bash scripts/setup.sh does).' : '';
    throw new Error(`could not build the bench listener with cc.${missing}\n${stderr.slice(0, 2_000)}`);
  }
  // Renamed into place whole, so that two benches starting together never run half a binary.
  renameSync(partial, binary);
  return binary;
}
