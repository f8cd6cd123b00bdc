/**
 * The built-in provider: WebRTC between the browsers, signalling through the
 * service's WebSocket (`signaling_url` of the grant), TURN from the grant's
 * `ice_servers`. The protocol's message shapes and close codes are not
 * written here: they come from ./generated/signaling.ts, generated from their
 * one definition on the Rust side (crates/app/src/video/builtin/protocol.rs).
 * The customer's join page runs this same call (web/escalateCall.ts, bundled
 * into dashboard/assets/rtc.js). In short:
 *
 * - first message `hello {token, session}`; the service answers
 *   `welcome {peers}`, then `peer_joined`, `peer_reconnected`, `peer_left`,
 *   `signal {from, data}`, `state {from, audio, video}` and `ended`;
 * - this side sends `signal {to, data}`, `state {audio, video}`, `ping`
 *   every 20 s, `quality {sample}` every 5 s (see quality.ts; not from a
 *   call made with `reportQuality` false), staff's `ask {to, what}` and
 *   `tell {what}` (the customers hear `asked` and `told`) and `bye` when leaving;
 * - one RTCPeerConnection per other participant with "perfect negotiation"
 *   (the polite side, own identity > theirs, yields on a collision); the
 *   newcomer makes the first offer;
 * - ICE restarts on `failed` and after 2.5 s of `disconnected`;
 * - a new connection's camera goes out at most 320×240 until 2 s after it
 *   connects, so Chrome encodes its first frame at once (firstFrames.ts);
 * - a closed WebSocket reconnects with backoff and the same credential until
 *   it expires, except after the final close codes (FINAL_CLOSES);
 * - another microphone or camera, and a shared screen, go out on the same
 *   senders (RTCRtpSender.replaceTrack): no renegotiation, and the other side
 *   simply sees the screen as this side's video;
 * - receive-only (a supervisor monitoring): no local stream at all, so every
 *   connection only has `recvonly` transceivers, and `state` says audio and
 *   video off;
 * - the join page (web/escalateCall.ts) runs this same call with CallHooks:
 *   every event as it happens (CallEventMap), and its preview's camera and
 *   microphone left running when the call ends.
 *
 * A screen the other side shares arrives the same way: their sender swaps its
 * camera track for the screen (replaceTrack), so on this side it is the same
 * remote video track of the same transceiver with other frames; `ontrack`
 * does not fire again and `RemotePeer.screen` is never set here.
 */
import {
  CallError,
  Listeners,
  ReceiveOnlyError,
  roleOf,
  type Call,
  type CallEvents,
  type CallHooks,
  type CallStatus,
  type EndReason,
  type MediaState,
  type RemotePeer,
  type Role,
  type VideoGrant,
} from './call';
import { iceConfig, SpareConnection } from './ahead';
import { FULL_SIZE_AFTER_MS, startSmall } from './firstFrames';
import { browserMedia, deviceConstraints, deviceIdOf, onTrackEnded, SCREEN, type DeviceKind, type DeviceSelection, type MediaAccess } from './media';
import { QualityMonitor, summarizeRtcStats } from './quality';
import {
  CLOSE,
  FINAL_CLOSES,
  type AskWhat,
  type ClientMessage,
  type CloseReason,
  type Peer,
  type ServerMessage,
  type SignalData,
  type TellWhat,
} from './generated/signaling';

/** The close reasons after which the socket reconnects; every other one is final. */
const RETRYABLE_CLOSES = ['bye', 'hello_timeout', 'going_away', 'internal'] as const satisfies readonly CloseReason[];
type FinalCloseReason = Exclude<CloseReason, (typeof RETRYABLE_CLOSES)[number]>;

function isFinalClose(reason: CloseReason): reason is FinalCloseReason {
  return !(RETRYABLE_CLOSES as readonly CloseReason[]).includes(reason);
}

/**
 * How a call ends after a final close: as the close's reason, except `ended`
 * (someone ended the escalation), which a call calls `completed`. Typed
 * against the generated reasons: a new final one that EndReason lacks fails
 * to compile here.
 */
export function endReasonOfClose(reason: FinalCloseReason): EndReason {
  return reason === 'ended' ? 'completed' : reason;
}

