import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const LIMITS = ['loss', 'delay', 'probe-delay', 'client-cpu', 'machine-busy', 'joins', 'sfu-died', 'budget', 'steps', 'error'];

interface Summary {
  forwarded_pps_per_core: number | null;
  max_listeners: number;
  mem_per_participant_mb: number | null;
  limit: string;
  steps: { listeners: number; probes: number; forwarded_pps: number; loss: number; delivered: number | null; marker_packets: number }[];
}

/**
 * bench:sfu itself, on a ramp of seconds (2 then 3 listeners: one libwebrtc probe and the rest
 * lightweight parley-listeners), so that the bench cannot rot. It checks what the bench counts,
 * never how fast anything is.
 */
describe('bench:sfu smoke run', () => {
  const logDir = mkdtempSync(join(tmpdir(), 'parley-bench-sfu-'));
  afterAll(() => rmSync(logDir, { recursive: true, force: true }));

  it('ramps a tiny crowd of real DTLS-SRTP listeners and ends with its JSON summary', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'bench/sfu.ts'], {
      cwd: ROOT,
      env: {
        ...process.env,
        BENCH_STEPS: '2,3',
        BENCH_PROBES: '1',
        BENCH_CROWD_PROCESSES: '1',
        BENCH_WINDOW_S: '3',
        BENCH_SETTLE_S: '1',
        BENCH_BUDGET_S: '150',
        BENCH_LOG_DIR: logDir,
      },
      timeout: 240_000,
      maxBuffer: 16 * 1024 * 1024,
    });
    const lines = stdout.trim().split('\n');
    const summary = JSON.parse(lines.at(-1)!) as Summary;

    expect(LIMITS).toContain(summary.limit);
    expect(['error', 'joins', 'sfu-died']).not.toContain(summary.limit);
    expect(summary.max_listeners === 0 || summary.max_listeners === 2 || summary.max_listeners === 3).toBe(true);
    expect(summary.forwarded_pps_per_core).toBeGreaterThan(0);
    expect(summary.mem_per_participant_mb === null || Number.isFinite(summary.mem_per_participant_mb)).toBe(true);
    // The first step holds the probe and one lightweight listener: both heard the speaker's
    // 50 packets a second (Opus, 20 ms), and the bench counted what each received.
    const first = summary.steps[0]!;
    expect(first).toMatchObject({ listeners: 2, probes: 1 });
    expect(first.forwarded_pps).toBeGreaterThan(50);
    expect(first.forwarded_pps).toBeLessThan(150);
    expect(first.delivered).toBeGreaterThan(0.9);
    expect(first.loss).toBeLessThan(0.05);
    // The lightweight listener found the speaker's timing markers in the packets' audio levels.
    expect(first.marker_packets).toBeGreaterThan(0);
    expect(lines.some((l) => /^listeners\s+2 \(1 decoding\): forwarded/.test(l))).toBe(true);
    expect(lines.some((l) => /lightweight listeners in 1 parley-listener processes/.test(l))).toBe(true);
  }, 300_000);
});

/** The profile of the forwarding path (bench/forwardingProfile.ts), on a crowd of 10 for 3 s. */
describe('forwardingProfile smoke run', () => {
  it('prints the CPU per forwarded packet, and the worker profile where perf can sample it', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'bench/forwardingProfile.ts', '10', '3'], {
      cwd: ROOT,
      timeout: 240_000,
      maxBuffer: 16 * 1024 * 1024,
    });
    const forwarded = /^10 listeners: (\d+) packets\/s forwarded/m.exec(stdout);
    expect(forwarded, stdout).not.toBeNull();
    // One speaker's 50 packets a second, to each of 10 listeners.
    expect(Number(forwarded![1])).toBeGreaterThan(400);
    expect(Number(forwarded![1])).toBeLessThan(600);
    expect(stdout).toMatch(/^ {2}worker total: -?\d+\.\d\d$/m);
    if (/no profile of the worker/.test(stdout)) return;
    expect(stdout).toMatch(/^by library:$/m);
    const delivery = /loopback delivery into the listeners' sockets .*: ([\d.]+)% of the worker's samples, about (-?[\d.]+) µs per packet/.exec(stdout);
    expect(delivery, stdout).not.toBeNull();
    expect(Number(delivery![1])).toBeLessThanOrEqual(100);
  }, 300_000);
});
