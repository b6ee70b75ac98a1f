import { createRequire } from 'node:module';

// @roamhq/wrtc is libwebrtc in Node, a real WebRTC endpoint for tests and benches. Its own type
// declarations assume the DOM library, so the parts Parley's tools use are typed here.
export interface WrtcTrack { id: string; enabled: boolean; stop(): void }
export interface WrtcAudioData { samples: Int16Array; sampleRate: number; bitsPerSample: number; channelCount: number; numberOfFrames: number }
export interface WrtcAudioSource { createTrack(): WrtcTrack; onData(data: WrtcAudioData): void }
export interface WrtcAudioSink { ondata: ((data: WrtcAudioData) => void) | null; stop(): void }
export interface WrtcTransceiver { mid: string | null; currentDirection: string | null; receiver: { track: WrtcTrack } }
export interface WrtcStats { type: string; kind?: string; packetsReceived?: number; packetsLost?: number; packetsSent?: number }
export interface WrtcPeerConnection {
  addTrack(track: WrtcTrack, ...streams: unknown[]): unknown;
  addTransceiver(kind: string, init: { direction: string }): unknown;
  getTransceivers(): WrtcTransceiver[];
  getStats(): Promise<Map<string, WrtcStats>>;
  createOffer(options?: object): Promise<{ type: string; sdp: string }>;
  createAnswer(): Promise<{ type: string; sdp: string }>;
  setLocalDescription(d: { type: string; sdp: string }): Promise<void>;
  setRemoteDescription(d: { type: string; sdp: string }): Promise<void>;
  localDescription: { sdp: string } | null;
  iceGatheringState: string;
  connectionState: string;
  onicegatheringstatechange: (() => void) | null;
  onconnectionstatechange: (() => void) | null;
  ontrack: ((event: { track: WrtcTrack; streams: { id: string }[]; transceiver?: WrtcTransceiver }) => void) | null;
  close(): void;
}
export interface Wrtc {
  RTCPeerConnection: new (config: object) => WrtcPeerConnection;
  MediaStream: new () => unknown;
  nonstandard: { RTCAudioSource: new () => WrtcAudioSource; RTCAudioSink: new (track: WrtcTrack) => WrtcAudioSink };
}

export const wrtc = createRequire(import.meta.url)('@roamhq/wrtc') as Wrtc;

/**
 * mediasoup-client looks for the browser's WebRTC classes on the global object; in Node they come
 * from libwebrtc. Call before creating a RoomClient (with handlerName 'Chrome111': Node has no
 * user agent to detect a handler from).
 */
export function installWrtcGlobals(): void {
  const g = globalThis as Record<string, unknown>;
  const all = createRequire(import.meta.url)('@roamhq/wrtc') as Record<string, unknown>;
  for (const name of ['RTCPeerConnection', 'RTCSessionDescription', 'RTCIceCandidate', 'MediaStream', 'MediaStreamTrack', 'RTCRtpSender', 'RTCRtpReceiver']) {
    if (g[name] === undefined && all[name] !== undefined) g[name] = all[name];
  }
}

/**
 * Resolves once the connection has gathered its candidates, or after `capMs`: the sfu takes no
 * trickled candidates, so an offer or answer must carry them all.
 */
export function iceGatheringComplete(pc: Pick<WrtcPeerConnection, 'iceGatheringState' | 'onicegatheringstatechange'>, capMs = 3_000): Promise<void> {
  return new Promise<void>((resolve) => {
    if (pc.iceGatheringState === 'complete') return resolve();
    const timer = setTimeout(resolve, capMs);
    pc.onicegatheringstatechange = () => {
      if (pc.iceGatheringState !== 'complete') return;
      clearTimeout(timer);
      resolve();
    };
  });
}
