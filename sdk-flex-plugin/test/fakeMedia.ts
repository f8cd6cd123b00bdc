/**
 * Browser media and network fakes for jsdom (which has none): MediaStream,
 * MediaStreamTrack, WebSocket (driven by the test as the "server") and
 * RTCPeerConnection (a signalling-state machine with fake SDP).
 */
import { vi } from 'vitest';

let nextId = 0;

export class FakeMediaStreamTrack {
  readonly id = `track-${++nextId}`;
  enabled = true;
  readyState: 'live' | 'ended' = 'live';
  constructor(
    readonly kind: 'audio' | 'video',
    readonly label = `fake ${kind}`,
  ) {}
  stop = vi.fn(() => {
    this.readyState = 'ended';
  });
}

export class FakeMediaStream {
  readonly id = `stream-${++nextId}`;
  private tracks: FakeMediaStreamTrack[];
  constructor(tracks: FakeMediaStreamTrack[] = []) {
    this.tracks = [...tracks];
  }
  getTracks() {
    return [...this.tracks];
  }
  getAudioTracks() {
    return this.tracks.filter((t) => t.kind === 'audio');
  }
  getVideoTracks() {
    return this.tracks.filter((t) => t.kind === 'video');
  }
  addTrack(t: FakeMediaStreamTrack) {
    if (!this.tracks.includes(t)) this.tracks.push(t);
  }
  removeTrack(t: FakeMediaStreamTrack) {
    this.tracks = this.tracks.filter((x) => x !== t);
  }
}

/** A camera and microphone, as getUserMedia would give them. */
export function fakeCameraStream(): MediaStream {
  return new FakeMediaStream([new FakeMediaStreamTrack('audio'), new FakeMediaStreamTrack('video')]) as unknown as MediaStream;
}

type Handler<E> = ((ev: E) => void) | null;

export class FakeWebSocket {
  static instances: FakeWebSocket[] = [];
  static get last(): FakeWebSocket {
    return FakeWebSocket.instances[FakeWebSocket.instances.length - 1];
  }
  readyState = 0;
  /** What the client sent, parsed. */
  sent: Array<Record<string, unknown>> = [];
  closedWith?: { code: number; reason: string };
  onopen: Handler<unknown> = null;
  onmessage: Handler<{ data: string }> = null;
  onclose: Handler<{ code: number; reason: string }> = null;
  onerror: Handler<unknown> = null;
  constructor(readonly url: string) {
    FakeWebSocket.instances.push(this);
  }
  send(data: string) {
    if (this.readyState !== 1) throw new Error('send on a WebSocket that is not open');
    this.sent.push(JSON.parse(data) as Record<string, unknown>);
  }
  close(code = 1000, reason = '') {
    if (this.readyState >= 2) return;
    this.readyState = 3;
    this.closedWith = { code, reason };
    // Browsers fire close later, not inside close().
    queueMicrotask(() => this.onclose?.({ code, reason }));
  }
  /** Messages of one type the client sent. */
  sentOf(type: string) {
    return this.sent.filter((m) => m.type === type);
  }
  // ---- the server's side ----
  serverOpen() {
    this.readyState = 1;
    this.onopen?.({});
  }
  serverSend(msg: unknown) {
    this.onmessage?.({ data: JSON.stringify(msg) });
  }
  serverClose(code: number, reason = '') {
    if (this.readyState === 3) return;
    this.readyState = 3;
    this.onclose?.({ code, reason });
  }
}

interface FakeDescription {
  type: 'offer' | 'answer';
  sdp: string;
}

export class FakeRTCPeerConnection {
  static instances: FakeRTCPeerConnection[] = [];
  signalingState: RTCSignalingState = 'stable';
  iceConnectionState: RTCIceConnectionState = 'new';
  localDescription: (FakeDescription & { toJSON(): FakeDescription }) | null = null;
  remoteDescription: FakeDescription | null = null;
  tracks: FakeMediaStreamTrack[] = [];
  transceivers: Array<{ kind: string; direction: string }> = [];
  candidates: unknown[] = [];
  restarts = 0;
  closed = false;
  onnegotiationneeded: (() => void) | null = null;
  onicecandidate: Handler<{ candidate: { toJSON(): unknown } | null }> = null;
  ontrack: Handler<{ track: FakeMediaStreamTrack; streams: FakeMediaStream[] }> = null;
  oniceconnectionstatechange: (() => void) | null = null;
  setRemoteDescription = vi.fn(async (desc: FakeDescription) => {
    if (this.closed) throw new Error('closed');
    // An offer over our own rolls ours back (implicit rollback).
    this.signalingState = desc.type === 'offer' ? 'have-remote-offer' : 'stable';
    this.remoteDescription = desc;
  });
  private offers = 0;
  private negotiationQueued = false;
  constructor(readonly config: RTCConfiguration) {
    FakeRTCPeerConnection.instances.push(this);
  }
  private needNegotiation() {
    if (this.negotiationQueued) return;
    this.negotiationQueued = true;
    queueMicrotask(() => {
      this.negotiationQueued = false;
      // Browsers only ask for a negotiation in the stable state (an answer to
      // an incoming offer already covers the tracks added for it).
      if (!this.closed && this.signalingState === 'stable') this.onnegotiationneeded?.();
    });
  }
  addTrack(track: FakeMediaStreamTrack) {
    this.tracks.push(track);
    this.needNegotiation();
  }
  addTransceiver(kind: string, init: { direction: string }) {
    this.transceivers.push({ kind, direction: init.direction });
    this.needNegotiation();
  }
  async setLocalDescription() {
    if (this.closed) throw new Error('closed');
    const type = this.signalingState === 'have-remote-offer' ? 'answer' : 'offer';
    this.signalingState = type === 'offer' ? 'have-local-offer' : 'stable';
    const d: FakeDescription = { type, sdp: `${type}-${++this.offers}${this.restarts ? `-restart${this.restarts}` : ''}` };
    this.localDescription = { ...d, toJSON: () => d };
  }
  async addIceCandidate(c: unknown) {
    if (!this.remoteDescription) throw new Error('no remote description');
    this.candidates.push(c);
  }
  restartIce() {
    this.restarts++;
    this.needNegotiation();
  }
  close() {
    this.closed = true;
    this.signalingState = 'closed';
  }
  getSenders() {
    return this.tracks.map((track) => ({ track }));
  }
  // ---- test helpers ----
  /** A remote track arrives in `stream`. */
  receive(track: FakeMediaStreamTrack, stream: FakeMediaStream) {
    stream.addTrack(track);
    this.ontrack?.({ track, streams: [stream] });
  }
  setIce(state: RTCIceConnectionState) {
    this.iceConnectionState = state;
    this.oniceconnectionstatechange?.();
  }
}

/** Installs the WebSocket and RTCPeerConnection fakes as globals (undo with vi.unstubAllGlobals). */
export function installRtcFakes() {
  FakeWebSocket.instances = [];
  FakeRTCPeerConnection.instances = [];
  vi.stubGlobal('WebSocket', FakeWebSocket);
  vi.stubGlobal('RTCPeerConnection', FakeRTCPeerConnection);
}

/** Lets pending promise callbacks and microtasks run. */
export async function flush(times = 10) {
  for (let i = 0; i < times; i++) await Promise.resolve();
}
