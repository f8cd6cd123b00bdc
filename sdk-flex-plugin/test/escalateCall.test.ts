/**
 * `window.EscalateCall`, the join page's call client (src/web/escalateCall.ts,
 * bundled into dashboard/assets/rtc.js by `npm run build:web`): the contract
 * the hand-written rtc.js had (see the comment at the top of the entry), run
 * on the plugin's call code.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { execPath } from 'node:process';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { VideoGrant } from '../src/video/call';
import { BuiltinPageCall, TwilioPageCall, connect, prepare, release, summarize, type PageCall } from '../src/web/escalateCall';
import { FakeMediaStream, FakeMediaStreamTrack, FakeRTCPeerConnection, FakeWebSocket, flush, installRtcFakes } from './fakeMedia';
import { FakeDataTrack, FakeParticipant, FakeRoom, FakeTrack } from './fakeVideo';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const RTC_JS = join(root, '..', 'dashboard', 'assets', 'rtc.js');
/** The plugin folder on its own (as the Flex Plugins CLI copies it) has no ../dashboard: nothing to check there. */
const withDashboard = existsSync(dirname(RTC_JS));
/**
 * The hand-written rtc.js this bundle replaced was 24,314 bytes; the bundle
 * has since gained the connection made before the click (video/ahead.ts,
 * about 0.8 KB) and the small first frames (video/firstFrames.ts, about 0.4
 * KB). What the customer's first visit weighs in all is measured by
 * `scripts/bench page` against its target.
 */
const RTC_JS_BUDGET_BYTES = 26_112;

type Win = { EscalateCall?: { connect: typeof connect; summarize: typeof summarize; prepare: typeof prepare; release: typeof release }; Twilio?: unknown };
const win = () => window as unknown as Win;

function grant(over: Partial<VideoGrant> = {}): VideoGrant {
  return {
    provider: 'builtin',
    token: 'room-credential',
    room_name: 'esc-1',
    identity: 'customer:k3y',
    expires_at: new Date(Date.now() + 3_600_000).toISOString(),
    signaling_url: 'wss://video.example.com/v1/video/rooms/esc-1/signal',
    ice_servers: [],
    ice_transport_policy: 'all',
    recording: false,
    ...over,
  };
}

/** The page's preview: a camera and a microphone. */
function preview() {
  const audio = new FakeMediaStreamTrack('audio');
  const video = new FakeMediaStreamTrack('video');
  return { audio, video, stream: new FakeMediaStream([audio, video]) as unknown as MediaStream };
}

/** Every event a page call emits, in order. */
function record(call: PageCall) {
  const seen: unknown[][] = [];
  for (const name of ['remote-stream', 'peer-joined', 'peer-left', 'peer-state', 'status', 'ended', 'quality'] as const) {
    call.on(name, (...args: unknown[]) => seen.push([name, ...args]));
  }
  return seen;
}

afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
  delete win().Twilio;
});

describe('window.EscalateCall', () => {
  it('is { connect, prepare, release, summarize } once the entry has run', () => {
    expect(Object.keys(win().EscalateCall ?? {}).sort()).toEqual(['connect', 'prepare', 'release', 'summarize']);
    expect(win().EscalateCall?.prepare).toBe(prepare);
    expect(win().EscalateCall?.connect).toBe(connect);
    expect(win().EscalateCall?.summarize).toBe(summarize);
  });

  it.skipIf(!withDashboard)('is what the committed dashboard/assets/rtc.js sets up too: a small generated IIFE without twilio-video', () => {
    const code = readFileSync(RTC_JS, 'utf8');
    expect(code.split('\n')[0]).toMatch(/^\/\/ Generated from sdk-flex-plugin\/src\/web\/escalateCall\.ts by `npm run build:web`: do not edit by hand/);
    // ASCII (esbuild escapes the rest): its length is its size in bytes.
    expect(/^[\x00-\x7f]*$/.test(code)).toBe(true);
    expect(code.length).toBeLessThanOrEqual(RTC_JS_BUDGET_BYTES);
    const mine = win().EscalateCall;
    try {
      delete win().EscalateCall;
      // As the page's <script> runs it (an IIFE that sets window.EscalateCall).
      new Function(code)();
      const api = win().EscalateCall;
      expect(api).not.toBe(mine);
      expect(Object.keys(api ?? {}).sort()).toEqual(['connect', 'prepare', 'release', 'summarize']);
      expect(typeof api?.connect).toBe('function');
      const stats = new Map([['CP', { id: 'CP', type: 'candidate-pair', nominated: true, state: 'succeeded', currentRoundTripTime: 0.05 }]]);
      expect(api?.summarize([stats]).sample).toEqual({ round_trip_ms: 50, packet_loss_percent: 0, relayed: false });
    } finally {
      win().EscalateCall = mine;
    }
  });
});

