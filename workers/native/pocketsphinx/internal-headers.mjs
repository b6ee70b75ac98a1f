// Prints the compiler flags that give the addon pocketsphinx's internal headers, or nothing.
//
// rescore() reads the decoder's search state, whose layout only the library's own source
// headers describe; Debian installs the public ones alone. They come from Debian's source
// tarball of the very version installed (checked against a pinned SHA-256), are cached, and
// only the headers are kept. When the installed version is another one, or the tarball cannot
// be had, the addon is built without them and rescore() reports itself unavailable.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';

const VERSION = '0.8+5prealpha+1';
const SHA256 = 'ef5bb5547e2712bdf571f256490ef42a47962033892efd9d7df8eed7fe573ed9';
const URL = process.env.PARLEY_POCKETSPHINX_SOURCE_URL ?? `http://deb.debian.org/debian/pool/main/p/pocketsphinx/pocketsphinx_${VERSION}.orig.tar.gz`;
const cache = process.env.PARLEY_CACHE_DIR ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'parley');
const dir = join(cache, `pocketsphinx-${VERSION}-headers`);

const warn = (message) => process.stderr.write(`pocketsphinx addon: ${message}; building it without rescore()\n`);

function installedVersion() {
  try {
    return execFileSync('dpkg-query', ['-W', '-f=${Version}', 'libpocketsphinx-dev'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    return undefined;
  }
}

async function fetchHeaders() {
  const response = await fetch(URL);
  if (!response.ok) throw new Error(`${URL} answered ${response.status}`);
  const tarball = Buffer.from(await response.arrayBuffer());
  const digest = createHash('sha256').update(tarball).digest('hex');
  if (digest !== SHA256) throw new Error(`${URL} has SHA-256 ${digest}, not ${SHA256}`);
  const work = mkdtempSync(join(tmpdir(), 'pocketsphinx-src-'));
  try {
    writeFileSync(join(work, 'source.tar.gz'), tarball);
    execFileSync('tar', ['xzf', 'source.tar.gz', '--wildcards', 'pocketsphinx-5prealpha/src/libpocketsphinx/*.h'], { cwd: work });
    mkdirSync(cache, { recursive: true });
    rmSync(dir, { recursive: true, force: true });
    renameSync(join(work, 'pocketsphinx-5prealpha/src/libpocketsphinx'), dir);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

const version = installedVersion();
if (!version?.startsWith(`${VERSION}-`)) {
  warn(`libpocketsphinx-dev is ${version ?? 'not installed through dpkg'}, not ${VERSION}`);
} else {
  try {
    if (!existsSync(join(dir, 'ngram_search.h'))) await fetchHeaders();
    process.stdout.write(`-I${dir} -DPARLEY_PS_INTERNAL=1\n`);
  } catch (error) {
    warn(`its source headers could not be fetched (${error.message})`);
  }
}
