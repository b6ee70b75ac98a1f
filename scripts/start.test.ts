import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { describe, expect, it } from 'vitest';
import { freePort } from './lib/freePort.js';

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
  it('starts every service, serves the app, prints the address, and stops everything on Ctrl-C', async () => {
    const port = await freePort();
    // HOST as `npm start` has it (every interface), with a database of its own.
    const env: NodeJS.ProcessEnv = { ...process.env, GATEWAY_PORT: String(port), REDIS_URL: '', APERTIUM_URL: '', LOG_LEVEL: 'warn', DATABASE_URL: `sqlite:${mkdtempSync(join(tmpdir(), 'parley-start-'))}/parley.db` };
    delete env.HOST;
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/start.ts'], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
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

    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    const survivors = children.filter(alive).map((pid) => `${pid}: ${commands[children.indexOf(pid)]}`);
    expect(survivors).toEqual([]);
  }, 120_000);
});