describe('connect: Twilio grants use the page’s window.Twilio.Video', () => {
  it('rejects with { reason: "unavailable" } when the vendored script did not load', async () => {
    await expect(win().EscalateCall!.connect(grant({ provider: 'twilio' }), {})).rejects.toEqual({ reason: 'unavailable' });
  });

  it('rejects with { reason: "unsupported" } when twilio-video says the browser cannot', async () => {
    win().Twilio = { Video: { isSupported: false, connect: vi.fn() } };
    await expect(connect(grant({ provider: 'twilio' }))).rejects.toEqual({ reason: 'unsupported' });
  });

  function twilio(room: FakeRoom | Promise<never>) {
    const pending = (room instanceof FakeRoom ? Promise.resolve(room) : room) as Promise<unknown> & { cancel?: () => void };
    pending.cancel = vi.fn();
    const Video = { isSupported: true, connect: vi.fn(() => pending), createLocalVideoTrack: vi.fn() };
    win().Twilio = { Video };
    return { Video, pending };
  }

  it('joins with the preview’s live tracks and tells the page who is there once it listens', async () => {
    const room = new FakeRoom('esc-1');
    const agent = new FakeParticipant('PAagent', 'agent:alex', [new FakeTrack('video', 'MTv'), new FakeTrack('audio', 'MTa')]);
    room.participants.set(agent.sid, agent);
    const { Video } = twilio(room);
    const { stream, audio, video } = preview();
    video.readyState = 'ended';
    const call = await connect(grant({ provider: 'twilio', token: 'tw-token' }), { stream });
    expect(Video.connect).toHaveBeenCalledWith('tw-token', { name: 'esc-1', tracks: [audio], preferredVideoCodecs: 'auto', networkQuality: false });
    expect(call).toBeInstanceOf(TwilioPageCall);
    // The page tells the providers apart as rtc.js let it: the room, and no peer connections.
    expect((call as TwilioPageCall).room).toBe(room);
    expect('peerConnections' in call).toBe(false);
    expect(call.peerCount()).toBe(1);
    const seen = record(call);
    await new Promise((r) => setTimeout(r, 0));
    expect(seen.map((e) => e.slice(0, 3))).toEqual([
      ['peer-joined', 'agent:alex', 'agent'],
      ['remote-stream', 'agent:alex', expect.anything()],
      ['remote-stream', 'agent:alex', expect.anything()],
    ]);
    const remote = seen[2][2] as MediaStream;
    expect(seen[1][2]).toBe(remote);
    expect(remote.getTracks()).toHaveLength(2);

    // Their camera off, then they leave.
    const cam = agent.tracks.get('MTv')!.track;
    cam.isEnabled = false;
    room.emit('trackDisabled', agent.tracks.get('MTv'), agent);
    expect(seen.at(-1)).toEqual(['peer-state', 'agent:alex', { audio: true, video: false }]);
    room.participants.delete(agent.sid);
    room.emit('participantDisconnected', agent);
    expect(seen.at(-1)).toEqual(['peer-left', 'agent:alex', 'agent']);
    expect(call.peerCount()).toBe(0);

    // A participant who publishes nothing is there all the same.
    const quiet = new FakeParticipant('PAsam', 'agent:sam');
    room.participants.set(quiet.sid, quiet);
    room.emit('participantConnected', quiet);
    expect(seen.at(-1)).toEqual(['peer-joined', 'agent:sam', 'agent']);
    expect(call.peerCount()).toBe(1);
    call.leave();
  });

  it('counts a participant the room says left, whether or not it dropped them from its list first', async () => {
    const room = new FakeRoom('esc-1');
    const agent = new FakeParticipant('PAagent', 'agent:alex');
    room.participants.set(agent.sid, agent);
    twilio(room);
    const call = await connect(grant({ provider: 'twilio' }));
    // As the join page's fake twilio-video does: the event, the list unchanged.
    room.emit('participantDisconnected', agent);
    expect(call.peerCount()).toBe(0);
    call.leave();
  });

  it('turns tracks off and on without unpublishing or stopping them (the preview goes on), and the screen is not the camera', async () => {
    const room = new FakeRoom('esc-1');
    twilio(room);
    const call = await connect(grant({ provider: 'twilio' }));
    await room.localParticipant.publishTrack(new FakeTrack('video', 'MTscreen', 'screen'));
    const screen = room.localParticipant.videoTracks.get('MTscreen')!.track;
    call.setEnabled('video', false);
    call.setEnabled('audio', false);
    expect(room.camera.disable).toHaveBeenCalled();
    expect(room.mic.disable).toHaveBeenCalled();
    expect(screen.disable).not.toHaveBeenCalled();
    expect(room.localParticipant.unpublishTrack).not.toHaveBeenCalled();
    call.setEnabled('video', true);
    expect(room.camera.enable).toHaveBeenCalled();
    const seen = record(call);
    call.leave();
    expect(room.disconnect).toHaveBeenCalled();
    expect(seen).toEqual([['ended', 'left']]);
    expect(room.camera.stop).not.toHaveBeenCalled();
    expect(room.mic.stop).not.toHaveBeenCalled();
  });

  it('ends "completed" when the room is completed (53118), "lost" when it drops, and says when it reconnects', async () => {
    for (const [err, reason] of [[{ code: 53118 }, 'completed'], [{ code: 53001 }, 'lost']] as const) {
      const room = new FakeRoom('esc-1');
      twilio(room);
      const call = await connect(grant({ provider: 'twilio' }));
      const seen = record(call);
      room.emit('reconnecting');
      room.emit('reconnected');
      room.emit('disconnected', room, err);
      expect(seen).toEqual([
        ['status', 'reconnecting'],
        ['status', 'connected'],
        ['ended', reason],
      ]);
    }
  });

  it('emits a quality sample of the room’s statistics every 5 s (the page posts them)', async () => {
    vi.useFakeTimers({ now: 1_700_000_000_000 });
    const room = new FakeRoom('esc-1');
    room.stats = [{ localAudioTrackStats: [{ roundTripTime: 35 }], remoteVideoTrackStats: [{ packetsReceived: 100, packetsLost: 0, bytesReceived: 1_000 }] }];
    twilio(room);
    const call = await connect(grant({ provider: 'twilio' }));
    const seen = record(call);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(seen.filter((e) => e[0] === 'quality')).toEqual([
      ['quality', { round_trip_ms: 35, packet_loss_percent: 0, relayed: false, reconnects: 0 }],
    ]);
    call.leave();
  });

  it('rejects with { reason: "unreachable" } when twilio-video fails or takes longer than timeoutMs (and cancels it)', async () => {
    twilio(Promise.reject(new Error('signaling')));
    await expect(connect(grant({ provider: 'twilio' }))).rejects.toEqual({ reason: 'unreachable' });

    vi.useFakeTimers();
    const { pending } = twilio(new Promise<never>(() => undefined));
    const joining = connect(grant({ provider: 'twilio' }), { timeoutMs: 3_000 }).catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(3_000);
    expect(await joining).toEqual({ reason: 'unreachable' });
    expect(pending.cancel).toHaveBeenCalled();
  });
});

