import { RTCRtpCodecParameters, RTCRtpHeaderExtensionParameters, type PeerConfig, type RTCPeerConnection } from 'werift';
import type { SfuConfig } from './config.js';

export const AUDIO_LEVEL_URI = 'urn:ietf:params:rtp-hdrext:ssrc-audio-level';

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
          // Answered from the consumer's send history (werift keeps 128 packets per sender).
          rtcpFeedback: [{ type: 'nack' }],
        }),
      ],
      video: [],
    },
    // Read for "who is speaking" and passed on so that browsers can show levels too.
    headerExtensions: { audio: [new RTCRtpHeaderExtensionParameters({ uri: AUDIO_LEVEL_URI })], video: [] },
    iceUseIpv4: true,
    iceUseIpv6: false,
    // werift listens on a TCP port per peer (from the same range) next to UDP. Its passive candidate
    // carries the listen address only, so behind NAT a client that cannot use UDP needs TURN over
    // TCP/TLS (TURN_URLS with ?transport=tcp or turns:) instead.
    iceUseTcp: config.RTC_ICE_TCP,
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

/**
 * werift writes an inactive m-section with port 0, which means "rejected" and may not sit in a
 * BUNDLE group; an idle forwarding transceiver is only paused, so it keeps the discard port 9.
 */
export function keepInactiveSectionsBundled(sdp: string): string {
  const sections = sdp.split(/(?=\r\nm=)/);
  return sections
    .map((section) => (/\r\na=inactive(\r\n|$)/.test(section) ? section.replace(/^\r\nm=(audio|video) 0 /, '\r\nm=$1 9 ') : section))
    .join('');
}

/**
 * werift asks stun.l.google.com for a server-reflexive candidate whenever no STUN server is
 * configured. A self-hosted SFU must not contact a third party (and where that host is
 * unreachable, every answer waits for the timeout): its public address comes from
 * RTC_ANNOUNCED_IP instead. Call after setRemoteDescription, which creates the ICE transports,
 * and before setLocalDescription, which gathers.
 */
export function disableImplicitStun(pc: RTCPeerConnection): void {
  for (const transport of pc.iceTransports) {
    (transport.connection as { stunServer?: unknown }).stunServer = undefined;
  }
}