/** Close codes after which reconnecting cannot help, and how the call ends: the generated FINAL_CLOSES as EndReasons. */
export const FINAL_CLOSE_CODES: Readonly<Record<number, EndReason>> = Object.freeze(
  Object.fromEntries(
    Object.entries(FINAL_CLOSES).flatMap(([code, reason]) => (isFinalClose(reason) ? [[Number(code), endReasonOfClose(reason)]] : [])),
  ),
);
export const PING_MS = 20_000;
export const RECONNECT_MAX_MS = 8_000;
/** A 'disconnected' ICE state often heals by itself; restart if it does not. */
export const ICE_GRACE_MS = 2_500;
export const CONNECT_TIMEOUT_MS = 20_000;

const OPEN = 1; // WebSocket.OPEN

/**
 * A received message as far as it was checked: an object with a string
 * `type`. Its fields are as ServerMessage says when the service sent it, but
 * it is read defensively all the same (a missing field does no harm) and an
 * unknown `type` is ignored.
 */
function parseServerMessage(data: unknown): ServerMessage | undefined {
  let msg: unknown;
  try {
    msg = JSON.parse(String(data));
  } catch {
    return undefined;
  }
  if (typeof msg !== 'object' || msg === null || typeof (msg as { type?: unknown }).type !== 'string') return undefined;
  return msg as ServerMessage;
}

/** Our connection with another participant. */
interface PeerLink {
  pc: RTCPeerConnection;
  polite: boolean;
  makingOffer: boolean;
  ignoreOffer: boolean;
  role: Role;
  timer?: ReturnType<typeof setTimeout>;
  stream?: MediaStream;
  /** What this side sends them, per kind (none for a kind it had no track of). */
  senders: Partial<Record<'audio' | 'video', RTCRtpSender>>;
  /** An ICE restart is under way: its success counts as the connection coming back. */
  restarting?: boolean;
  /** While this side answers: its candidates, sent after the answer. */
  held?: ClientMessage[];
  /** Puts the camera's sender back to full size (see firstFrames.ts): called once, after connecting. */
  fullSize?: () => void;
  fullSizeTimer?: ReturnType<typeof setTimeout>;
}

export interface BuiltinOptions extends CallHooks {
  /** How long the first connection may take before it counts as unreachable. */
  timeoutMs?: number;
  /** Device switches and screen capture (default: the browser's). */
  media?: MediaAccess;
  /** Join without sending anything (monitoring): pass no stream with it. */
  receiveOnly?: boolean;
  /** Send the call's quality samples to the service (default true; false when they are not this side's, e.g. a supervisor's). */
  reportQuality?: boolean;
  /** A connection made before joining, its candidates gathered (see ahead.ts): the first peer's. Closed with the call. */
  ahead?: SpareConnection;
}

/**
 * Answers the offer `pc` holds. The answer is first set as provisional
 * (`pranswer`): Chrome drops a connection's candidate pool when a final
 * answer completes the negotiation, before gathering starts, so an answering
 * side would allocate its TURN relay only then (two more round trips to TURN
 * before any media); a provisional answer starts gathering with the relay
 * allocated ahead (ahead.ts). A browser that refuses `pranswer` just sets the
 * answer.
 */
function answer(pc: RTCPeerConnection): Promise<void> {
  return pc.createAnswer().then((sdp) =>
    pc
      .setLocalDescription({ type: 'pranswer', sdp: sdp.sdp })
      .catch(() => undefined)
      .then(() => pc.setLocalDescription({ type: 'answer', sdp: sdp.sdp })),
  );
}

