import { childPids, rssMb, totalCpuS } from '../forwarding/procStats.js';

/** A process the load bench watches; `children` adds its child processes (the sfu's media processes). */
export interface WatchedProcess {
  name: string;
  pid: number;
  children?: boolean;
}

interface Sample {
  atMs: number;
  cpuS: number;
  rssMb: number;
}

export interface ProcessUsage {
  name: string;
  /** Busy share of one core over the measured window (100 = one core all the time). */
  cpu_pct: number;
  /** Resident memory after the warm-up, at the end, and the most seen. */
  rss_start_mb: number;
  rss_end_mb: number;
  rss_peak_mb: number;
  /** (end − after warm-up) / after warm-up. */
  rss_growth_pct: number;
}

const round1 = (n: number) => Math.round(n * 10) / 10;

/**
 * Reads CPU time and resident memory of each watched process from /proc every few seconds.
 * Memory is compared from the first sample after the warm-up (processes load models, grow pools
 * and buffers while the first rooms fill), so growth means what the steady load adds.
 */
export class ProcessSampler {
  private readonly samples = new Map<string, Sample[]>();
  private timer: NodeJS.Timeout | undefined;
  private baselineIndex = 0;

  constructor(private readonly processes: WatchedProcess[]) {
    for (const p of processes) this.samples.set(p.name, []);
  }

  start(intervalMs: number): void {
    this.sample();
    this.timer = setInterval(() => this.sample(), intervalMs);
  }

  /** From the next sample on, memory growth and CPU are measured (call when the warm-up ends). */
  markWarm(): void {
    this.sample();
    this.baselineIndex = this.samples.get(this.processes[0]!.name)!.length - 1;
  }

  stop(): void {
    clearInterval(this.timer);
    this.sample();
  }

  private sample(): void {
    const atMs = Date.now();
    for (const p of this.processes) {
      const pids = p.children ? [p.pid, ...childPids(p.pid)] : [p.pid];
      const cpuS = pids.reduce((sum, pid) => sum + totalCpuS(pid), 0);
      const rss = pids.reduce((sum, pid) => sum + rssMb(pid), 0);
      this.samples.get(p.name)!.push({ atMs, cpuS, rssMb: rss });
    }
  }

  usage(): ProcessUsage[] {
    return this.processes.map((p) => {
      const all = this.samples.get(p.name)!;
      const first = all[this.baselineIndex]!;
      const last = all[all.length - 1]!;
      const seconds = Math.max(0.001, (last.atMs - first.atMs) / 1000);
      return {
        name: p.name,
        cpu_pct: round1(Math.max(0, (100 * (last.cpuS - first.cpuS)) / seconds)),
        rss_start_mb: round1(first.rssMb),
        rss_end_mb: round1(last.rssMb),
        rss_peak_mb: round1(Math.max(...all.slice(this.baselineIndex).map((s) => s.rssMb))),
        rss_growth_pct: first.rssMb > 0 ? round1((100 * (last.rssMb - first.rssMb)) / first.rssMb) : 0,
      };
    });
  }

  /** Growth of the summed resident memory of the named processes. */
  totalGrowthPct(names: string[]): number {
    const usage = this.usage().filter((u) => names.includes(u.name));
    const start = usage.reduce((s, u) => s + u.rss_start_mb, 0);
    const end = usage.reduce((s, u) => s + u.rss_end_mb, 0);
    return start > 0 ? round1((100 * (end - start)) / start) : 0;
  }
}
