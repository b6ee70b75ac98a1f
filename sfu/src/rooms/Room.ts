import type { Logger } from 'pino';
import type { LanguageCode, Participant } from '@parley/protocol';
import { nameWords } from '@parley/protocol/streams';
import { SafeEmitter } from '../SafeEmitter.js';
import { SignalingError } from '../errors.js';
import type { MediaWorkerPool } from '../media/MediaWorkerPool.js';
import { RoomMedia } from '../media/RoomMedia.js';
import type { Peer } from './Peer.js';

export interface RoomOptions {
  id: string;
  maxParticipants: number;
  pool: MediaWorkerPool;
  consumersPerWorker: number;
  iceConsentTimeoutSeconds?: number;
  log: Logger;
}

export interface RoomEvents {
  participants: [Participant[]];
  /** Participants speaking now, loudest first; only when the list changes. */
  activeSpeakers: [string[]];
  peerLeft: [Peer];
  closed: [];
}

/** The words of these people's display names (nameWords()), those with a microphone first. */
export function roomNameWords(peers: readonly Pick<Peer, 'name' | 'producer'>[]): string[] {
  return nameWords([...peers.filter((p) => p.producer), ...peers.filter((p) => !p.producer)].map((p) => p.name));
}

const MEDIA_LOST_MESSAGE = 'The server restarted its audio service for this room; reconnecting your audio.';

/** A set of participants who hear each other and read each other's captions. */
export class Room extends SafeEmitter<RoomEvents> {
  readonly id: string;
  private readonly maxParticipants: number;
  private readonly peers = new Map<string, Peer>();
  private media: Promise<RoomMedia> | undefined;
  private speakers: string[] = [];
  private closed = false;
  /** Times the room's media was rebuilt after a media process died. */
  mediaRebuilds = 0;

  constructor(private readonly options: RoomOptions) {
    super((error, event) => options.log.error({ err: error, event, room: options.id }, 'room listener failed'));
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

  /** The room's media, created on first use and again after a media process died. */
  ensureMedia(): Promise<RoomMedia> {
    if (this.closed) return Promise.reject(new SignalingError('This room has closed; join again.', 409));
    this.media ??= this.createMedia();
    return this.media;
  }

  addPeer(peer: Peer): void {
    if (this.closed) throw new SignalingError('This room has closed; join again.', 409);
    if (this.peers.size >= this.maxParticipants) {
      throw new SignalingError(`Room "${this.id}" is full (${this.maxParticipants} participants).`, 403);
    }
    this.peers.set(peer.id, peer);
    peer.once('closed', () => this.removePeer(peer.id));
    // Everyone hears a new microphone; a peer that can receive hears every microphone already here.
    peer.on('producer', (producer) => {
      // The captioning tap and "who is speaking" both read the speaker's RTP on the first router.
      void this.ensureMedia()
        .then((media) => Promise.all([media.observe(producer), media.tap(producer, (packet) => peer.deliverRtp(packet))]))
        .catch((err: unknown) => this.options.log.warn({ err, room: this.id }, 'could not tap a speaker for captions'));
      for (const other of this.peers.values()) if (other !== peer) this.consume(other, producer);
    });
    peer.on('receiving', () => {
      for (const other of this.peers.values()) if (other !== peer && other.producer) this.consume(peer, other.producer);
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
    // Its producer closes with its transports; every consumer of it closes with the producer.
    void peer.close();
    this.emit('peerLeft', peer);
    if (!this.closed) this.emit('participants', this.participants());
  }

  participants(): Participant[] {
    return [...this.peers.values()].map((p) => p.toParticipant());
  }

  /**
   * The words of everyone's display names, for the captions to write with their capitals; in a
   * room with more names than an assignment carries, those of people with a microphone come first.
   */
  nameWords(): string[] {
    return roomNameWords([...this.peers.values()]);
  }

  /** Languages somebody in the room reads: the only ones worth translating into. */
  captionLanguages(): LanguageCode[] {
    return [...new Set([...this.peers.values()].map((p) => p.reads))];
  }

  /** Idempotent; closes every peer and the room's routers. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const peers = [...this.peers.values()];
    this.peers.clear();
    await Promise.allSettled(peers.map((p) => p.close()));
    const media = this.media;
    this.media = undefined;
    void media?.then((m) => m.close(), () => undefined);
    this.emit('closed');
    this.removeAllListeners();
  }

  private consume(listener: Peer, producer: Parameters<Peer['consume']>[0]): void {
    listener.consume(producer).catch((err: unknown) => {
      this.options.log.warn({ err, room: this.id, peer: listener.id }, 'could not forward audio to a participant');
    });
  }

  private async createMedia(): Promise<RoomMedia> {
    const media = await RoomMedia.create({
      pool: this.options.pool,
      consumersPerWorker: this.options.consumersPerWorker,
      iceConsentTimeoutSeconds: this.options.iceConsentTimeoutSeconds,
      onListenerError: (error, event) => this.options.log.error({ err: error, event, room: this.id }, 'room media listener failed'),
    }).catch((error: unknown) => {
      this.media = undefined;
      throw error;
    });
    if (this.closed) {
      media.close();
      throw new SignalingError('This room has closed; join again.', 409);
    }
    this.options.log.info({ room: this.id, mediaPid: media.primary.worker.worker.pid, mediaWorker: media.primary.worker.index }, 'room media ready');
    media.on('volumes', (producerIds) => this.onVolumes(producerIds));
    media.on('lost', () => this.onMediaLost());
    return media;
  }

  private onVolumes(producerIds: string[]): void {
    const byProducer = new Map([...this.peers.values()].flatMap((p) => (p.producer ? [[p.producer.id, p.id] as const] : [])));
    const speakers = producerIds.map((id) => byProducer.get(id)).filter((id): id is string => id !== undefined);
    if (speakers.length === this.speakers.length && speakers.every((id, i) => id === this.speakers[i])) return;
    this.speakers = speakers;
    this.emit('activeSpeakers', speakers);
  }

  /** A media process under this room died: rebuild on a live one and have every client set up again. */
  private onMediaLost(): void {
    if (this.closed) return;
    this.media = undefined;
    this.mediaRebuilds += 1;
    this.options.log.warn({ room: this.id, peers: this.peers.size }, 'room media lost; clients set their audio up again');
    if (this.speakers.length) {
      this.speakers = [];
      this.emit('activeSpeakers', []);
    }
    for (const peer of this.peers.values()) peer.resetMedia(MEDIA_LOST_MESSAGE);
  }
}
