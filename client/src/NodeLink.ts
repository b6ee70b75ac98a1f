import { io, type ManagerOptions, type SocketOptions } from 'socket.io-client';
import { Emitter } from './Emitter.js';
import type { ParleySocket } from './SignalingClient.js';

export interface NodeLinkOptions {
  /** The address the client was given (a load balancer, or the page's own origin when undefined). */
  url?: string;
  socket?: Partial<ManagerOptions & SocketOptions>;
  /** Wires the server's events on each socket the link opens; returns what to undo when the link drops it. */
  wire: (socket: ParleySocket) => (() => void) | void;
}

export interface NodeLinkEvents {
  connect: [];
  disconnect: [reason: string];
  connect_error: [error: Error];
  /** The node the client was sent to was lost (or could not be reached): the link goes back to the first address. */
  nodeLost: [url: string];
}

/**
 * Pause before going back to the first address after a node was lost, growing with each loss in a
 * row. A dead node is still named as its rooms' node until its presence in Redis lapses
 * (NODE_TTL_SECONDS), so its clients may be sent there a few times before another node takes the
 * room: a retry every second at most keeps the move short.
 */
const RETURN_DELAYS_MS = [0, 300, 600, 1_000];

/**
 * The socket to the Parley node that serves this client's room. It starts at the address the
 * client was given; when the server says the room lives on another node, it connects there
 * instead; when that node is lost (it stopped, or cannot be reached), it goes back to the first
 * address, which sends it wherever the room lives now.
 */
export class NodeLink extends Emitter<NodeLinkEvents> {
  private readonly home: ParleySocket;
  private away: { socket: ParleySocket; url: string; unwire: () => void } | undefined;
  private readonly unwireHome: () => void;
  private lossesInARow = 0;
  private returnTimer: ReturnType<typeof setTimeout> | undefined;
  private closed = false;

  constructor(private readonly options: NodeLinkOptions) {
    super();
    const socketOptions = { autoConnect: false, ...options.socket };
    this.home = (options.url ? io(options.url, socketOptions) : io(socketOptions)) as ParleySocket;
    this.unwireHome = this.attach(this.home, false);
  }

  /** The socket in use now. */
  get socket(): ParleySocket {
    return this.away?.socket ?? this.home;
  }

  /** The node this client was sent to, or undefined while it is on the address it was given. */
  get nodeUrl(): string | undefined {
    return this.away?.url;
  }

  start(): void {
    this.home.connect();
  }

  /** Leaves the current node for `url` (the room's media lives there). */
  moveTo(url: string): void {
    if (this.closed) return;
    this.dropAway();
    clearTimeout(this.returnTimer);
    if (this.home.connected || this.home.active) this.home.disconnect();
    // Its own connection, never reconnecting by itself: if the node is lost, the way back is home.
    const socket = io(url, { ...this.options.socket, autoConnect: false, forceNew: true, reconnection: false }) as ParleySocket;
    this.away = { socket, url, unwire: this.attach(socket, true) };
    socket.connect();
  }

  /** A join went through: losses before it no longer count toward the pause before the next return. */
  settled(): void {
    this.lossesInARow = 0;
  }

  /** Starts over from the first address (the person asked to try again). */
  restart(): void {
    if (this.closed) return;
    this.lossesInARow = 0;
    clearTimeout(this.returnTimer);
    this.dropAway();
    this.home.disconnect();
    this.home.connect();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.returnTimer);
    this.dropAway();
    this.unwireHome();
    this.home.off();
    this.home.disconnect();
    this.removeAllListeners();
  }

  private attach(socket: ParleySocket, away: boolean): () => void {
    const unwire = this.options.wire(socket);
    socket.on('connect', () => this.emit('connect'));
    socket.on('disconnect', (reason) => {
      // Our own doing (moving on, closing): nothing to report.
      if (reason === 'io client disconnect') return;
      this.emit('disconnect', reason);
      // The server ended the session on purpose (it says why in a fatal message): no return.
      if (away && reason !== 'io server disconnect') this.returnHome();
    });
    socket.on('connect_error', (error) => {
      this.emit('connect_error', error);
      if (away) this.returnHome();
    });
    return () => unwire?.();
  }

  private returnHome(): void {
    if (this.closed || !this.away) return;
    const lostUrl = this.away.url;
    this.dropAway();
    this.emit('nodeLost', lostUrl);
    // Up to a fifth more, at random: the clients of a lost node do not all come back in step.
    const baseMs = RETURN_DELAYS_MS[Math.min(this.lossesInARow, RETURN_DELAYS_MS.length - 1)]!;
    const delayMs = Math.round(baseMs * (1 + Math.random() / 5));
    this.lossesInARow += 1;
    clearTimeout(this.returnTimer);
    this.returnTimer = setTimeout(() => {
      if (!this.closed && !this.away) this.home.connect();
    }, delayMs);
  }

  private dropAway(): void {
    const away = this.away;
    this.away = undefined;
    if (!away) return;
    away.unwire();
    away.socket.off();
    away.socket.disconnect();
  }
}
