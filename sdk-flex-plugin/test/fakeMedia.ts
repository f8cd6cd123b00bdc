/**
 * Browser media and network fakes for jsdom (which has none): MediaStream,
 * MediaStreamTrack, navigator.mediaDevices (cameras, microphones, screen
 * capture), WebSocket (driven by the test as the "server") and
 * RTCPeerConnection (a signalling-state machine with fake SDP).
 */
import { vi } from 'vitest';
import type { MediaAccess } from '../src/video/media';

let nextId = 0;

export class FakeMediaStreamTrack {
  readonly id = `track-${++nextId}`;
  enabled = true;
  readyState: 'live' | 'ended' = 'live';
  /** The picture's size, for a video track that has one (a test sets it). */
  size?: { width: number; height: number };
  private ended = new Set<() => void>();
  constructor(
    readonly kind: 'audio' | 'video',
    readonly label = `fake ${kind}`,
    readonly deviceId = kind === 'audio' ? 'mic-1' : 'cam-1',
  ) {}
  getSettings() {
    return { deviceId: this.deviceId, ...this.size };
  }
  /** As in browsers, stop() does not fire `ended`. */
  stop = vi.fn(() => {
    this.readyState = 'ended';
  });
  addEventListener(type: string, listener: () => void) {
    if (type === 'ended') this.ended.add(listener);
  }
  removeEventListener(type: string, listener: () => void) {
    if (type === 'ended') this.ended.delete(listener);
  }
  /** The browser ends the track itself (e.g. its own "Stop sharing" bar): `ended` fires. */
  endByBrowser() {
    this.readyState = 'ended';
    for (const l of [...this.ended]) l();
  }
  listenerCount() {
    return this.ended.size;
  }
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

/** The devices FakeMediaDevices has unless told otherwise. */
export const FAKE_DEVICES: ReadonlyArray<{ kind: 'audioinput' | 'videoinput'; deviceId: string; label: string }> = [
  { kind: 'audioinput', deviceId: 'mic-1', label: 'Built-in microphone' },
  { kind: 'audioinput', deviceId: 'mic-2', label: 'Headset' },
  { kind: 'videoinput', deviceId: 'cam-1', label: 'Built-in camera' },
  { kind: 'videoinput', deviceId: 'cam-2', label: 'USB camera' },
];

function exactDevice(c: boolean | MediaTrackConstraints | undefined): string | undefined {
  const id = typeof c === 'object' ? c.deviceId : undefined;
  return typeof id === 'object' && !Array.isArray(id) ? (id.exact as string) : (id as string | undefined);
}

/** navigator.mediaDevices: the devices of FAKE_DEVICES, tracks opened on them, and a screen to share. */
export class FakeMediaDevices implements MediaAccess {
  devices = FAKE_DEVICES.map((d) => ({ ...d, groupId: '', toJSON: () => d }));
  /** The screen tracks getDisplayMedia gave, in order. */
  screens: FakeMediaStreamTrack[] = [];
  private changeListeners = new Set<() => void>();
  getUserMedia = vi.fn(async (c: MediaStreamConstraints) => {
    const tracks: FakeMediaStreamTrack[] = [];
    if (c.audio) tracks.push(new FakeMediaStreamTrack('audio', 'fake audio', exactDevice(c.audio) ?? 'mic-1'));
    if (c.video) tracks.push(new FakeMediaStreamTrack('video', 'fake video', exactDevice(c.video) ?? 'cam-1'));
    return new FakeMediaStream(tracks) as unknown as MediaStream;
  });
  getDisplayMedia = vi.fn(async (_options?: DisplayMediaStreamOptions) => {
    const screen = new FakeMediaStreamTrack('video', 'screen:1:0', 'screen');
    this.screens.push(screen);
    return new FakeMediaStream([screen]) as unknown as MediaStream;
  });
  enumerateDevices = vi.fn(async () => this.devices as unknown as MediaDeviceInfo[]);
  canShareScreen() {
    return true;
  }
  onDeviceChange(listener: () => void) {
    this.changeListeners.add(listener);
    return () => {
      this.changeListeners.delete(listener);
    };
  }
  /** A device is plugged in: `devicechange` fires. */
  plug(device: { kind: 'audioinput' | 'videoinput'; deviceId: string; label: string }) {
    this.devices.push({ ...device, groupId: '', toJSON: () => device });
    for (const l of [...this.changeListeners]) l();
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
  type: 'offer' | 'answer' | 'pranswer';
  sdp: string;
}

export class FakeRTCPeerConnection {
  static instances: FakeRTCPeerConnection[] = [];
  signalingState: RTCSignalingState = 'stable';
  iceConnectionState: RTCIceConnectionState = 'new';
  localDescription: (FakeDescription & { toJSON(): FakeDescription }) | null = null;
  remoteDescription: FakeDescription | null = null;
  /** Every track given to addTrack, in order. */
  tracks: FakeMediaStreamTrack[] = [];
  senders: FakeRtpSender[] = [];
  transceivers: Array<{ kind: string; direction: string }> = [];
  candidates: unknown[] = [];
  restarts = 0;
  closed = false;
  /** What getStats() reports (an RTCStatsReport is a map of these by id); none until a test sets some. */
  stats: Array<{ id: string; type: string; [field: string]: unknown }> = [];
  getStats = vi.fn(async () => new Map(this.stats.map((s) => [s.id, s])) as unknown as RTCStatsReport);
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
    const sender = new FakeRtpSender(track);
    this.senders.push(sender);
    this.needNegotiation();
    return sender;
  }
  addTransceiver(kind: string, init: { direction: string }) {
    this.transceivers.push({ kind, direction: init.direction });
    this.needNegotiation();
  }
  /** Every description set locally, in order (a provisional answer included). */
  localDescriptions: FakeDescription[] = [];
  async createAnswer(): Promise<FakeDescription> {
    if (this.closed) throw new Error('closed');
    if (this.signalingState !== 'have-remote-offer' && this.signalingState !== 'have-local-pranswer') throw new Error('no offer to answer');
    return { type: 'answer', sdp: `answer-${++this.offers}${this.restarts ? `-restart${this.restarts}` : ''}` };
  }
  /** As a browser without provisional answers: `pranswer` is refused. */
  refusePranswer = false;
  async setLocalDescription(desc?: FakeDescription) {
    if (this.closed) throw new Error('closed');
    if (desc?.type === 'pranswer' && this.refusePranswer) throw new Error('pranswer not supported');
    let d: FakeDescription;
    if (desc) {
      d = { ...desc };
      this.signalingState = desc.type === 'pranswer' ? 'have-local-pranswer' : desc.type === 'answer' ? 'stable' : 'have-local-offer';
    } else {
      const type = this.signalingState === 'have-remote-offer' ? 'answer' : 'offer';
      this.signalingState = type === 'offer' ? 'have-local-offer' : 'stable';
      d = { type, sdp: `${type}-${++this.offers}${this.restarts ? `-restart${this.restarts}` : ''}` };
    }
    this.localDescriptions.push(d);
    this.localDescription = { ...d, toJSON: () => d };
    this.onLocalDescription?.(d);
  }
  /** Test hook: runs after each description set locally (e.g. to gather a candidate then). */
  onLocalDescription?: (d: FakeDescription) => void;
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
    return [...this.senders];
  }
  /** What goes out now: each sender's track. */
  sending() {
    return this.senders.map((s) => s.track);
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

/** replaceTrack swaps what goes out without a negotiation, as in browsers. */
export class FakeRtpSender {
  constructor(public track: FakeMediaStreamTrack | null) {}
  replaceTrack = vi.fn(async (track: FakeMediaStreamTrack | null) => {
    this.track = track;
  });
  /** Its one encoding, as Chrome has it before and after negotiation. */
  encodings: RTCRtpEncodingParameters[] = [{ active: true }];
  getParameters() {
    return { transactionId: 't', encodings: this.encodings.map((e) => ({ ...e })) };
  }
  setParameters = vi.fn(async (p: { encodings: RTCRtpEncodingParameters[] }) => {
    this.encodings = p.encodings;
  });
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
