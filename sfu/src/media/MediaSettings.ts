import { networkInterfaces } from 'node:os';
import type { types } from 'mediasoup';
import type { SfuConfig } from '../config.js';

/** How the media processes are started and where they listen, from config. */
export interface MediaSettings {
  workerCount: number;
  workerBin: string | undefined;
  /** Listen addresses of every media process's WebRtcServer; the port is set per process. */
  listen: { ip: string; announcedAddress?: string }[];
  iceTcp: boolean;
  /** Media process i listens on firstPort + i; undefined: ports the OS picks. */
  firstPort: number | undefined;
  consumersPerWorker: number;
  iceConsentTimeoutSeconds: number;
}

/** Opus only: Parley carries speech. In-band FEC rides out a lost packet without a retransmission. */
export const ROUTER_MEDIA_CODECS: types.RouterRtpCodecCapability[] = [
  {
    kind: 'audio',
    mimeType: 'audio/opus',
    preferredPayloadType: 111,
    clockRate: 48_000,
    channels: 2,
    parameters: { useinbandfec: 1, minptime: 10 },
    rtcpFeedback: [{ type: 'nack' }, { type: 'transport-cc' }],
  },
];

export function mediaSettingsFromConfig(config: SfuConfig): MediaSettings {
  return {
    workerCount: config.MEDIASOUP_WORKERS,
    workerBin: config.MEDIASOUP_WORKER_BIN,
    listen: listenAddresses(config.RTC_LISTEN_IP, config.RTC_ANNOUNCED_IP),
    iceTcp: config.RTC_ICE_TCP,
    firstPort: config.RTC_MIN_PORT,
    consumersPerWorker: config.MEDIA_CONSUMERS_PER_WORKER,
    iceConsentTimeoutSeconds: config.RTC_ICE_CONSENT_TIMEOUT_SECONDS,
  };
}

/**
 * Behind NAT the announced address is the one candidate browsers get. Otherwise, with no listen
 * address set, every local IPv4 address is a candidate (as a browser on this machine or on the LAN
 * may use any of them): mediasoup offers the address it binds, and 0.0.0.0 is no address to send to.
 */
export function listenAddresses(listenIp: string | undefined, announcedIp: string | undefined): MediaSettings['listen'] {
  if (announcedIp) return [{ ip: listenIp ?? '0.0.0.0', announcedAddress: announcedIp }];
  if (listenIp && listenIp !== '0.0.0.0') return [{ ip: listenIp }];
  const addresses = Object.values(networkInterfaces())
    .flat()
    .filter((a): a is NonNullable<typeof a> => !!a && a.family === 'IPv4')
    .map((a) => a.address);
  return [...new Set(addresses.length ? addresses : ['127.0.0.1'])].map((ip) => ({ ip }));
}

/** The WebRtcServer listen list of media process `index`: UDP, and TCP on the same port. */
export function webRtcServerListenInfos(settings: MediaSettings, index: number): types.TransportListenInfo[] {
  const port = settings.firstPort === undefined ? undefined : settings.firstPort + index;
  const protocols: types.TransportProtocol[] = settings.iceTcp ? ['udp', 'tcp'] : ['udp'];
  return settings.listen.flatMap(({ ip, announcedAddress }) =>
    protocols.map((protocol) => ({ protocol, ip, ...(announcedAddress ? { announcedAddress } : {}), ...(port === undefined ? {} : { port }) })),
  );
}
