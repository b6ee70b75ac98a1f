import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

export interface HealthSource {
  /** Reasons the process is not ready; empty when ready. */
  notReadyReasons(): Promise<string[]>;
}

/** /healthz (process up), /readyz (model loaded, Redis reachable), /metrics. */
export class HealthServer {
  private readonly server: Server;

  constructor(
    private readonly registry: Registry,
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
        void this.registry.metrics().then(
          (text) => res.writeHead(200, { 'content-type': this.registry.contentType }).end(text),
          (error: Error) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`metrics could not be collected: ${error.message}\n`),
        );
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
