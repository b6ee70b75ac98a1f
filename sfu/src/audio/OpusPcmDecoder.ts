import opus from '@discordjs/opus';

/** Opus in WebRTC always uses a 48 kHz RTP clock, whatever rate the encoder ran at. */
export const OPUS_SAMPLE_RATE = 48_000;

/** libopus returns this many samples for a concealment call through the binding (its maximum frame size). */
const PLC_SAMPLES = 5_760;
/**
 * A packet this short carries no audio (the table-of-contents byte alone): an Opus DTX frame. A
 * sender in DTX sends one such frame every few hundred ms, after a frame that updates the comfort
 * noise, and nothing between.
 */
const DTX_PACKET_BYTES = 2;
const NO_SAMPLES = new Int16Array(0);

export interface OpusPcmDecoderOptions {
  /** Receives decoded 48 kHz mono PCM in order. The array is owned by the receiver. */
  onPcm: (pcm: Int16Array) => void;
  /**
   * How many packets past a hole may arrive before the hole is declared lost. Each one costs
   * 20 ms of delay, but only while a packet is actually missing.
   */
  reorderWindowPackets?: number;
  /**
   * Longest gap filled in; a longer silence (a paused or reconnecting sender) is shortened to this.
   * It must stay above the segmenter's silence threshold so that a gap still ends an utterance.
   */
  maxGapFillSeconds?: number;
}

export interface OpusPcmDecoderStats {
  /** Packets handed to push(). */
  packets: number;
  /** Packets never received (holes in the sequence numbers that were given up on). */
  lost: number;
  /** Payloads libopus refused. */
  corrupt: number;
  /** Packets that arrived after their slot was already played out. */
  late: number;
  duplicates: number;
  /** Times the sequence jumped so far that the stream was treated as restarted. */
  resyncs: number;
  /** 48 kHz samples produced by loss concealment or silence instead of packets. */
  filledSamples: number;
}

interface PendingPacket {
  payload: Buffer;
  timestamp: number;
}

/**
 * A jump this large (about 10 s of 20 ms packets) is not reordering or loss but a sender that
 * restarted its sequence numbering.
 */
const RESYNC_SEQUENCE_DISTANCE = 500;
/** Recently played sequence numbers remembered to tell duplicates from late packets. */
const PLAYED_HISTORY = 128;

/**
 * Turns one speaker's Opus RTP payloads into continuous 48 kHz mono PCM: a small reorder buffer,
 * loss concealment for holes, silence for DTX pauses, and no exceptions for bad payloads.
 */
export class OpusPcmDecoder {
  private readonly opus: InstanceType<typeof opus.OpusEncoder>;
  private readonly onPcm: (pcm: Int16Array) => void;
  private readonly reorderWindowPackets: number;
  private readonly maxGapFillSamples: number;
  private readonly pending = new Map<number, PendingPacket>();
  private readonly played = new Int32Array(PLAYED_HISTORY).fill(-1);
  private started = false;
  private nextSequence = 0;
  /** RTP timestamp just past the last sample handed out. */
  private expectedTimestamp = 0;
  private hasExpectedTimestamp = false;
  /** Set when packets were lost since the last decoded one, so that the hole gets concealment. */
  private lossSinceLastDecode = false;
  /** The last packet decoded was a DTX frame: the sender is in a pause, filled with comfort noise. */
  private inDtx = false;
  /** Comfort noise made but not handed out yet (libopus makes 120 ms per call). */
  private comfortNoiseLeft: Int16Array = NO_SAMPLES;
  private readonly counters: OpusPcmDecoderStats = {
    packets: 0,
    lost: 0,
    corrupt: 0,
    late: 0,
    duplicates: 0,
    resyncs: 0,
    filledSamples: 0,
  };

  constructor(options: OpusPcmDecoderOptions) {
    // channels=1 makes libopus downmix stereo streams, which browsers may send.
    this.opus = new opus.OpusEncoder(OPUS_SAMPLE_RATE, 1);
    this.onPcm = options.onPcm;
    this.reorderWindowPackets = Math.max(0, Math.floor(options.reorderWindowPackets ?? 2));
    this.maxGapFillSamples = Math.round((options.maxGapFillSeconds ?? 2) * OPUS_SAMPLE_RATE);
  }

  push(payload: Buffer, sequenceNumber: number, rtpTimestamp: number): void {
    this.counters.packets += 1;
    const sequence = sequenceNumber & 0xffff;
    const timestamp = rtpTimestamp >>> 0;
    if (!this.started) {
      this.started = true;
      this.nextSequence = sequence;
    }
    const ahead = sequenceDistance(sequence, this.nextSequence);
    if (ahead < -RESYNC_SEQUENCE_DISTANCE || ahead > RESYNC_SEQUENCE_DISTANCE) {
      this.resync(sequence);
    } else if (ahead < 0) {
      if (this.played[sequence % PLAYED_HISTORY] === sequence) this.counters.duplicates += 1;
      else this.counters.late += 1;
      return;
    } else if (this.pending.has(sequence)) {
      this.counters.duplicates += 1;
      return;
    }
    this.pending.set(sequence, { payload, timestamp });
    this.drain(false);
  }

  /** Plays out whatever waits in the reorder buffer, giving up on the holes before it. */
  flush(): void {
    this.drain(true);
  }

  /**
   * The sender went into DTX (its last packet was a DTX frame) and has sent nothing since: hands
   * out `samples` of the pause now, at the stream's position, so that it is heard as it happens
   * rather than when the next packet shows its length. The next packet's gap fill counts what was
   * handed out here. Nothing otherwise: packets that stop after audio are late or lost, for the
   * reorder buffer and concealment. Returns the samples handed out.
   */
  fillSilence(samples: number): number {
    if (!this.inDtx || !this.hasExpectedTimestamp || this.pending.size > 0 || this.lossSinceLastDecode) return 0;
    const count = Math.floor(samples);
    if (count <= 0) return 0;
    this.counters.filledSamples += count;
    this.expectedTimestamp = (this.expectedTimestamp + count) >>> 0;
    this.onPcm(this.pause(count));
    return count;
  }

