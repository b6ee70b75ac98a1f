import { RTCRtpCodecParameters, type PeerConfig } from 'werift';
import type { SfuConfig } from './config.js';

/** The werift peer-connection options every participant gets, from config. */
export interface RtcSettings {
  peerConfig: Partial<PeerConfig>;
  /** When the SFU listens on one address, only candidates for it (or the announced one) are offered. */
  allowedCandidateIps: Set<string> | undefined;
}

export function rtcSettingsFromConfig(config: SfuConfig): RtcSettings {
  const listenIp = config.RTC_LISTEN_IP;
  const announced = config.RTC_ANNOUNCED_IP;
  const peerConfig: Partial<PeerConfig> = {
    codecs: {
      audio: [
        new RTCRtpCodecParameters({
          mimeType: 'audio/opus',
          clockRate: 48_000,
          channels: 2,
          parameters: 'minptime=10;useinbandfec=1',
        }),
      ],
      video: [],
    },
    iceUseIpv4: true,
    iceUseIpv6: false,
    bundlePolicy: 'max-bundle',
  };
  if (config.RTC_MIN_PORT !== undefined && config.RTC_MAX_PORT !== undefined) {
    peerConfig.icePortRange = [config.RTC_MIN_PORT, config.RTC_MAX_PORT];
  }
  if (listenIp && listenIp !== '0.0.0.0') peerConfig.iceInterfaceAddresses = { udp4: listenIp };
  const extraHosts = [announced, listenIp].filter((ip): ip is string => !!ip && ip !== '0.0.0.0');
  if (extraHosts.length) peerConfig.iceAdditionalHostAddresses = [...new Set(extraHosts)];
  const allowedCandidateIps = listenIp && listenIp !== '0.0.0.0' ? new Set(extraHosts) : undefined;
  return { peerConfig, allowedCandidateIps };
}

/** Drops `a=candidate` lines whose address is not one we really listen on. */
export function filterSdpCandidates(sdp: string, allowedIps: Set<string> | undefined): string {
  if (!allowedIps) return sdp;
  return sdp
    .split('\r\n')
    .filter((line) => {
      if (!line.startsWith('a=candidate:')) return true;
      const address = line.split(' ')[4];
      return address !== undefined && allowedIps.has(address);
    })
    .join('\r\n');
}
