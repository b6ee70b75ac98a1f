import { SafeEmitter } from './SafeEmitter.js';
import type { LanguageCode, Participant } from '@parley/protocol';
import type { Peer } from './Peer.js';
import { SignalingError } from './errors.js';
import { ActiveSpeakerDetector } from './ActiveSpeakerDetector.js';

export interface RoomOptions {
  id: string;
  maxParticipants: number;
  /** How often "who is speaking" is worked out (and at most how often it is sent). */
  activeSpeakerIntervalMs?: number;
}

export interface RoomEvents {
  participants: [Participant[]];
  /** Participants speaking now, loudest first; only when the set changes. */
  activeSpeakers: [string[]];
  peerLeft: [Peer];
  closed: [];
}

/** A set of participants who hear each other and read each other's captions. */
export class Room extends SafeEmitter<RoomEvents> {
  readonly id: string;
  private readonly maxParticipants: number;
  private readonly peers = new Map<string, Peer>();
  private closed = false;
  private readonly speakers = new ActiveSpeakerDetector();
  private readonly speakerTimer: ReturnType<typeof setInterval>;

  constructor(options: RoomOptions) {
    super();
    this.id = options.id;
    this.maxParticipants = options.maxParticipants;
    this.speakerTimer = setInterval(() => this.updateActiveSpeakers(), options.activeSpeakerIntervalMs ?? 340);
    this.speakerTimer.unref();
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
    // Everyone hears a new microphone; a newly connected peer hears every microphone already here.
    peer.on('audioTrack', () => {
      const producer = peer.producer;
      if (!producer) return;
      for (const other of this.peers.values()) if (other !== peer) other.addProducer(producer);
    });
    peer.on('ready', () => {
      for (const other of this.peers.values()) if (other !== peer && other.producer) peer.addProducer(other.producer);
    });
    peer.on('participantChanged', () => {
      if (!this.closed && this.peers.get(peer.id) === peer) this.emit('participants', this.participants());
    });
    this.emit('participants', this.participants());
  }

  removePeer(id: string): void {
    const peer = this.peers.get(id);
    if (!peer) return;
    this.peers.delete(id);
    for (const other of this.peers.values()) other.removeProducer(id);
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

  private updateActiveSpeakers(): void {
    const loudness: [string, number | undefined][] = [];
    for (const peer of this.peers.values()) {
      const producer = peer.producer;
      if (producer) loudness.push([peer.id, producer.isPaused ? undefined : producer.takeLoudness()]);
    }
    const changed = this.speakers.update(Date.now(), loudness);
    if (changed) this.emit('activeSpeakers', changed);
  }

  /** Idempotent; closes every peer. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.speakerTimer);
    const peers = [...this.peers.values()];
    this.peers.clear();
    await Promise.allSettled(peers.map((p) => p.close()));
    this.emit('closed');
    this.removeAllListeners();
  }
}
