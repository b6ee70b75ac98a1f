// Echo cancellation keeps the room's voices from the loudspeaker out of the captions. The browser's
// noise suppression and automatic gain reshape speech in ways that cost the recogniser words (its
// gain ramp swallows the first syllables): on the e2e clip, WER 0.37–0.53 with them, 0.21–0.42 without.
const BASE_CONSTRAINTS: MediaTrackConstraints = {
  echoCancellation: true,
  noiseSuppression: false,
  autoGainControl: false,
};

/** The microphone chosen in the lobby, preferred but not demanded: if it is gone, another one still works. */
export function audioConstraints(deviceId?: string): MediaTrackConstraints {
  return deviceId ? { ...BASE_CONSTRAINTS, deviceId: { ideal: deviceId } } : BASE_CONSTRAINTS;
}

export interface MicDevice {
  deviceId: string;
  label: string;
}

/** The microphones the browser lists; labels are empty until the page may use the microphone. */
export async function listMicrophones(): Promise<MicDevice[]> {
  if (!navigator.mediaDevices?.enumerateDevices) return [];
  const devices = await navigator.mediaDevices.enumerateDevices();
  return devices
    .filter((d) => d.kind === 'audioinput' && d.deviceId !== '')
    .map((d, i) => ({ deviceId: d.deviceId, label: d.label || `Microphone ${i + 1}` }));
}

/** A sentence for why the microphone could not be opened in the lobby's check. */
export function describeMicCheckError(error: unknown): string {
  const name = error instanceof DOMException || error instanceof Error ? error.name : '';
  switch (name) {
    case 'NotAllowedError':
    case 'SecurityError':
      return window.isSecureContext
        ? 'Microphone access is blocked. Allow the microphone for this site in your browser’s settings (the icon in the address bar), then test again. You can still join to listen.'
        : 'This page was not opened over HTTPS, so the browser does not allow the microphone. Open the https:// address of this server to speak. You can still join to listen.';
    case 'NotFoundError':
    case 'OverconstrainedError':
      return 'No microphone was found. Connect one and test again, or join to listen only.';
    case 'NotReadableError':
    case 'AbortError':
      return 'The microphone is in use by another app or could not start. Close the other app and test again.';
    default:
      return `The microphone could not be started${error instanceof Error && error.message ? ` (${error.message})` : ''}.`;
  }
}

/**
 * Opens a microphone and measures its level (0–1, RMS of the waveform) for a live meter. The
 * track is the caller's to keep only while testing: stop() releases it.
 */
export class MicLevelMeter {
  private context: AudioContext | undefined;
  private analyser: AnalyserNode | undefined;
  private buffer: Float32Array<ArrayBuffer> = new Float32Array(1024);
  private stream: MediaStream | undefined;

  static async open(deviceId: string | undefined): Promise<MicLevelMeter> {
    if (!navigator.mediaDevices?.getUserMedia) throw new DOMException('navigator.mediaDevices is unavailable', 'SecurityError');
    const meter = new MicLevelMeter();
    meter.stream = await navigator.mediaDevices.getUserMedia({ audio: audioConstraints(deviceId) });
    meter.context = new AudioContext();
    const source = meter.context.createMediaStreamSource(meter.stream);
    meter.analyser = meter.context.createAnalyser();
    meter.analyser.fftSize = 1024;
    source.connect(meter.analyser);
    // Autoplay rules may start the context suspended; the click that opened the meter allows resuming it.
    await meter.context.resume().catch(() => undefined);
    return meter;
  }

  /** The device actually opened (the browser may have chosen another than asked). */
  get deviceId(): string | undefined {
    return this.stream?.getAudioTracks()[0]?.getSettings().deviceId;
  }

  /** 0 (silence) to 1 (full scale), scaled so speech at a normal distance reaches about the middle. */
  level(): number {
    const analyser = this.analyser;
    if (!analyser) return 0;
    analyser.getFloatTimeDomainData(this.buffer);
    let sum = 0;
    for (const v of this.buffer) sum += v * v;
    const rms = Math.sqrt(sum / this.buffer.length);
    return Math.min(1, rms * 5);
  }

  stop(): void {
    for (const track of this.stream?.getTracks() ?? []) track.stop();
    void this.context?.close().catch(() => undefined);
    this.stream = undefined;
    this.analyser = undefined;
    this.context = undefined;
  }
}
