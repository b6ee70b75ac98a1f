import { connect, createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

/**
 * A TCP load balancer on loopback, standing in for the one in front of several sfu nodes: each new
 * connection goes to the next backend in turn, skipping backends that refuse it (a node that
 * died). With socket.io on WebSocket only, one session is one connection, so no stickiness is needed.
 */
export class TcpBalancer {
  /** For each connection, in order, the backend port it was sent to. */
  readonly routed: number[] = [];
  private readonly server: Server;
  private readonly open = new Set<Socket>();
  private next = 0;

  constructor(private readonly backendPorts: number[]) {
    this.server = createServer((client) => this.route(client));
  }

  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  private route(client: Socket, tried = 0): void {
    if (tried >= this.backendPorts.length) {
      client.destroy();
      return;
    }
    const port = this.backendPorts[this.next++ % this.backendPorts.length]!;
    client.pause();
    const backend = connect(port, '127.0.0.1');
    let connected = false;
    const clientGone = () => backend.destroy();
    client.once('error', clientGone);
    backend.once('error', () => {
      if (connected) return;
      client.off('error', clientGone);
      this.route(client, tried + 1);
    });
    backend.once('connect', () => {
      connected = true;
      client.off('error', clientGone);
      this.routed.push(port);
      for (const [a, b] of [[client, backend], [backend, client]] as const) {
        a.pipe(b);
        a.on('error', () => b.destroy());
        a.on('close', () => b.destroy());
        this.open.add(a);
        a.once('close', () => this.open.delete(a));
      }
      client.resume();
    });
  }

  async close(): Promise<void> {
    for (const socket of this.open) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
