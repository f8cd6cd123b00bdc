/**
 * Video calls for the join page and the dashboard's test call
 * (dashboard/templates/join.html, dashboard/assets/join.js), behind one small
 * interface whichever provider carries the call:
 *
 *   EscalateCall.connect(grant, { stream, timeoutMs }) -> Promise<call>
 *   call.on('remote-stream', fn(identity, MediaStream))
 *   call.on('peer-joined' | 'peer-left', fn(identity, role))
 *   call.on('peer-state', fn(identity, { audio, video }))   // their mic / camera
 *   call.on('status', fn('connected' | 'reconnecting'))
 *   call.on('ended', fn(reason))  // 'completed' | 'left' | 'replaced' | 'lost' | a close reason
 *   call.on('quality', fn(sample))  // every few seconds: how the call goes (see `summarize`)
 *   call.on('asked', fn(from, what))  // staff ask this customer, e.g. 'back_camera'
 *   call.on('told', fn(from, what))   // staff tell this customer, e.g. 'snapshot_taken'
 *   call.setEnabled('audio' | 'video', on); call.leave(); call.peerCount()
 *   call.ask(what) -> boolean   // staff: ask the customers in the call (false where it cannot be carried)
 *   call.tell(what) -> boolean  // staff: tell the customers in the call (likewise)
 *   built-in calls only: call.peerConnections(), call.dropSignaling()
 *   Twilio calls only: call.room (twilio-video's Room)
 *   EscalateCall.summarize(reports, prev) -> { sample, totals }  // RTCStatsReports since `prev` (the last totals)
 *   EscalateCall.prepare(network)  // before the click: GET /v1/join/{code}/network's answer (see video/ahead.ts)
 *   EscalateCall.release()         // the page will not join (the call ended, the link failed, the page goes)
 *
 * `grant` is the token answer of the API. `connect` rejects with
 * `{ reason }` (and `code`, the close code, when the service refused):
 * 'unsupported' (no WebRTC), 'unavailable' (a Twilio grant and no
 * `window.Twilio.Video`), 'unreachable', 'expired', 'completed', or what the
 * service refused ('room_full', 'replaced', 'unauthorized', ...).
 *
 * The calls are the Flex plugin's own (video/builtin.ts, video/twilioRoom.ts),
 * so the agent's and the customer's sides run the same code. Twilio grants
 * use the page's `window.Twilio.Video` (the vendored twilio-video script,
 * loaded only for Twilio calls): it is never bundled here. The stream is the
 * page's preview: the call never stops its tracks.
 *
 * `npm run build:web` bundles this file into dashboard/assets/rtc.js.
 */
import type { Room } from 'twilio-video';
import type { JoinNetwork } from '../api/types';
import { iceConfig, SpareConnection } from '../video/ahead';
import { CONNECT_TIMEOUT_MS, connectBuiltin, type BuiltinCall } from '../video/builtin';
import { CallError, type AskWhat, type Call, type CallEventMap, type CallEventName, type CallEvents, type TellWhat, type VideoGrant } from '../video/call';
import { summarizeRtcStats, type QualitySummary, type RtcStatsLike } from '../video/quality';
import { connectTwilioRoom, type TwilioCall, type TwilioVideo } from '../video/twilioRoom';

type Handler = (...args: unknown[]) => void;

/** A call as the page holds it: its events by name, and what the page does with it. */
export abstract class PageCall {
  private readonly handlers: { [name: string]: Handler[] } = {};
  call!: Call;

  on<K extends CallEventName>(name: K, fn: (...args: CallEventMap[K]) => void): this {
    (this.handlers[name] ??= []).push(fn as unknown as Handler);
    return this;
  }

  /** Calls each handler in turn: one that throws is logged and never stops the next, nor the call. */
  readonly emit: CallEvents = (name, ...args) => {
    for (const fn of [...(this.handlers[name] ?? [])]) {
      try {
        fn(...args);
      } catch (err) {
        console.error(err);
      }
    }
  };

  abstract setEnabled(kind: 'audio' | 'video', on: boolean): void;

  leave(): void {
    this.call.leave();
  }

  peerCount(): number {
    return this.call.peerCount();
  }

  ask(what: AskWhat): boolean {
    const customers = this.call.remotes().filter((r) => r.role === 'customer');
    return customers.map((r) => this.call.ask(r.identity, what)).some(Boolean);
  }

  tell(what: TellWhat): boolean {
    return this.call.tell(what);
  }
}

export class BuiltinPageCall extends PageCall {
  declare call: BuiltinCall;

