import { SafeEmitter } from './SafeEmitter.js';
import type { LanguageCode, Participant } from '@parley/protocol';
import type { Peer } from './Peer.js';
import { SignalingError } from './errors.js';

export interface RoomOptions {
  id: string;
  maxParticipants: number;
}

export interface RoomEvents {
  participants: [Participant[]];
  peerLeft: [Peer];
  closed: [];
}

/** A set of participants who hear each other and read each other's captions. */
export class Room extends SafeEmitter<RoomEvents> {
  readonly id: string;
  private readonly maxParticipants: number;
  private readonly peers = new Map<string, Peer>();
  private closed = false;

  constructor(options: RoomOptions) {
    super();
    this.id = options.id;
    this.maxParticipants = options.maxParticipants;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  get size(): number {
    return this.peers.size;
  }

  getPeer(id: string): Peer | undefined {
    return this.peers.get(id);
  }

  addPeer(peer: Peer): void {
    if (this.closed) throw new SignalingError('This room has closed; join again.', 409);
    if (this.peers.size >= this.maxParticipants) {
      throw new SignalingError(`Room "${this.id}" is full (${this.maxParticipants} participants).`, 403);
    }
    this.peers.set(peer.id, peer);
    peer.once('closed', () => this.removePeer(peer.id));
    this.emit('participants', this.participants());
  }

  removePeer(id: string): void {
    const peer = this.peers.get(id);
    if (!peer) return;
    this.peers.delete(id);
    void peer.close();
    this.emit('peerLeft', peer);
    if (!this.closed) this.emit('participants', this.participants());
  }

  participants(): Participant[] {
    return [...this.peers.values()].map((p) => p.toParticipant());
  }

  /** Languages somebody in the room reads: the only ones worth translating into. */
  captionLanguages(): LanguageCode[] {
    return [...new Set([...this.peers.values()].map((p) => p.reads))];
  }

  /** Idempotent; closes every peer. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const peers = [...this.peers.values()];
    this.peers.clear();
    await Promise.allSettled(peers.map((p) => p.close()));
    this.emit('closed');
    this.removeAllListeners();
  }
}