function randomId(): string {
  const bytes = new Uint8Array(12);
  globalThis.crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

export class BuiltinCall implements Call {
  readonly provider = 'builtin' as const;
  readonly identity: string;
  /** This page session's id: a reconnect with it keeps our place in the room. */
  readonly session = randomId();
  status: CallStatus = 'connected';
  ended?: EndReason;

  private readonly listeners = new Listeners();
  private readonly peers = new Map<string, PeerLink>();
  /** Joined, their first offer not here yet. */
  private readonly expected = new Map<string, Role>();
  /** Their microphone and camera, as they last said (may come before their connection). */
  private readonly states = new Map<string, MediaState>();
  /** Signals, states and tells queued while the WebSocket is down. */
  private outbox: ClientMessage[] = [];
  private ws: WebSocket | null = null;
  private open = false;
  private attempt = 0;
  private audio: boolean;
  private video: boolean;
  private pinger?: ReturnType<typeof setInterval>;
  private reconnectTimer?: ReturnType<typeof setTimeout>;
  private onFirstWelcome?: () => void;
  private onFirstFailure?: (err: CallError) => void;
  /** The shared screen, sent in the camera's place while it lasts. */
  private screen?: { track: MediaStreamTrack; unwatch: () => void };
  /** Welcomed at least once: a later welcome is the signalling coming back. */
  private welcomed = false;
  /** Times the connection came back (signalling reconnected, or media after an ICE restart), for the quality samples. */
  private reconnects = 0;
  private readonly quality = new QualityMonitor<RTCStatsReport[]>({
    collect: () => this.collectStats(),
    ready: () => this.canSend(),
    summarize: summarizeRtcStats,
    send: (sample) => {
      this.send({ type: 'quality', sample });
      this.emit('quality', sample);
    },
    reconnects: () => this.reconnects,
  });
  /**
   * The next peer's connection, gathering ahead: the page's before the click
   * (see ahead.ts), and on a side that waits for others (staff) one spare,
   * so that whoever joins does not wait for this side's TURN allocation.
   */
  private readonly spare: SpareConnection;
  /** Tells CallHooks.events, if any. */
  private readonly emit: CallEvents;
  /** The stream is the page's: finish leaves its tracks running (CallHooks.keepMedia). */
  private readonly keepMedia: boolean;

  constructor(
    readonly grant: VideoGrant,
    readonly localStream: MediaStream | undefined,
    private readonly media: MediaAccess = browserMedia(),
    /** Sends nothing: no stream, and the camera, devices and screen share are refused. */
    readonly receiveOnly = false,
    /** Sends quality samples over the signalling socket (see BuiltinOptions.reportQuality). */
    private readonly reportQuality = true,
    { events, keepMedia = false, ahead }: CallHooks & Pick<BuiltinOptions, 'ahead'> = {},
  ) {
    this.spare = ahead ?? new SpareConnection();
    if (receiveOnly && localStream) throw new Error('A receive-only call takes no local stream');
    this.identity = grant.identity;
    this.emit = (name, ...args) => events?.(name, ...args);
    this.keepMedia = keepMedia;
    // What the other side is told it gets: nothing of a kind without a track
    // of it that is on (a camera or microphone denied, missing, gone or muted).
    const on = (t: MediaStreamTrack) => t.enabled && t.readyState === 'live';
    this.audio = !!localStream && localStream.getAudioTracks().some(on);
    this.video = !!localStream && localStream.getVideoTracks().some(on);
  }

  get micEnabled(): boolean {
    return this.audio;
  }

  get cameraEnabled(): boolean {
    return this.video;
  }

  /** Resolves on the first `welcome`; rejects with a CallError when the first connection is refused or cannot be made. */
  start(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.onFirstWelcome = resolve;
      this.onFirstFailure = reject;
      this.connectSignaling();
      if (this.reportQuality) this.quality.start();
    });
  }

  onChange(listener: () => void): () => void {
    return this.listeners.add(listener);
  }

  private changed(): void {
    this.listeners.emit();
  }

  private setStatus(status: CallStatus): void {
    if (this.ended) return;
    this.status = status;
    this.changed();
    this.emit('status', status);
  }

  private connectSignaling(): void {
    if (this.ended) return;
    const url = this.grant.signaling_url;
    let ws: WebSocket;
    try {
      if (!url) throw new Error('no signaling_url');
      ws = new WebSocket(url);
    } catch {
      this.signalingLost(undefined);
      return;
    }
    this.ws = ws;
    ws.onopen = () => {
      ws.send(JSON.stringify({ type: 'hello', token: this.grant.token, session: this.session } satisfies ClientMessage));
    };
    ws.onmessage = (ev: MessageEvent) => {
      if (this.ws !== ws) return;
      const msg = parseServerMessage(ev.data);
      if (msg) this.handle(msg);
    };
    ws.onclose = (ev: CloseEvent) => {
      if (this.ws !== ws) return;
      this.open = false;
      clearInterval(this.pinger);
      this.signalingLost(ev);
    };
  }

  private signalingLost(ev: { code: number } | undefined): void {
    if (this.ended) return;
    const code = ev ? ev.code : 0;
    const final = FINAL_CLOSE_CODES[code];
    if (final) {
      this.failFirst(new CallError(final, code));
      this.finish(final);
      return;
    }
    if (this.onFirstFailure && this.attempt >= 2) {
      // Never got in: say so instead of retrying behind a spinner.
      this.failFirst(new CallError('unreachable', code || undefined));
      this.finish('unreachable');
      return;
    }
    if (Date.parse(this.grant.expires_at) <= Date.now()) {
      this.finish('expired');
      return;
    }
    // The media connections live on without signalling; only new
    // negotiations wait for it to come back.
    this.setStatus('reconnecting');
    const wait = Math.min(RECONNECT_MAX_MS, 250 * 2 ** this.attempt++);
    this.reconnectTimer = setTimeout(() => this.connectSignaling(), wait);
  }

  private failFirst(err: CallError): void {
    const fail = this.onFirstFailure;
    this.onFirstFailure = undefined;
    this.onFirstWelcome = undefined;
    fail?.(err);
  }

  /**
   * Every connection's statistics, with someone to measure the call with.
   * Samples only go out on the open socket (see canSend: they are never
   * queued, the next one is as good); while it reconnects no round is
   * measured, and the next sample counts from the last one sent.
   */
  private collectStats(): Promise<RTCStatsReport[]> | undefined {
    if (this.peers.size === 0) return undefined;
    return Promise.all([...this.peers.values()].map((p) => p.pc.getStats()));
  }

  private canSend(): boolean {
    return this.open && !!this.ws && this.ws.readyState === OPEN;
  }

  private send(msg: ClientMessage): void {
    if (this.canSend()) this.ws!.send(JSON.stringify(msg));
    // A tell is kept too: the customer should hear of a photo taken while
    // this side was reconnecting. An ask is not worth repeating late.
    else if (msg.type === 'signal' || msg.type === 'state' || msg.type === 'tell') this.outbox.push(msg);
  }

  /** `video` is "a picture is going out": the customer's page would say "camera off" over a shared screen. */
  private sendState(): void {
    this.send({ type: 'state', audio: this.audio, video: this.video || this.screen !== undefined });
  }

  private handle(msg: ServerMessage): void {
    switch (msg.type) {
      case 'welcome': {
        const peers: Peer[] = Array.isArray(msg.peers) ? msg.peers : [];
        this.open = true;
        this.attempt = 0;
        if (this.welcomed) this.reconnects++;
        this.welcomed = true;
        clearInterval(this.pinger);
        this.pinger = setInterval(() => this.send({ type: 'ping' }), PING_MS);
        const queued = this.outbox;
        this.outbox = [];
        this.sendState();
        for (const q of queued) this.send(q);
        for (const p of peers) {
          const known = this.peers.get(p.identity);
          if (!known) this.addPeer(p.identity, p.role ?? roleOf(p.identity));
          else if (known.pc.iceConnectionState === 'failed' || known.pc.iceConnectionState === 'disconnected') {
            this.restart(p.identity);
          }
        }
        // Peers that left while we were away.
        for (const id of [...this.peers.keys()]) {
          if (!peers.some((p) => p.identity === id)) this.removePeer(id);
        }
        this.keepSpare();
        this.setStatus('connected');
        const welcome = this.onFirstWelcome;
        this.onFirstWelcome = undefined;
        this.onFirstFailure = undefined;
        welcome?.();
        break;
      }
      case 'peer_joined': {
        // A new page session of that identity: start afresh with it. The
        // newcomer makes the first offer (it knows who is here); this side
        // makes its connection when that offer arrives, so the first
        // negotiation never collides.
        const { peer } = msg;
        if (!peer) break;
        if (this.peers.has(peer.identity)) this.removePeer(peer.identity);
        this.expected.set(peer.identity, peer.role ?? roleOf(peer.identity));
        this.sendState();
        break;
      }
      case 'peer_reconnected': {
        const { identity } = msg;
        const p = this.peers.get(identity);
        if (p && p.pc.iceConnectionState !== 'connected' && p.pc.iceConnectionState !== 'completed') this.restart(identity);
        this.sendState();
        break;
      }
      case 'peer_left': {
        const { identity } = msg;
        this.expected.delete(identity);
        this.states.delete(identity);
        this.removePeer(identity);
        this.changed();
        break;
      }
      case 'signal':
        this.onSignal(msg.from, msg.data);
        break;
      case 'state': {
        // Told as it comes, connection or not: someone who joined without a
        // camera or microphone says so before (or instead of) any media.
        const state = { audio: !!msg.audio, video: !!msg.video };
        this.states.set(msg.from, state);
        this.changed();
        this.emit('peer-state', msg.from, { ...state });
        break;
      }
      case 'asked':
        this.emit('asked', msg.from, msg.what);
        break;
      case 'told':
        this.emit('told', msg.from, msg.what);
        break;
      case 'ended':
        this.finish('completed');
        break;
      default:
        // `pong`, `error` (the close that follows says what it was) and any
        // type this version does not know.
        break;
    }
  }

  private rtcConfig(): RTCConfiguration {
    return iceConfig(this.grant);
  }

  /**
   * Staff waiting alone for someone to join (or come back): one connection
   * gathers ahead for them. Only while alone: each spare holds a TURN relay.
   */
  private keepSpare(): void {
    const waits = !this.ended && !this.receiveOnly && this.peers.size === 0 && roleOf(this.identity) !== 'customer';
    if (waits) this.spare.keep(this.rtcConfig(), Date.parse(this.grant.expires_at));
  }

  private addPeer(identity: string, role: Role): void {
    const pc = this.spare.take() ?? new RTCPeerConnection(this.rtcConfig());
    // The polite peer yields when both offer at once; the rule only needs
    // to be the same on both sides.
    const peer: PeerLink = { pc, polite: this.identity > identity, makingOffer: false, ignoreOffer: false, role, senders: {} };
    this.peers.set(identity, peer);
    const stream = this.localStream;
    const local = stream ? stream.getTracks().filter((t) => t.readyState === 'live') : [];
    for (const t of local) {
      // Someone joining during a screen share gets the screen in the camera's place.
      const track = t.kind === 'video' && this.screen ? this.screen.track : t;
      peer.senders[t.kind as 'audio' | 'video'] = pc.addTrack(track, stream!);
    }
    const camera = peer.senders.video;
    peer.fullSize = camera && startSmall(camera);
    // Without a camera or microphone we still receive theirs.
    if (!local.some((t) => t.kind === 'audio')) pc.addTransceiver('audio', { direction: 'recvonly' });
    if (!local.some((t) => t.kind === 'video')) pc.addTransceiver('video', { direction: 'recvonly' });

    pc.onnegotiationneeded = () => {
      peer.makingOffer = true;
      pc.setLocalDescription()
        .then(() => {
          if (pc.localDescription) this.send({ type: 'signal', to: identity, data: { description: pc.localDescription.toJSON() } });
        })
        .catch(() => undefined)
        .then(() => {
          peer.makingOffer = false;
        });
    };
    pc.onicecandidate = (ev: RTCPeerConnectionIceEvent) => {
      if (!ev.candidate) return;
      const msg: ClientMessage = { type: 'signal', to: identity, data: { candidate: ev.candidate.toJSON() } };
      if (peer.held) peer.held.push(msg);
      else this.send(msg);
    };
    pc.ontrack = (ev: RTCTrackEvent) => {
      const remote = ev.streams && ev.streams[0] ? ev.streams[0] : (peer.stream ?? new MediaStream());
      if (!remote.getTracks().includes(ev.track)) remote.addTrack(ev.track);
      peer.stream = remote;
      this.changed();
      this.emit('remote-stream', identity, remote);
    };
    pc.oniceconnectionstatechange = () => {
      const state = pc.iceConnectionState;
      clearTimeout(peer.timer);
      if (state === 'failed') this.restart(identity);
      else if (state === 'disconnected') peer.timer = setTimeout(() => this.restart(identity), ICE_GRACE_MS);
      else if (state === 'connected' || state === 'completed') {
        if (peer.fullSize) {
          peer.fullSizeTimer = setTimeout(peer.fullSize, FULL_SIZE_AFTER_MS);
          peer.fullSize = undefined;
        }
        if (peer.restarting) {
          peer.restarting = false;
          this.reconnects++;
        }
        this.setStatus('connected');
      }
    };
    this.changed();
    this.emit('peer-joined', identity, role);
  }

  private restart(identity: string): void {
    const peer = this.peers.get(identity);
    if (!peer || peer.pc.signalingState === 'closed') return;
    this.setStatus('reconnecting');
    peer.restarting = true;
    // Fires negotiationneeded with an ICE-restart offer.
    peer.pc.restartIce();
  }

  private onSignal(from: string, data: SignalData | undefined): void {
    if (!this.peers.has(from) && data?.description?.type === 'offer') {
      this.addPeer(from, this.expected.get(from) ?? roleOf(from));
    }
    this.expected.delete(from);
    const peer = this.peers.get(from);
    if (!peer || !data) return;
    const pc = peer.pc;
    if (data.description) {
      const desc = data.description;
      const collision = desc.type === 'offer' && (peer.makingOffer || pc.signalingState !== 'stable');
      peer.ignoreOffer = !peer.polite && collision;
      if (peer.ignoreOffer) return;
      pc.setRemoteDescription(desc)
        .then(() => {
          if (desc.type !== 'offer') return undefined;
          // Candidates gathered during the provisional answer wait for the
          // answer: the other side cannot use them before it.
          const held: ClientMessage[] = [];
          peer.held = held;
          return answer(pc)
            .then(() => {
              if (pc.localDescription) this.send({ type: 'signal', to: from, data: { description: pc.localDescription.toJSON() } });
            })
            .finally(() => {
              // This answer's candidates, whether or not a later one holds its own.
              if (peer.held === held) peer.held = undefined;
              for (const msg of held) this.send(msg);
            });
        })
        .catch(() => undefined);
    } else if (data.candidate) {
      pc.addIceCandidate(data.candidate).catch(() => {
        /* a candidate of an ignored offer */
      });
    }
  }

  private removePeer(identity: string): void {
    const peer = this.peers.get(identity);
    if (!peer) return;
    this.peers.delete(identity);
    clearTimeout(peer.timer);
    clearTimeout(peer.fullSizeTimer);
    peer.pc.close();
    this.changed();
    this.emit('peer-left', identity, peer.role);
    this.keepSpare();
  }

  remotes(): RemotePeer[] {
    return [...this.peers.entries()].map(([identity, p]) => {
      const s = this.states.get(identity) ?? { audio: true, video: true };
      return { identity, role: p.role, stream: p.stream, audio: s.audio, video: s.video };
    });
  }

  private setTrackEnabled(kind: 'audio' | 'video', on: boolean): void {
    const tracks = this.localStream ? (kind === 'audio' ? this.localStream.getAudioTracks() : this.localStream.getVideoTracks()) : [];
    for (const t of tracks) t.enabled = on;
    const value = on && tracks.length > 0;
    if (kind === 'audio') this.audio = value;
    else this.video = value;
    this.sendState();
    this.changed();
  }

  setMicEnabled(on: boolean): void {
    this.setTrackEnabled('audio', on);
  }

  /** Camera off disables the video track (the other side gets black frames and `state`); the camera stays open. */
  setCameraEnabled(on: boolean): Promise<void> {
    if (on && this.receiveOnly) return Promise.reject(new ReceiveOnlyError('camera'));
    this.setTrackEnabled('video', on);
    return Promise.resolve();
  }

  get devices(): DeviceSelection {
    return {
      audioinput: deviceIdOf(this.localStream?.getAudioTracks()[0]),
      videoinput: deviceIdOf(this.localStream?.getVideoTracks()[0]),
    };
  }

  /** Sends `track` to every peer in place of what went out for its kind (adds it where nothing did). */
  private async sendTrack(kind: 'audio' | 'video', track: MediaStreamTrack | null): Promise<void> {
    const stream = this.localStream ?? (track ? new MediaStream([track]) : undefined);
    await Promise.all(
      [...this.peers.values()].map(async (peer) => {
        const sender = peer.senders[kind];
        if (sender) await sender.replaceTrack(track);
        // Joined without a track of this kind: the addition renegotiates (perfect negotiation handles it).
        else if (track && stream) peer.senders[kind] = peer.pc.addTrack(track, stream);
      }),
    );
  }

  /** Opens the new device, sends it in place of the old one (on or off as that was), then closes the old one. */
  async setDevice(kind: DeviceKind, deviceId: string): Promise<void> {
    if (this.receiveOnly) throw new ReceiveOnlyError(kind === 'audioinput' ? 'microphone' : 'camera');
    const stream = this.localStream;
    if (!stream) throw new Error('This call has no camera or microphone to switch');
    const audio = kind === 'audioinput';
    const [fresh] = (await this.media.getUserMedia(deviceConstraints(kind, deviceId))).getTracks();
    if (!fresh) throw new Error('The browser gave no track for that device');
    if (this.ended) {
      fresh.stop();
      return;
    }
    const [old] = audio ? stream.getAudioTracks() : stream.getVideoTracks();
    fresh.enabled = audio ? this.audio : this.video;
    if (old) stream.removeTrack(old);
    stream.addTrack(fresh);
    // During a screen share the camera's senders carry the screen: the new camera goes out when it ends.
    if (audio || !this.screen) await this.sendTrack(audio ? 'audio' : 'video', fresh);
    old?.stop();
    this.changed();
  }

  get screenSharing(): boolean {
    return this.screen !== undefined;
  }

  async startScreenShare(): Promise<void> {
    if (this.receiveOnly) throw new ReceiveOnlyError('screen');
    if (this.screen) return;
    const [track] = (await this.media.getDisplayMedia(SCREEN)).getVideoTracks();
    if (!track) throw new Error('The browser gave no screen to share');
    if (this.ended || this.screen) {
      track.stop();
      return;
    }
    this.screen = { track, unwatch: onTrackEnded(track, () => void this.stopScreenShare()) };
    await this.sendTrack('video', track);
    this.sendState();
    this.changed();
  }

  /** Puts the camera back on the senders (as it is now: on, off, or another device since). */
  async stopScreenShare(): Promise<void> {
    const screen = this.screen;
    if (!screen) return;
    this.screen = undefined;
    screen.unwatch();
    screen.track.stop();
    if (!this.ended) {
      await this.sendTrack('video', this.localStream?.getVideoTracks()[0] ?? null);
      this.sendState();
    }
    this.changed();
  }

  peerConnections(): RTCPeerConnection[] {
    return [...this.peers.values()].map((p) => p.pc);
  }

  /** The participants this side has a connection with. */
  peerCount(): number {
    return this.peers.size;
  }

  ask(to: string, what: AskWhat): boolean {
    if (this.ended) return false;
    this.send({ type: 'ask', to, what });
    return true;
  }

  /** The service relays it to the customers in the room (a customer's tell goes nowhere). */
  tell(what: TellWhat): boolean {
    if (this.ended) return false;
    this.send({ type: 'tell', what });
    return true;
  }

  /** Drops the signalling connection as a network would (for tests and diagnostics). */
  dropSignaling(): void {
    this.ws?.close(3000, 'dropped');
  }

  leave(): void {
    if (this.ended) return;
    if (this.ws && this.ws.readyState === OPEN) this.ws.send(JSON.stringify({ type: 'bye' } satisfies ClientMessage));
    this.finish('left');
  }

  finish(reason: EndReason): void {
    if (this.ended) return;
    this.ended = reason;
    clearInterval(this.pinger);
    clearTimeout(this.reconnectTimer);
    this.quality.stop();
    const ws = this.ws;
    this.ws = null;
    if (ws && ws.readyState <= OPEN) ws.close(CLOSE.bye, 'bye');
    for (const id of [...this.peers.keys()]) this.removePeer(id);
    this.spare.close();
    // The plugin opened the camera and microphone for this call: release
    // them (a page that keeps its preview says keepMedia). The screen is the call's.
    if (!this.keepMedia) for (const t of this.localStream?.getTracks() ?? []) t.stop();
    this.screen?.unwatch();
    this.screen?.track.stop();
    this.screen = undefined;
    this.failFirst(new CallError(reason));
    this.changed();
    this.emit('ended', reason);
  }
}

/** Connects to a built-in room: resolves once the service has welcomed this side. */
export async function connectBuiltin(
  grant: VideoGrant,
  stream: MediaStream | undefined,
  { timeoutMs = CONNECT_TIMEOUT_MS, media, receiveOnly = false, reportQuality = true, events, keepMedia, ahead }: BuiltinOptions = {},
): Promise<BuiltinCall> {
  if (typeof RTCPeerConnection === 'undefined' || typeof WebSocket === 'undefined') throw new CallError('unsupported');
  const call = new BuiltinCall(grant, stream, media, receiveOnly, reportQuality, { events, keepMedia, ahead });
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new CallError('unreachable')), timeoutMs);
  });
  try {
    await Promise.race([call.start(), timeout]);
    return call;
  } catch (err) {
    call.finish('unreachable');
    throw err;
  } finally {
    clearTimeout(timer);
  }
}
