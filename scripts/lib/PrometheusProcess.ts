import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { ChildProcess } from './ChildProcess.js';
import { freePort, httpOk, waitFor } from './freePort.js';

export interface ScrapeJob {
  job: string;
  /** host:port of each process's /metrics. */
  targets: string[];
}

export interface PrometheusOptions {
  jobs: ScrapeJob[];
  /** Absolute paths of rule files Prometheus loads and evaluates. */
  ruleFiles?: string[];
  scrapeIntervalSeconds?: number;
  logFile?: string;
}

export interface VectorSample {
  metric: Record<string, string>;
  value: number;
}

/** Debian's prometheus on a free loopback port with a throw-away data directory, for tests. */
export class PrometheusProcess {
  private constructor(
    readonly url: string,
    private readonly child: ChildProcess,
    private readonly dir: string,
  ) {}

  static async start(options: PrometheusOptions): Promise<PrometheusProcess> {
    const dir = mkdtempSync(join(tmpdir(), 'parley-prometheus-'));
    const interval = `${options.scrapeIntervalSeconds ?? 1}s`;
    const config = {
      global: { scrape_interval: interval, evaluation_interval: interval },
      rule_files: options.ruleFiles ?? [],
      scrape_configs: options.jobs.map((j) => ({ job_name: j.job, static_configs: [{ targets: j.targets }] })),
    };
    writeFileSync(join(dir, 'prometheus.yml'), stringify(config));
    const port = await freePort();
    const child = new ChildProcess({
      name: 'prometheus',
      command: 'prometheus',
      args: [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`],
      logFile: options.logFile,
    });
    const url = `http://127.0.0.1:${port}`;
    try {
      await waitFor('prometheus', () => httpOk(`${url}/-/ready`), 30_000, () => child.deathReason);
    } catch (error) {
      await child.stop();
      rmSync(dir, { recursive: true, force: true });
      throw error;
    }
    return new PrometheusProcess(url, child, dir);
  }

  /** An instant query through the HTTP API; the samples of its vector result. */
  async query(promql: string): Promise<VectorSample[]> {
    const response = await fetch(`${this.url}/api/v1/query?${new URLSearchParams({ query: promql })}`, { signal: AbortSignal.timeout(5_000) });
    const body = (await response.json()) as { status: string; error?: string; data?: { resultType: string; result: { metric: Record<string, string>; value: [number, string] }[] } };
    if (body.status !== 'success' || !body.data) throw new Error(`Prometheus rejected ${promql}: ${body.error ?? response.status}`);
    if (body.data.resultType !== 'vector') throw new Error(`expected a vector from ${promql}, got ${body.data.resultType}`);
    return body.data.result.map((r) => ({ metric: r.metric, value: Number(r.value[1]) }));
  }

  /** The one value of a query that yields one sample, or undefined when it yields none. */
  async value(promql: string): Promise<number | undefined> {
    const samples = await this.query(promql);
    if (samples.length > 1) throw new Error(`${promql} gave ${samples.length} samples; expected one`);
    return samples[0]?.value;
  }

  async get<T>(path: string): Promise<T> {
    const response = await fetch(`${this.url}${path}`, { signal: AbortSignal.timeout(5_000) });
    if (!response.ok) throw new Error(`Prometheus answered ${response.status} for ${path}`);
    return ((await response.json()) as { data: T }).data;
  }

  async stop(): Promise<void> {
    await this.child.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
