import { randomBytes } from 'node:crypto';
import { Device, type types } from 'mediasoup-client';
import type { RtpCapabilitiesMessage } from '@parley/protocol';
import { installWrtcGlobals, wrtc } from '../../../scripts/lib/wrtc.js';

/** Parameters exactly as a real client (mediasoup-client over libwebrtc) sends them: the seeds of every mutation. */
export interface RealMedia {
  /** device.rtpCapabilities after loading the router's capabilities (createTransports). */
  rtpCapabilities: types.RtpCapabilities;
  /** What a send transport's "produce" event carries for a microphone (produce). */
  rtpParameters: types.RtpParameters;
  /** What a transport's "connect" event carries (connectTransport). */
  dtlsParameters: types.DtlsParameters;
}

/**
 * Loads the router's capabilities (from a join reply) into a mediasoup-client Device and produces
 * a microphone track on a send transport that talks to no server: its "connect" and "produce"
 * events are answered here, so nothing leaves this process and no ICE check is ever sent.
 */
export async function captureRealMedia(routerRtpCapabilities: RtpCapabilitiesMessage): Promise<RealMedia> {
  installWrtcGlobals();
  const device = new Device({ handlerName: 'Chrome111' });
  await device.load({ routerRtpCapabilities: routerRtpCapabilities as types.RtpCapabilities });
  const transport = device.createSendTransport({
    id: 'capture-only',
    iceParameters: { usernameFragment: randomBytes(8).toString('hex'), password: randomBytes(16).toString('hex'), iceLite: true },
    // No candidates: libwebrtc has nowhere to send a check to.
    iceCandidates: [],
    dtlsParameters: { role: 'auto', fingerprints: [{ algorithm: 'sha-256', value: fingerprint(randomBytes(32)) }] },
  });
  let dtlsParameters: types.DtlsParameters | undefined;
  let rtpParameters: types.RtpParameters | undefined;
  transport.on('connect', (params, callback) => {
    dtlsParameters = params.dtlsParameters;
    callback();
  });
  transport.on('produce', (params, callback) => {
    rtpParameters = params.rtpParameters;
    callback({ id: 'captured' });
  });
  const track = new wrtc.nonstandard.RTCAudioSource().createTrack();
  try {
    // The codec options the shared room client uses for a microphone.
    await transport.produce({ track: track as unknown as MediaStreamTrack, codecOptions: { opusStereo: false, opusFec: true, opusDtx: false } });
  } finally {
    transport.close();
    track.stop();
  }
  if (!dtlsParameters || !rtpParameters) throw new Error('mediasoup-client produced without its connect and produce events');
  return { rtpCapabilities: device.rtpCapabilities, rtpParameters, dtlsParameters };
}

function fingerprint(bytes: Buffer): string {
  return [...bytes].map((b) => b.toString(16).padStart(2, '0').toUpperCase()).join(':');
}
