import type { JoinNetwork } from '../api/types';

/**
 * A peer connection made ahead of need. On a relay-only call the first step
 * before any media is the TURN allocation: two round trips to the TURN
 * server, the biggest share of the time to video on a slow mobile path. A
 * connection made with `iceCandidatePoolSize` allocates at once, while nobody
 * waits, and the call that takes it later has its candidates ready.
 *
 * Who makes one: the customer's page while the customer reads it (the ICE
 * servers of `GET /v1/join/{code}/network`, handed to the call for its first
 * connection), and a built-in call whose side waits for others to join
 * (staff), one spare for whoever comes next.
 */
export class SpareConnection {
  private pc?: RTCPeerConnection;
  private until = Infinity;

  /**
   * Starts a connection gathering unless one is; nothing without ICE servers
   * (host candidates take no time). `until`: when its TURN passwords end
   * (ms since the epoch; NaN: never).
   */
  keep(config: RTCConfiguration, until: number): void {
    const stale = Date.now() >= until - 60_000; // false for NaN
    if (this.pc || stale || !config.iceServers?.length || typeof RTCPeerConnection === 'undefined') return;
    this.pc = new RTCPeerConnection({ ...config, iceCandidatePoolSize: 1 });
    this.until = until;
  }

  /** The connection kept, while its passwords last another minute; none is kept after. */
  take(now = Date.now()): RTCPeerConnection | undefined {
    const pc = this.pc;
    this.pc = undefined;
    const stale = now >= this.until - 60_000;
    if (pc && pc.signalingState !== 'closed' && !stale) return pc;
    pc?.close();
    return undefined;
  }

  close(): void {
    this.pc?.close();
    this.pc = undefined;
  }
}

/** The ICE settings of a grant or of `GET /v1/join/{code}/network`'s answer, as RTCPeerConnection takes them. */
export function iceConfig(network: Partial<Pick<JoinNetwork, 'ice_servers' | 'ice_transport_policy'>>): RTCConfiguration {
  return { iceServers: (network.ice_servers ?? []) as RTCIceServer[], iceTransportPolicy: network.ice_transport_policy ?? 'all' };
}
