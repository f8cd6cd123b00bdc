/**
 * How the call goes, as this browser measures it: every QUALITY_INTERVAL_MS
 * the call's WebRTC statistics are summarised into one sample (schema
 * `QualitySample`), which the service keeps per escalation and side. Built-in
 * calls send it over their signalling socket, Twilio calls post it to the API
 * (see builtin.ts and twilioRoom.ts). The join page runs this same code
 * (web/escalateCall.ts; its `summarize` is summarizeRtcStats), so both sides
 * of a call are measured alike:
 *
 * - the round trip is the media path's (RTCP, `remote-inbound-rtp`) or the
 *   selected candidate pair's (STUN), whichever is longer: either alone can
 *   miss a slow leg (the pair's is only the first hop to a TURN relay);
 * - loss and bitrate are of what this side receives, since the previous
 *   sample (the first sample's loss counts from the start of the call);
 * - the received video's size and freezes, and whether the media goes
 *   through a TURN relay.
 *
 * The summarising functions are pure (statistics in, sample and counters
 * out); QualityMonitor runs them on a timer.
 */
import type { QualitySample } from '../api/types';

export const QUALITY_INTERVAL_MS = 5_000;

/** The service's bounds (openapi.yaml, QualitySample): a sample past them is refused whole. */
const MAX_ROUND_TRIP_MS = 60_000;
const MAX_BITRATE_KBPS = 1_000_000;
const MAX_DIMENSION = 16_384;
const MAX_COUNT = 1_000_000;

/** What was received up to one sample: the next sample's loss and bitrate are the difference. */
export interface QualityTotals {
  /** ms since the epoch */
  at: number;
  packetsReceived: number;
  packetsLost: number;
  bytesReceived: number;
}

export interface QualitySummary {
  /** null while no round trip is known (nothing connected yet): nothing to report. */
  sample: QualitySample | null;
  /** Pass as `previous` with the next statistics. */
  totals: QualityTotals;
}

/** One statistic of an RTCStatsReport; only the fields read here matter. */
export interface RtcStat {
  id: string;
  type: string;
  [field: string]: unknown;
}

/** What RTCPeerConnection.getStats() resolves to (an RTCStatsReport), or a list of its statistics. */
export interface RtcStatsLike {
  forEach(callback: (stat: RtcStat) => void): void;
}

interface RemoteTrackStatsLike {
  packetsReceived?: number | null;
  packetsLost?: number | null;
  bytesReceived?: number | null;
}

/**
 * twilio-video's StatsReport (`Room.getStats()`), with the candidate pair
 * twilio-video reports but its typings leave out. Its `roundTripTime` is in
 * milliseconds already; the pair's `currentRoundTripTime` is in seconds.
 */
export interface TwilioStatsLike {
  localAudioTrackStats?: ReadonlyArray<{ roundTripTime?: number | null }>;
  localVideoTrackStats?: ReadonlyArray<{ roundTripTime?: number | null }>;
  remoteAudioTrackStats?: ReadonlyArray<RemoteTrackStatsLike>;
  remoteVideoTrackStats?: ReadonlyArray<
    RemoteTrackStatsLike & { dimensions?: { width?: number | null; height?: number | null } | null; freezeCount?: number }
  >;
  activeIceCandidatePair?: {
    currentRoundTripTime?: number | null;
    localCandidate?: { candidateType?: string | null } | null;
  } | null;
}

/** What one round of statistics says, before it becomes a sample. */
interface Measured {
  /** ms; undefined when no statistic had one */
  roundTrip?: number;
  relayed: boolean;
  received: number;
  lost: number;
  bytes: number;
  width?: number;
  height?: number;
  freezes?: number;
}

