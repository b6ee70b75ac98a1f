import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface HealthSource {
  /** Reasons the process is not ready; empty when ready. */
  notReadyReasons(): Promise<string[]>;
  /** Counters and gauges for /metrics (Prometheus text format). */
  metrics(): Record<string, number>;
}

/** /healthz (process up), /readyz (model loaded, Redis reachable), /metrics. */
export class HealthServer {
  private readonly server: Server;

  constructor(
    private readonly prefix: string,
    private readonly source: HealthSource,
  ) {
    this.server = createServer((req, res) => {
      const path = (req.url ?? '/').split('?')[0];
      if (path === '/healthz') {
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
      } else if (path === '/readyz') {
        void this.source.notReadyReasons().then(
          (reasons) => res.writeHead(reasons.length ? 503 : 200, { 'content-type': 'application/json' }).end(JSON.stringify({ ready: !reasons.length, reasons })),
          () => res.writeHead(503).end('{"ready":false}'),
        );
      } else if (path === '/metrics') {
        const lines = Object.entries(this.source.metrics()).map(([name, value]) => `${this.prefix}_${name} ${value}`);
        res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(`${lines.join('\n')}\n`);
      } else {
        res.writeHead(404).end();
      }
    });
  }

  async listen(port: number, host: string): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => resolve());
    });
    return (this.server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
