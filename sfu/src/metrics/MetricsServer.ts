import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

export interface MetricsServerOptions {
  registry: Registry;
  /** When set, a scrape must send `Authorization: Bearer <token>`. */
  token?: string;
  /** Told of every scrape refused for a missing or wrong token. */
  onRefused?: () => void;
}

const digest = (value: string) => createHash('sha256').update(value).digest();

/**
 * Prometheus' `/metrics` on a port of its own, apart from the web app and signaling: the public
 * origin never serves it, the port binds to loopback unless told otherwise (METRICS_HOST), and a
 * bearer token (METRICS_TOKEN) guards it where the port can be reached from elsewhere.
 */
export class MetricsServer {
  private readonly server: Server;
  private readonly tokenDigest: Buffer | undefined;

  constructor(private readonly options: MetricsServerOptions) {
    this.tokenDigest = options.token ? digest(options.token) : undefined;
    this.server = createServer((req, res) => this.onRequest(req, res));
  }

  private onRequest(req: IncomingMessage, res: ServerResponse): void {
    const path = (req.url ?? '/').split('?')[0];
    if (path !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('Only /metrics is served here.\n');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    if (!this.authorized(req.headers.authorization)) {
      this.options.onRefused?.();
      res.writeHead(401, { 'content-type': 'text/plain', 'www-authenticate': 'Bearer' }).end('Send the metrics token (METRICS_TOKEN) as "Authorization: Bearer <token>".\n');
      return;
    }
    const { registry } = this.options;
    registry.metrics().then(
      (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(req.method === 'HEAD' ? undefined : text),
      (error: Error) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`metrics could not be collected: ${error.message}\n`),
    );
  }

  /** Compares digests, so the time taken says nothing about the token. */
  private authorized(header: string | undefined): boolean {
    if (!this.tokenDigest) return true;
    const match = /^Bearer (.+)$/.exec(header ?? '');
    return !!match && timingSafeEqual(digest(match[1]!), this.tokenDigest);
  }

  async listen(port: number, host: string): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    return (this.server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    if (!this.server.listening) return;
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