function num(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/** A counter: a missing or negative one (duplicates make `packetsLost` go below zero) counts as none. */
function count(value: unknown): number {
  return Math.max(0, num(value) ?? 0);
}

function round1(x: number): number {
  return Math.round(x * 10) / 10;
}

function clamp(x: number, max: number): number {
  return Math.min(max, Math.max(0, x));
}

function longer(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return Math.max(a, b);
}

function emptyMeasure(): Measured {
  return { relayed: false, received: 0, lost: 0, bytes: 0 };
}

/** The largest received video is the one on screen: its size is the sample's. */
function addVideo(m: Measured, width: unknown, height: unknown, freezes: unknown): void {
  const w = num(width);
  const h = num(height);
  if (w !== undefined && h !== undefined && w > 0 && (m.width === undefined || w * h > m.width * (m.height ?? 0))) {
    m.width = w;
    m.height = h;
  }
  const f = num(freezes);
  if (f !== undefined) m.freezes = (m.freezes ?? 0) + Math.max(0, f);
}

function summarize(m: Measured, previous: QualityTotals | undefined, now: number): QualitySummary {
  const totals: QualityTotals = { at: now, packetsReceived: m.received, packetsLost: m.lost, bytesReceived: m.bytes };
  if (m.roundTrip === undefined) return { sample: null, totals };
  // A connection closed since (a peer left) takes its counters with it: no negative loss or bitrate.
  const received = Math.max(0, m.received - (previous?.packetsReceived ?? 0));
  const lost = Math.max(0, m.lost - (previous?.packetsLost ?? 0));
  const sample: QualitySample = {
    round_trip_ms: round1(clamp(m.roundTrip, MAX_ROUND_TRIP_MS)),
    packet_loss_percent: round1(received + lost > 0 ? clamp((lost / (received + lost)) * 100, 100) : 0),
    relayed: m.relayed,
  };
  // A rate needs a time span: the first sample has none.
  if (previous && now > previous.at) {
    const bytes = Math.max(0, m.bytes - previous.bytesReceived);
    sample.bitrate_kbps = round1(clamp((bytes * 8) / (now - previous.at), MAX_BITRATE_KBPS));
  }
  if (m.width !== undefined && m.height !== undefined) {
    sample.width = Math.round(clamp(m.width, MAX_DIMENSION));
    sample.height = Math.round(clamp(m.height, MAX_DIMENSION));
  }
  if (m.freezes !== undefined) sample.freezes = Math.round(clamp(m.freezes, MAX_COUNT));
  return { sample, totals };
}

/**
 * Summarises the statistics of the call's peer connections (one
 * `getStats()` report each) since `previous` (the totals the last summary
 * returned; undefined for the first).
 */
export function summarizeRtcStats(
  reports: ReadonlyArray<RtcStatsLike>,
  previous: QualityTotals | undefined,
  now: number = Date.now(),
): QualitySummary {
  const m = emptyMeasure();
  for (const report of reports) {
    const byId = new Map<string, RtcStat>();
    report.forEach((s) => byId.set(s.id, s));
    const stats = [...byId.values()];
    // The pair ICE selected: the transport names it; without a transport
    // statistic (older browsers), the nominated pair that succeeded.
    const selectedId = stats.find((s) => s.type === 'transport' && typeof s.selectedCandidatePairId === 'string')
      ?.selectedCandidatePairId as string | undefined;
    const pair =
      (selectedId !== undefined ? byId.get(selectedId) : undefined) ??
      stats.find((s) => s.type === 'candidate-pair' && s.nominated === true && s.state === 'succeeded');
    if (pair) {
      const rtt = num(pair.currentRoundTripTime);
      if (rtt !== undefined) m.roundTrip = longer(m.roundTrip, rtt * 1000);
      const local = typeof pair.localCandidateId === 'string' ? byId.get(pair.localCandidateId) : undefined;
      if (local?.candidateType === 'relay') m.relayed = true;
    }
    for (const s of stats) {
      if (s.type === 'remote-inbound-rtp') {
        const rtt = num(s.roundTripTime);
        if (rtt !== undefined) m.roundTrip = longer(m.roundTrip, rtt * 1000);
      } else if (s.type === 'inbound-rtp') {
        m.received += count(s.packetsReceived);
        m.lost += count(s.packetsLost);
        m.bytes += count(s.bytesReceived);
        // `mediaType`: what browsers before `kind` called it.
        if ((s.kind ?? s.mediaType) === 'video') addVideo(m, s.frameWidth, s.frameHeight, s.freezeCount);
      }
    }
  }
  return summarize(m, previous, now);
}

/** The same summary of twilio-video's statistics (`Room.getStats()`). */
export function summarizeTwilioStats(
  reports: ReadonlyArray<TwilioStatsLike>,
  previous: QualityTotals | undefined,
  now: number = Date.now(),
): QualitySummary {
  const m = emptyMeasure();
  for (const r of reports) {
    for (const t of [...(r.localAudioTrackStats ?? []), ...(r.localVideoTrackStats ?? [])]) {
      const rtt = num(t.roundTripTime);
      if (rtt !== undefined) m.roundTrip = longer(m.roundTrip, rtt);
    }
    const remote: RemoteTrackStatsLike[] = [...(r.remoteAudioTrackStats ?? []), ...(r.remoteVideoTrackStats ?? [])];
    for (const t of remote) {
      m.received += count(t.packetsReceived);
      m.lost += count(t.packetsLost);
      m.bytes += count(t.bytesReceived);
    }
    for (const t of r.remoteVideoTrackStats ?? []) addVideo(m, t.dimensions?.width, t.dimensions?.height, t.freezeCount);
    const pair = r.activeIceCandidatePair;
    if (pair) {
      const rtt = num(pair.currentRoundTripTime);
      if (rtt !== undefined) m.roundTrip = longer(m.roundTrip, rtt * 1000);
      if (pair.localCandidate?.candidateType === 'relay') m.relayed = true;
    }
  }
  return summarize(m, previous, now);
}

export interface QualityMonitorOptions<R> {
  /**
   * The statistics now; undefined when there is nothing to measure (that
   * round is skipped, and the next sample starts afresh).
   */
  collect: () => Promise<R> | undefined;
  /**
   * Whether a sample could go out now (default: always). When not, the round
   * is skipped without measuring, and the next sample counts from the last
   * one: the call goes on meanwhile (e.g. its signalling reconnecting).
   */
  ready?: () => boolean;
  summarize: (reports: R, previous: QualityTotals | undefined, now: number) => QualitySummary;
  /** Takes each sample. What it throws or rejects with is dropped: a lost sample never disturbs the call. */
  send: (sample: QualitySample) => unknown;
  /** Times the call's connection came back so far, added to each sample. */
  reconnects?: () => number;
  intervalMs?: number;
}

/** Measures every `intervalMs` from start() until stop() (the end of the call). */
export class QualityMonitor<R> {
  private timer?: ReturnType<typeof setInterval>;
  private previous?: QualityTotals;
  private busy = false;

  constructor(private readonly options: QualityMonitorOptions<R>) {}

  get running(): boolean {
    return this.timer !== undefined;
  }

  start(): void {
    if (this.timer !== undefined) return;
    this.timer = setInterval(() => void this.measure(), this.options.intervalMs ?? QUALITY_INTERVAL_MS);
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.previous = undefined;
  }

  /** One round: collect, summarise, send. */
  async measure(): Promise<void> {
    // getStats of a struggling connection can take longer than the interval: one round at a time.
    if (this.busy || this.timer === undefined || this.options.ready?.() === false) return;
    this.busy = true;
    try {
      const pending = this.options.collect();
      if (!pending) {
        // Nothing connected: the next sample starts afresh rather than
        // against counters of connections that may be gone by then.
        this.previous = undefined;
        return;
      }
      const reports = await pending;
      // Stopped meanwhile: the call is over, and so is its reporting.
      if (this.timer === undefined) return;
      const { sample, totals } = this.options.summarize(reports, this.previous, Date.now());
      this.previous = totals;
      if (!sample) return;
      const reconnects = this.options.reconnects?.();
      if (reconnects !== undefined) sample.reconnects = Math.min(MAX_COUNT, reconnects);
      const sent = this.options.send(sample);
      if (sent && typeof (sent as Promise<unknown>).catch === 'function') (sent as Promise<unknown>).catch(() => undefined);
    } catch {
      // Statistics are best effort (a connection closing under getStats, a refused sample).
    } finally {
      this.busy = false;
    }
  }
}
