import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

export interface ProcStats {
  /** User + system CPU time since the process started. */
  cpuSeconds: number;
  residentBytes: number;
}

let clockTicksPerSecond: number | undefined;

/** /proc counts CPU time in clock ticks (USER_HZ: 100 on Linux, asked once to be sure). */
function ticksPerSecond(): number {
  if (clockTicksPerSecond === undefined) {
    try {
      clockTicksPerSecond = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
    } catch {
      clockTicksPerSecond = 100;
    }
  }
  return clockTicksPerSecond;
}

/**
 * CPU time and resident memory of any process on this machine, from /proc (Linux); undefined when
 * the process is gone or /proc cannot be read. Used for the media processes, which Node's own
 * process metrics do not include, and by the load bench for every process.
 */
export function procStats(pid: number): ProcStats | undefined {
  try {
    // The command name (field 2) may hold spaces and parentheses; the fields after it do not.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const cpuSeconds = (Number(fields[11]) + Number(fields[12])) / ticksPerSecond();
    const rssKb = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    if (!Number.isFinite(cpuSeconds) || rssKb === undefined) return undefined;
    return { cpuSeconds, residentBytes: Number(rssKb) * 1024 };
  } catch {
    return undefined;
  }
}