describe('asks and tells on Twilio calls: a data track of each side', () => {
  /** The page's twilio-video, with data tracks; the room's own participant is `identity`. */
  async function twilioCall(identity: string, others: FakeParticipant[] = []) {
    const room = new FakeRoom('esc-1');
    room.localParticipant.identity = identity;
    for (const p of others) room.participants.set(p.sid, p);
    win().Twilio = { Video: { isSupported: true, connect: vi.fn(async () => room), createLocalVideoTrack: vi.fn(), LocalDataTrack: FakeDataTrack } };
    const call = await connect(grant({ provider: 'twilio', identity }));
    await flush();
    const seen: unknown[][] = [];
    for (const name of ['asked', 'told'] as const) call.on(name, (...args: unknown[]) => seen.push([name, ...args]));
    return { room, call, seen };
  }

  it('staff publish one on joining and send their asks (to each customer) and tells on it', async () => {
    const customer = new FakeParticipant('PAk3y', 'customer:k3y');
    const supervisor = new FakeParticipant('PAsue', 'agent:sue');
    const { room, call } = await twilioCall('agent:alex', [customer, supervisor]);
    expect(room.localParticipant.publishTrack).toHaveBeenCalledTimes(1);
    const [{ track }] = [...room.localParticipant.dataTracks.values()];
    expect(call.ask('back_camera')).toBe(true);
    expect(call.tell('snapshot_taken')).toBe(true);
    expect(track.sentMessages()).toEqual([
      { type: 'asked', to: 'customer:k3y', what: 'back_camera' },
      { type: 'told', what: 'snapshot_taken' },
    ]);
    call.leave();
    expect(call.tell('snapshot_taken')).toBe(false);
    expect(track.send).toHaveBeenCalledTimes(2);
  });

  it('cannot say anything before its data track is published, nor without LocalDataTrack', async () => {
    const room = new FakeRoom('esc-1');
    const publishing = deferredPublish(room);
    win().Twilio = { Video: { isSupported: true, connect: vi.fn(async () => room), createLocalVideoTrack: vi.fn(), LocalDataTrack: FakeDataTrack } };
    const call = await connect(grant({ provider: 'twilio' }));
    expect(call.tell('snapshot_taken')).toBe(false);
    publishing.resolve();
    await flush();
    expect(call.tell('snapshot_taken')).toBe(true);
    call.leave();

    const bare = new FakeRoom('esc-2');
    win().Twilio = { Video: { isSupported: true, connect: vi.fn(async () => bare), createLocalVideoTrack: vi.fn() } };
    const old = await connect(grant({ provider: 'twilio' }));
    await flush();
    expect(bare.localParticipant.publishTrack).not.toHaveBeenCalled();
    expect(old.tell('snapshot_taken')).toBe(false);
    expect(old.ask('back_camera')).toBe(false);
    old.leave();
  });

  it('a customer’s page hears staff’s tells and the asks meant for it, on tracks there already or to come', async () => {
    const agent = new FakeParticipant('PAalex', 'agent:alex');
    const early = new FakeDataTrack();
    agent.tracks.set(early.sid, { trackSid: early.sid, track: early as unknown as FakeTrack, kind: 'data' as never });
    const { room, seen } = await twilioCall('customer:k3y', [agent]);
    early.emit('message', JSON.stringify({ type: 'told', what: 'snapshot_taken' }));
    const supervisor = room.join('agent:sue');
    const later = new FakeDataTrack();
    room.subscribe(supervisor, later);
    later.emit('message', JSON.stringify({ type: 'asked', to: 'customer:k3y', what: 'back_camera' }));
    later.emit('message', JSON.stringify({ type: 'asked', to: 'customer:other', what: 'back_camera' }));
    expect(seen).toEqual([
      ['told', 'agent:alex', 'snapshot_taken'],
      ['asked', 'agent:sue', 'back_camera'],
    ]);
  });

  it('drops what customers send, what staff hear, and what is not a message of ours', async () => {
    const { room, seen } = await twilioCall('customer:k3y');
    const other = room.join('customer:z9');
    const theirs = new FakeDataTrack();
    room.subscribe(other, theirs);
    theirs.emit('message', JSON.stringify({ type: 'told', what: 'snapshot_taken' }));
    const agent = room.join('agent:alex');
    const track = new FakeDataTrack();
    room.subscribe(agent, track);
    for (const junk of ['not json', 'null', '{}', JSON.stringify({ type: 'told' }), JSON.stringify({ type: 'asked', what: 'back_camera' })]) {
      track.emit('message', junk);
    }
    expect(seen).toEqual([]);

    const staff = await twilioCall('agent:sue', []);
    const alex = staff.room.join('agent:alex');
    const fromAlex = new FakeDataTrack();
    staff.room.subscribe(alex, fromAlex);
    fromAlex.emit('message', JSON.stringify({ type: 'told', what: 'snapshot_taken' }));
    expect(staff.seen).toEqual([]);
  });
});