  /** What the other side is told (the page turns its tracks on and off itself). */
  setEnabled(kind: 'audio' | 'video', on: boolean): void {
    if (kind === 'audio') this.call.setMicEnabled(on);
    else void this.call.setCameraEnabled(on);
  }

  /** For the page's camera switch and screen share (RTCRtpSender.replaceTrack), diagnostics and the browser tests. */
  peerConnections(): RTCPeerConnection[] {
    return this.call.peerConnections();
  }

  /** Drops the signalling connection as a network would (for tests and diagnostics). */
  dropSignaling(): void {
    this.call.dropSignaling();
  }
}

export class TwilioPageCall extends PageCall {
  declare call: TwilioCall;
  /** twilio-video's room: the page publishes its screen and a switched camera there. */
  room!: Room;

  setEnabled(kind: 'audio' | 'video', on: boolean): void {
    this.call.setTracksEnabled(kind, on);
  }
}

export interface ConnectOptions {
  /** The page's camera and microphone (null or none: a call that only receives). */
  stream?: MediaStream | null;
  /** How long joining may take before it counts as unreachable (default 20 s). */
  timeoutMs?: number;
}

/** Why `connect` failed, as the page reads it. */
export interface Refusal {
  reason: string;
  code?: number;
}

function refusal(err: unknown): Refusal {
  if (err instanceof CallError) return { reason: err.reason, code: err.code };
  // twilio-video's own errors (its signalling, the token, the network): the page cannot tell them apart.
  return { reason: 'unreachable' };
}

type PageWindow = { Twilio?: { Video?: TwilioVideo & { isSupported?: boolean } } };

/** The connection the page prepared before the click: the built-in call's first. */
const ahead = new SpareConnection();

/**
 * Starts the call's first connection while the customer reads the page, so
 * that its TURN relay is allocated before the click (see video/ahead.ts).
 * Nothing to do for a call whose provider brings its own network.
 */
export function prepare(network: JoinNetwork): void {
  ahead.keep(iceConfig(network), Date.parse(network.expires_at ?? ''));
}

/** Closes what `prepare` made: its TURN relay is not held for a call that will not happen. */
export function release(): void {
  ahead.close();
}

export function connect(grant: VideoGrant, opts: ConnectOptions = {}): Promise<PageCall> {
  const stream = opts.stream || undefined;
  const timeoutMs = opts.timeoutMs || CONNECT_TIMEOUT_MS;
  if (grant.provider === 'builtin') {
    const page = new BuiltinPageCall();
    return connectBuiltin(grant, stream, { timeoutMs, events: page.emit, keepMedia: true, ahead }).then((call) => {
      page.call = call;
      return page;
    }, reject);
  }
  ahead.close();
  const video = (window as unknown as PageWindow).Twilio?.Video;
  if (!video) return Promise.reject<PageCall>({ reason: 'unavailable' });
  if (video.isSupported === false) return Promise.reject<PageCall>({ reason: 'unsupported' });
  const page = new TwilioPageCall();
  return connectTwilioRoom(video, grant, undefined, {
    tracks: stream ? stream.getTracks().filter((t) => t.readyState === 'live') : [],
    timeoutMs,
    events: page.emit,
    keepMedia: true,
    // The page posts a Twilio call's samples itself.
    reportQuality: (sample) => page.emit('quality', sample),
  }).then((call) => {
    page.call = call;
    page.room = call.room;
    return page;
  }, reject);
}

function reject(err: unknown): never {
  throw refusal(err);
}

/** What was received up to one sample, as `summarize` returns it and takes it back. */
export interface PageTotals {
  at: number;
  received: number;
  lost: number;
  bytes: number;
}

/**
 * A quality sample of RTCPeerConnection statistics (one getStats() report
 * per connection) since `prev`, the totals the last call returned (none for
 * the first): the sample built-in calls send, see video/quality.ts.
 */
export function summarize(
  reports: ReadonlyArray<RtcStatsLike>,
  prev?: PageTotals | null,
): { sample: QualitySummary['sample']; totals: PageTotals } {
  const out = summarizeRtcStats(
    reports,
    prev ? { at: prev.at, packetsReceived: prev.received, packetsLost: prev.lost, bytesReceived: prev.bytes } : undefined,
  );
  const t = out.totals;
  return { sample: out.sample, totals: { at: t.at, received: t.packetsReceived, lost: t.packetsLost, bytes: t.bytesReceived } };
}

(window as unknown as { EscalateCall: unknown }).EscalateCall = { connect, summarize, prepare, release };
