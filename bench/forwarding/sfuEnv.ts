/**
 * The sfu's settings for a crowd on one machine: the room holds everyone, and the per-address
 * limits on connections and joins are lifted, since every bench listener connects from loopback.
 */
export function crowdSfuEnv(participants: number): NodeJS.ProcessEnv {
  return {
    MAX_PARTICIPANTS_PER_ROOM: String(participants),
    MAX_CONNECTIONS_PER_IP: '100000',
    CONNECT_BURST_PER_IP: '100000',
    JOIN_BURST: '100000',
  };
}