/** Holds the room's data track publication until resolve() (its other tracks publish at once). */
function deferredPublish(room: FakeRoom) {
  let resolve!: () => void;
  const gate = new Promise<void>((r) => (resolve = r));
  const publish = room.localParticipant.publishTrack.getMockImplementation()!;
  room.localParticipant.publishTrack.mockImplementation(async (t, options) => {
    if (t instanceof FakeDataTrack) await gate;
    return publish(t, options);
  });
  return { resolve };
}

describe('connect: built-in grants', () => {
  beforeEach(() => {
    installRtcFakes();
  });

  async function joined(peers: { identity: string; role: string }[] = [], stream = preview().stream) {
    const joining = connect(grant(), { stream, timeoutMs: 20_000 });
    const ws = FakeWebSocket.last;
    ws.serverOpen();
    ws.serverSend({ type: 'welcome', peers });
    const call = (await joining) as BuiltinPageCall;
    await flush();
    return { call, ws, stream };
  }

  it('uses the connection the page prepared before the click for its first peer; release closes an unused one', async () => {
    const network = {
      ice_servers: [{ urls: ['turn:turn.example.com:3478'], username: 'u', credential: 'p' }],
      ice_transport_policy: 'relay' as const,
      expires_at: new Date(Date.now() + 3_600_000).toISOString(),
    };
    prepare(network);
    expect(FakeRTCPeerConnection.instances).toHaveLength(1);
    const prepared = FakeRTCPeerConnection.instances[0];
    expect(prepared.config).toEqual({ iceServers: network.ice_servers, iceTransportPolicy: 'relay', iceCandidatePoolSize: 1 });
    const { call } = await joined([{ identity: 'agent:alice', role: 'agent' }]);
    expect(call.peerConnections()).toEqual([prepared]);
    expect(FakeRTCPeerConnection.instances).toHaveLength(1);
    call.leave();

    // A page that will not join (its call ended, the page goes) lets its relay go.
    prepare(network);
    const unused = FakeRTCPeerConnection.instances[1];
    release();
    expect(unused.closed).toBe(true);
  });

  it('says hello with the token and a session id, then its microphone and camera', async () => {
    const { call, ws } = await joined();
    expect(ws.sent[0]).toEqual({ type: 'hello', token: 'room-credential', session: expect.stringMatching(/^[0-9a-f]{24}$/) });
    expect(ws.sent[1]).toEqual({ type: 'state', audio: true, video: true });
    expect(call).toBeInstanceOf(BuiltinPageCall);
    expect('room' in call).toBe(false);
    expect(call.peerConnections()).toEqual([]);
    call.setEnabled('audio', false);
    expect(ws.sent.at(-1)).toEqual({ type: 'state', audio: false, video: true });
    call.leave();
  });

  it('tells the page of a participant without devices: present, microphone and camera off', async () => {
    const { call, ws } = await joined();
    const seen = record(call);
    ws.serverSend({ type: 'peer_joined', peer: { identity: 'agent:alex', role: 'agent' } });
    ws.serverSend({ type: 'state', from: 'agent:alex', audio: false, video: false });
    ws.serverSend({ type: 'signal', from: 'agent:alex', data: { description: { type: 'offer', sdp: 'their-offer' } } });
    await flush();
    expect(seen).toEqual([
      ['peer-state', 'agent:alex', { audio: false, video: false }],
      ['peer-joined', 'agent:alex', 'agent'],
    ]);
    expect(call.peerCount()).toBe(1);
    // Media when it comes: the same stream for each track.
    const pc = FakeRTCPeerConnection.instances[0];
    const theirs = new FakeMediaStream();
    pc.receive(new FakeMediaStreamTrack('audio'), theirs);
    pc.receive(new FakeMediaStreamTrack('video'), theirs);
    expect(seen.slice(2)).toEqual([
      ['remote-stream', 'agent:alex', theirs],
      ['remote-stream', 'agent:alex', theirs],
    ]);
    ws.serverSend({ type: 'peer_left', identity: 'agent:alex', reason: 'left' });
    expect(seen.at(-1)).toEqual(['peer-left', 'agent:alex', 'agent']);
    expect(call.peerCount()).toBe(0);
    call.leave();
  });

  it('reconnects its signalling (status reconnecting, then connected) and restarts ICE after the grace period', async () => {
    vi.useFakeTimers();
    const { call, ws } = await joined([{ identity: 'agent:alex', role: 'agent' }]);
    const seen = record(call);
    call.dropSignaling();
    await vi.advanceTimersByTimeAsync(0);
    expect(seen).toEqual([['status', 'reconnecting']]);
    await vi.advanceTimersByTimeAsync(250);
    const again = FakeWebSocket.last;
    expect(again).not.toBe(ws);
    again.serverOpen();
    expect(again.sent[0]).toEqual({ type: 'hello', token: 'room-credential', session: (ws.sent[0] as { session: string }).session });
    again.serverSend({ type: 'welcome', peers: [{ identity: 'agent:alex', role: 'agent' }] });
    expect(seen.at(-1)).toEqual(['status', 'connected']);

    const pc = FakeRTCPeerConnection.instances[0];
    pc.setIce('disconnected');
    await vi.advanceTimersByTimeAsync(2_499);
    expect(pc.restarts).toBe(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(pc.restarts).toBe(1);
    expect(seen.at(-1)).toEqual(['status', 'reconnecting']);
    pc.setIce('connected');
    expect(seen.at(-1)).toEqual(['status', 'connected']);
    call.leave();
  });

  it('emits its quality samples as it sends them over the socket', async () => {
    vi.useFakeTimers({ now: 1_700_000_000_000 });
    const { call, ws } = await joined([{ identity: 'agent:alex', role: 'agent' }]);
    const seen = record(call);
    FakeRTCPeerConnection.instances[0].stats = [
      { id: 'T', type: 'transport', selectedCandidatePairId: 'CP' },
      { id: 'CP', type: 'candidate-pair', currentRoundTripTime: 0.02, localCandidateId: 'L' },
      { id: 'L', type: 'local-candidate', candidateType: 'relay' },
    ];
    await vi.advanceTimersByTimeAsync(5_000);
    const sample = { round_trip_ms: 20, packet_loss_percent: 0, relayed: true, reconnects: 0 };
    expect(ws.sentOf('quality')).toEqual([{ type: 'quality', sample }]);
    expect(seen).toEqual([['quality', sample]]);
    call.leave();
  });

  it('ends "completed" when the escalation ends, and leaves the page’s camera and microphone running', async () => {
    const { call, ws, stream } = await joined([{ identity: 'agent:alex', role: 'agent' }]);
    const seen = record(call);
    ws.serverSend({ type: 'ended' });
    expect(seen).toEqual([
      ['peer-left', 'agent:alex', 'agent'],
      ['ended', 'completed'],
    ]);
    expect(ws.closedWith).toEqual({ code: 1000, reason: 'bye' });
    expect(stream.getTracks().every((t) => t.readyState === 'live')).toBe(true);
  });

  it('leaves with bye: ended "left"', async () => {
    const { call, ws } = await joined();
    const seen = record(call);
    call.leave();
    expect(ws.sentOf('bye')).toHaveLength(1);
    expect(seen).toEqual([['ended', 'left']]);
  });

  it('rejects with the refusal’s reason and close code, and { reason: "unreachable" } on a timeout', async () => {
    const { stream } = preview();
    const full = connect(grant(), { stream }).catch((e: unknown) => e);
    FakeWebSocket.last.serverOpen();
    FakeWebSocket.last.serverClose(4409);
    expect(await full).toEqual({ reason: 'room_full', code: 4409 });
    const ended = connect(grant(), { stream }).catch((e: unknown) => e);
    FakeWebSocket.last.serverClose(4410);
    expect(await ended).toEqual({ reason: 'completed', code: 4410 });
    expect(stream.getTracks().every((t) => t.readyState === 'live')).toBe(true);

    vi.useFakeTimers();
    const slow = connect(grant(), { stream, timeoutMs: 1_000 }).catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(await slow).toEqual({ reason: 'unreachable' });
  });

  it('rejects with { reason: "unsupported" } without WebRTC', async () => {
    vi.stubGlobal('RTCPeerConnection', undefined);
    await expect(connect(grant())).rejects.toEqual({ reason: 'unsupported' });
  });
});

// ---- summarize, against the hand-written rtc.js's ---------------------------

// rtc.js's `summarize` as it was written by hand (dashboard/assets/rtc.js before it was
// generated), copied as it was (ES5): the reference the generated one must agree with.
function rtcJsSummarize(reports: any[], prev: any) {
  function round1(x: number) { return Math.round(x * 10) / 10; }
  var rtt = -1, relayed = false, received = 0, lost = 0, bytes = 0, width: any, height: any, freezes: any;
  reports.forEach(function (report: any) {
    var byId: any = {}, pair: any = null, transport: any = null;
    report.forEach(function (s: any) { byId[s.id] = s; if (s.type === 'transport' && s.selectedCandidatePairId) transport = s; });
    if (transport) pair = byId[transport.selectedCandidatePairId] || null;
    report.forEach(function (s: any) {
      if (!pair && s.type === 'candidate-pair' && s.nominated && s.state === 'succeeded') pair = s;
      if (s.type === 'remote-inbound-rtp' && typeof s.roundTripTime === 'number') rtt = Math.max(rtt, s.roundTripTime * 1000);
      if (s.type === 'inbound-rtp') {
        received += s.packetsReceived || 0;
        lost += Math.max(0, s.packetsLost || 0);
        bytes += s.bytesReceived || 0;
        if (s.kind === 'video') {
          if (s.frameWidth) { width = s.frameWidth; height = s.frameHeight; }
          if (typeof s.freezeCount === 'number') freezes = (freezes || 0) + s.freezeCount;
        }
      }
    });
    if (pair) {
      if (typeof pair.currentRoundTripTime === 'number') rtt = Math.max(rtt, pair.currentRoundTripTime * 1000);
      var local = byId[pair.localCandidateId];
      if (local && local.candidateType === 'relay') relayed = true;
    }
  });
  var now = Date.now();
  var totals = { at: now, received: received, lost: lost, bytes: bytes };
  if (rtt < 0) return { sample: null, totals: totals };
  var p = prev || { at: now, received: 0, lost: 0, bytes: 0 };
  var dr = Math.max(0, received - p.received), dl = Math.max(0, lost - p.lost);
  var ms = Math.max(1, now - p.at);
  var sample: any = {
    round_trip_ms: round1(Math.min(rtt, 60000)),
    packet_loss_percent: round1(dr + dl > 0 ? Math.min(100, 100 * dl / (dr + dl)) : 0),
    relayed: relayed
  };
  if (prev) sample.bitrate_kbps = round1(Math.max(0, bytes - p.bytes) * 8 / ms);
  if (width) { sample.width = width; sample.height = height; }
  if (freezes !== undefined) sample.freezes = freezes;
  return { sample: sample, totals: totals };
}

describe('summarize', () => {
  /** One peer connection's getStats(): TURN relay, both kinds received, a freeze. */
  function report(packets: { audio: number; video: number; lost: number; bytes: number }) {
    const stats = [
      { id: 'T1', type: 'transport', selectedCandidatePairId: 'CP1' },
      { id: 'CP0', type: 'candidate-pair', nominated: true, state: 'succeeded', currentRoundTripTime: 0.9, localCandidateId: 'LC0' },
      { id: 'CP1', type: 'candidate-pair', nominated: true, state: 'succeeded', currentRoundTripTime: 0.0412, localCandidateId: 'LC1' },
      { id: 'LC0', type: 'local-candidate', candidateType: 'host' },
      { id: 'LC1', type: 'local-candidate', candidateType: 'relay' },
      { id: 'RA', type: 'remote-inbound-rtp', kind: 'audio', roundTripTime: 0.0537 },
      { id: 'IA', type: 'inbound-rtp', kind: 'audio', packetsReceived: packets.audio, packetsLost: 0, bytesReceived: packets.bytes / 10 },
      { id: 'IV', type: 'inbound-rtp', kind: 'video', packetsReceived: packets.video, packetsLost: packets.lost, bytesReceived: packets.bytes, frameWidth: 640, frameHeight: 480, freezeCount: 1 },
    ];
    return new Map(stats.map((s) => [s.id, s]));
  }

  it('gives the figures rtc.js gave, first sample and the next', () => {
    vi.useFakeTimers({ now: 1_700_000_000_000 });
    const first = [report({ audio: 500, video: 1_200, lost: 7, bytes: 900_000 })];
    const ours = summarize(first, undefined);
    const theirs = rtcJsSummarize(first, undefined);
    expect(ours).toEqual(theirs);
    expect(ours.sample).toEqual({ round_trip_ms: 53.7, packet_loss_percent: 0.4, relayed: true, width: 640, height: 480, freezes: 1 });

    vi.advanceTimersByTime(5_000);
    const next = [report({ audio: 750, video: 1_800, lost: 19, bytes: 1_450_000 })];
    const ours2 = summarize(next, ours.totals);
    expect(ours2).toEqual(rtcJsSummarize(next, theirs.totals));
    expect(ours2.sample?.bitrate_kbps).toBe(968);
    expect(ours2.totals).toEqual({ at: 1_700_000_005_000, received: 2_550, lost: 19, bytes: 1_595_000 });
  });

  it('takes the nominated pair without a transport, and has no sample before a round trip is known', () => {
    vi.useFakeTimers({ now: 1_700_000_000_000 });
    const noTransport = [new Map([...report({ audio: 10, video: 10, lost: 0, bytes: 100 })].filter(([id]) => id !== 'T1' && id !== 'RA'))];
    expect(summarize(noTransport)).toEqual(rtcJsSummarize(noTransport, undefined));
    expect(summarize(noTransport).sample?.round_trip_ms).toBe(900);
    const nothing = [new Map([['IA', { id: 'IA', type: 'inbound-rtp', kind: 'audio', packetsReceived: 3 }]])];
    expect(summarize(nothing)).toEqual(rtcJsSummarize(nothing, undefined));
    expect(summarize(nothing).sample).toBeNull();
  });
});

describe.skipIf(!withDashboard)('npm run build:web -- --check', () => {
  const script = join(root, 'scripts', 'build-web.mjs');
  const run = (...args: string[]) => spawnSync(execPath, [script, ...args], { cwd: root, encoding: 'utf8' });

  it('passes on the committed rtc.js and snapshot.js, fails on a stale or missing copy, and builds the same bytes each time', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rtc-js-'));
    try {
      expect(run('--check').status).toBe(0);
      const committed = readFileSync(RTC_JS, 'utf8');
      const copy = join(dir, 'rtc.js');
      writeFileSync(copy, committed);
      expect(run('--check', '--out', copy).status).toBe(0);
      writeFileSync(copy, committed.replace('"use strict";', '"use strict";/* edited */'));
      const stale = run('--check', '--out', copy);
      expect(stale.status).toBe(1);
      expect(stale.stderr).toMatch(/run `npm run build:web`/);
      expect(run('--check', '--out', join(dir, 'missing.js')).status).toBe(1);

      const built = join(dir, 'built.js');
      expect(run('--out', built).status).toBe(0);
      expect(readFileSync(built, 'utf8')).toBe(committed);

      // The test call's snapshot.js is checked alike (`--check` alone checks every bundle).
      const snapshot = join(dir, 'snapshot.js');
      writeFileSync(snapshot, readFileSync(join(dirname(RTC_JS), 'snapshot.js'), 'utf8'));
      expect(run('--check', '--bundle', 'snapshot', '--out', snapshot).status).toBe(0);
      writeFileSync(snapshot, `${readFileSync(snapshot, 'utf8')}\n`);
      const staleSnapshot = run('--check', '--bundle', 'snapshot', '--out', snapshot);
      expect(staleSnapshot.status).toBe(1);
      expect(staleSnapshot.stderr).toMatch(/src\/web\/snapshot\.ts/);
      expect(run('--bundle', 'nope').status).toBe(2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 30_000);
});
