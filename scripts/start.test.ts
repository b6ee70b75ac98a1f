import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { describe, expect, it } from 'vitest';
import { freePort } from './lib/freePort.js';

/** Every process whose parent chain leads to `root`, from /proc. */
function descendantsOf(root: number): number[] {
  const parentOf = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      parentOf.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // Gone while we looked.
    }
  }
  const found: number[] = [];
  let frontier = [root];
  while (frontier.length) {
    const children = [...parentOf].filter(([, parent]) => frontier.includes(parent)).map(([pid]) => pid);
    found.push(...children);
    frontier = children;
  }
  return found;
}

/** Running, not merely a zombie waiting to be reaped. */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

describe('the start command (scripts/start.ts, what `npm start` runs after setup)', () => {
  it('starts every service, serves the app, prints the address, and Ctrl-C to the process group leaves no process behind', async () => {
    const port = await freePort();
    // HOST as `npm start` has it (every interface), with a database of its own.
    const env: NodeJS.ProcessEnv = { ...process.env, GATEWAY_PORT: String(port), REDIS_URL: '', APERTIUM_URL: '', LOG_LEVEL: 'warn', DATABASE_URL: `sqlite:${mkdtempSync(join(tmpdir(), 'parley-start-'))}/parley.db` };
    delete env.HOST;
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/start.ts'], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      // Its own process group, as a terminal gives a command: Ctrl-C goes to every process in it.
      detached: true,
    });
    try {
      const output: string[] = [];
      const ready = new Promise<string>((resolve, reject) => {
        createInterface({ input: child.stdout! }).on('line', (line) => {
          output.push(line);
          if (line.includes('Parley is running')) resolve(line);
        });
        child.stderr!.on('data', (d: Buffer) => output.push(d.toString()));
        child.once('exit', (code) => reject(new Error(`start exited early (${code}):\n${output.join('\n')}`)));
      });
      const banner = await ready;
      expect(banner).toContain(`http://localhost:${port}`);

      const page = await fetch(`http://127.0.0.1:${port}/r/some-room`);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('<div id="root">');
      expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(200);

      const children = execFileSync('pgrep', ['-P', String(child.pid)], { encoding: 'utf8' }).trim().split('\n').map(Number);
      const commands = children.map((pid) => execFileSync('ps', ['-o', 'args=', '-p', String(pid)], { encoding: 'utf8' }));
      expect(commands.join('\n')).toMatch(/redis-server/);
      expect(commands.join('\n')).toMatch(/apertium.apy/);
      expect(commands.filter((c) => c.includes('main.ts'))).toHaveLength(4);
      expect(commands.filter((c) => c.includes('transcripts/main.ts'))).toHaveLength(1);

      // Only the web app and signaling face the network; every internal service listens on loopback.
      const listening = execFileSync('ss', ['-ltnpH'], { encoding: 'utf8' })
        .split('\n')
        .filter((line) => children.some((pid) => line.includes(`pid=${pid},`)))
        .map((line) => line.split(/\s+/)[3]!);
      expect(listening.length).toBeGreaterThanOrEqual(4);
      expect(listening.filter((address) => !address.startsWith('127.0.0.1:') && !address.endsWith(`:${port}`))).toEqual([]);

      // Every descendant, however deep (apertium-apy's translation pipelines, tsx's node…).
      const descendants = descendantsOf(child.pid!);
      expect(descendants.length).toBeGreaterThanOrEqual(children.length);
      const describe = (pid: number) => {
        try {
          return `${pid}: ${readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ')}`;
        } catch {
          return `${pid}: (gone)`;
        }
      };
      const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
      process.kill(-child.pid!, 'SIGINT');
      expect(await exited).toBe(0);
      // Give stragglers a moment: a process still running after that has been left behind.
      await new Promise((r) => setTimeout(r, 1_000));
      const survivors = descendants.filter(alive).map(describe);
      expect(survivors).toEqual([]);
    } finally {
      // A failed check above must not leave the whole stack running in its own group.
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // Already gone, as it should be.
      }
    }
  }, 120_000);
});
