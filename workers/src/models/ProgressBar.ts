import type { DownloadProgress } from './ModelDownloader.js';

export interface ProgressOutput {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

const MB = 1024 * 1024;

function megabytes(bytes: number): string {
  return (bytes / MB).toFixed(1);
}

/**
 * One redrawn line per file on a terminal; on a pipe or log file, a line per 25 % so the log
 * stays readable.
 */
export class ProgressBar {
  private file: string | undefined;
  private startedAtMs = 0;
  private startBytes = 0;
  private lastDrawAtMs = -Infinity;
  private lastQuarter = -1;

  constructor(
    private readonly out: ProgressOutput,
    private readonly now: () => number = () => Date.now(),
  ) {}

  update(progress: DownloadProgress): void {
    if (progress.file !== this.file) {
      this.end();
      this.file = progress.file;
      this.startedAtMs = this.now();
      this.startBytes = progress.receivedBytes;
      this.lastQuarter = -1;
    }
    const fraction = progress.totalBytes ? Math.min(1, progress.receivedBytes / progress.totalBytes) : undefined;
    if (this.out.isTTY) {
      if (this.now() - this.lastDrawAtMs < 100 && fraction !== 1) return;
      this.lastDrawAtMs = this.now();
      this.out.write(`\r${this.line(progress, fraction)}\x1b[K`);
      return;
    }
    const quarter = fraction === undefined ? 0 : Math.floor(fraction * 4);
    if (quarter > this.lastQuarter) {
      this.lastQuarter = quarter;
      this.out.write(`${this.line(progress, fraction)}\n`);
    }
  }

  /** Ends the current file's line. */
  end(): void {
    if (this.file && this.out.isTTY) this.out.write('\n');
    this.file = undefined;
  }

  private line(progress: DownloadProgress, fraction: number | undefined): string {
    const seconds = Math.max(0.001, (this.now() - this.startedAtMs) / 1000);
    const rate = `${megabytes((progress.receivedBytes - this.startBytes) / seconds)} MB/s`;
    const size = progress.totalBytes ? `${megabytes(progress.receivedBytes)}/${megabytes(progress.totalBytes)} MB` : `${megabytes(progress.receivedBytes)} MB`;
    if (fraction === undefined) return `  ${progress.file}  ${size}  ${rate}`;
    const width = Math.max(10, Math.min(30, (this.out.columns ?? 80) - 60));
    const filled = Math.round(fraction * width);
    const percent = `${Math.floor(fraction * 100)}%`.padStart(4);
    return `  ${progress.file} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${percent} ${size}  ${rate}`;
  }
}