  /** Forgets the stream position, e.g. after a pause: the next packet starts afresh, without gap fill. */
  reset(): void {
    this.pending.clear();
    this.inDtx = false;
    this.comfortNoiseLeft = NO_SAMPLES;
    this.played.fill(-1);
    this.started = false;
    this.hasExpectedTimestamp = false;
    this.lossSinceLastDecode = false;
  }

  /** The last packet decoded was a DTX frame: the sender is in a pause, and fillSilence() fills it. */
  get inDtxPause(): boolean {
    return this.inDtx;
  }

  stats(): OpusPcmDecoderStats {
    return { ...this.counters };
  }

  private resync(sequence: number): void {
    this.counters.resyncs += 1;
    this.drain(true);
    this.nextSequence = sequence;
    // The timestamps of a restarted stream have no relation to the old ones, so no gap to fill.
    this.hasExpectedTimestamp = false;
    this.lossSinceLastDecode = false;
  }

  private drain(force: boolean): void {
    for (;;) {
      const packet = this.pending.get(this.nextSequence);
      if (packet) {
        this.pending.delete(this.nextSequence);
        this.played[this.nextSequence % PLAYED_HISTORY] = this.nextSequence;
        this.nextSequence = (this.nextSequence + 1) & 0xffff;
        this.decode(packet);
        continue;
      }
      if (this.pending.size === 0) return;
      let nearest = Infinity;
      let farthest = 0;
      for (const sequence of this.pending.keys()) {
        const ahead = sequenceDistance(sequence, this.nextSequence);
        if (ahead < nearest) nearest = ahead;
        if (ahead > farthest) farthest = ahead;
      }
      if (!force && farthest <= this.reorderWindowPackets) return;
      this.counters.lost += nearest;
      this.lossSinceLastDecode = true;
      this.nextSequence = (this.nextSequence + nearest) & 0xffff;
    }
  }

  private decode(packet: PendingPacket): void {
    if (this.hasExpectedTimestamp) {
      const gap = timestampDistance(packet.timestamp, this.expectedTimestamp);
      // A negative gap means overlapping timestamps; playing the packet as is keeps the audio.
      if (gap > 0) this.fillGap(Math.min(gap, this.maxGapFillSamples), this.lossSinceLastDecode);
    }
    let pcm: Int16Array;
    try {
      pcm = toInt16(this.opus.decode(packet.payload));
    } catch {
      this.counters.corrupt += 1;
      // The timestamp of the next good packet then shows the hole, and it gets concealment.
      this.lossSinceLastDecode = true;
      return;
    }
    this.lossSinceLastDecode = false;
    this.inDtx = packet.payload.length <= DTX_PACKET_BYTES;
    this.comfortNoiseLeft = NO_SAMPLES;
    this.expectedTimestamp = (packet.timestamp + pcm.length) >>> 0;
    this.hasExpectedTimestamp = true;
    if (pcm.length > 0) this.onPcm(pcm);
  }

  private fillGap(samples: number, lost: boolean): void {
    this.counters.filledSamples += samples;
    // Concealment only for real loss: a gap without missing sequence numbers is DTX, i.e. the
    // sender chose silence, and concealing it would smear the last syllable over the pause.
    if (lost && samples <= PLC_SAMPLES) {
      const concealed = this.conceal();
      if (concealed && concealed.length >= samples) {
        this.onPcm(concealed.slice(0, samples));
        return;
      }
    }
    this.onPcm(this.pause(samples));
  }

  /**
   * A pause of `samples`: after a DTX frame, the comfort noise libopus makes from the sender's
   * last noise update, as a browser plays it (the recording's own background, so the VAD hears a
   * pause as it would without DTX rather than digital silence broken by each noise update);
   * otherwise silence.
   */
  private pause(samples: number): Int16Array {
    if (!this.inDtx) return new Int16Array(samples);
    const out = new Int16Array(samples);
    let filled = 0;
    while (filled < samples) {
      if (this.comfortNoiseLeft.length === 0) {
        const made = this.conceal();
        if (!made || made.length === 0) break;
        this.comfortNoiseLeft = made;
      }
      const take = Math.min(samples - filled, this.comfortNoiseLeft.length);
      out.set(this.comfortNoiseLeft.subarray(0, take), filled);
      this.comfortNoiseLeft = this.comfortNoiseLeft.subarray(take);
      filled += take;
    }
    return out;
  }

  /** libopus conceals when given an empty packet; the binding has no other way to ask for it. */
  private conceal(): Int16Array | undefined {
    try {
      return toInt16(this.opus.decode(Buffer.alloc(0)));
    } catch {
      return undefined;
    }
  }
}

/** Signed distance a - b between 16-bit sequence numbers, correct across wraparound. */
function sequenceDistance(a: number, b: number): number {
  return (((a - b) & 0xffff) << 16) >> 16;
}

/** Signed distance a - b between 32-bit RTP timestamps, correct across wraparound. */
function timestampDistance(a: number, b: number): number {
  return (a - b) | 0;
}

function toInt16(buffer: Buffer): Int16Array {
  if (buffer.byteOffset % 2 === 0) return new Int16Array(buffer.buffer, buffer.byteOffset, buffer.length >> 1);
  const copy = new Int16Array(buffer.length >> 1);
  new Uint8Array(copy.buffer).set(buffer.subarray(0, copy.length * 2));
  return copy;
}
