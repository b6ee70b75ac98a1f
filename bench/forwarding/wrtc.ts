import { createRequire } from 'node:module';

// The parts of @roamhq/wrtc (libwebrtc in Node) the bench uses; its own types assume the DOM.
export interface WrtcTrack { id: string; stop(): void }
export interface WrtcAudioData { samples: Int16Array; sampleRate: number; bitsPerSample: number; channelCount: number; numberOfFrames: number }
export interface WrtcAudioSource { createTrack(): WrtcTrack; onData(data: WrtcAudioData): void }
export interface WrtcAudioSink { ondata: ((data: WrtcAudioData) => void) | null; stop(): void }
export interface WrtcStats { type: string; kind?: string; packetsReceived?: number; packetsLost?: number; packetsSent?: number }
export interface WrtcPeerConnection {
  addTrack(track: WrtcTrack, ...streams: unknown[]): unknown;
  addTransceiver(kind: string, init: { direction: string }): unknown;
  getStats(): Promise<Map<string, WrtcStats>>;
  createOffer(): Promise<{ type: string; sdp: string }>;
  createAnswer(): Promise<{ type: string; sdp: string }>;
  setLocalDescription(d: { type: string; sdp: string }): Promise<void>;
  setRemoteDescription(d: { type: string; sdp: string }): Promise<void>;
  localDescription: { sdp: string } | null;
  iceGatheringState: string;
  connectionState: string;
  onicegatheringstatechange: (() => void) | null;
  onconnectionstatechange: (() => void) | null;
  ontrack: ((event: { track: WrtcTrack }) => void) | null;
  close(): void;
}
export interface Wrtc {
  RTCPeerConnection: new (config: object) => WrtcPeerConnection;
  MediaStream: new () => unknown;
  nonstandard: { RTCAudioSource: new () => WrtcAudioSource; RTCAudioSink: new (track: WrtcTrack) => WrtcAudioSink };
}

export const wrtc = createRequire(import.meta.url)('@roamhq/wrtc') as Wrtc;
