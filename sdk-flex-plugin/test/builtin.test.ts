import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import * as Video from 'twilio-video';
import { BuiltinCall, connectBuiltin } from '../src/video/builtin';
import { SpareConnection } from '../src/video/ahead';
import { callFailureText } from '../src/notifications';
import { makeTranslate } from '../src/strings';
import { CallError, type VideoGrant } from '../src/video/call';
import { VideoSessions } from '../src/video/session';
import {
  FakeMediaDevices,
  FakeMediaStream,
  FakeMediaStreamTrack,
  FakeRTCPeerConnection,
  FakeRtpSender,
  FakeWebSocket,
  fakeCameraStream,
  flush,
  installRtcFakes,
} from './fakeMedia';
import { FakeRoom } from './fakeVideo';

// No LocalDataTrack: these Twilio calls carry no asks or tells (the data track is tested in escalateCall.test.ts).
vi.mock('twilio-video', () => ({ connect: vi.fn(), createLocalVideoTrack: vi.fn(), LocalDataTrack: undefined }));

const SIGNAL = 'wss://video.example.com/v1/video/rooms/esc-1/signal';

function grant(over: Partial<VideoGrant> = {}): VideoGrant {
  return {
    provider: 'builtin',
    token: 'room-credential',
    room_name: 'esc-1',
    identity: 'agent:alice',
    expires_at: new Date(Date.now() + 3_600_000).toISOString(),
    signaling_url: SIGNAL,
    ice_servers: [{ urls: ['turn:turn.example.com:3478'], username: 'u', credential: 'p' }],
    ice_transport_policy: 'relay',
    recording: false,
    ...over,
  };
}

/** Connects (with `stream`, a camera and microphone by default), has the "server" welcome us with `peers`, and lets the first offers go out. */
async function connected(peers: { identity: string; role: string }[] = [], g = grant(), stream = fakeCameraStream()) {
  const pending = connectBuiltin(g, stream);
  const ws = FakeWebSocket.last;
  ws.serverOpen();
  ws.serverSend({ type: 'welcome', peers });
  const call = await pending;
  await flush();
  return { call, ws, stream };
}

/** A stream of `camera` (and a microphone, with `withMic`). */
function cameraStream(camera: FakeMediaStreamTrack, withMic = false): MediaStream {
  return new FakeMediaStream(withMic ? [new FakeMediaStreamTrack('audio'), camera] : [camera]) as unknown as MediaStream;
}

beforeEach(() => {
  installRtcFakes();
});

afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

describe('BuiltinCall', () => {
  it('opens the signalling URL and sends hello with the token first', async () => {
    const call = new BuiltinCall(grant(), fakeCameraStream());
    const started = call.start();
    const ws = FakeWebSocket.last;
    expect(ws.url).toBe(SIGNAL);
    ws.serverOpen();
    expect(ws.sent[0]).toEqual({ type: 'hello', token: 'room-credential', session: call.session });
    expect(call.session).toMatch(/^[0-9a-f]{24}$/);
    ws.serverSend({ type: 'welcome', peers: [] });
    await started;
    // Then our microphone and camera state.
    expect(ws.sent[1]).toEqual({ type: 'state', audio: true, video: true });
  });

  it('on welcome with a peer, offers to that peer with the grant ICE settings and relays it as a signal', async () => {
    const { call, ws } = await connected([{ identity: 'customer:k3y', role: 'customer' }]);
    // The customer's only: a spare is kept while waiting alone.
    expect(FakeRTCPeerConnection.instances).toHaveLength(1);
    const pc = FakeRTCPeerConnection.instances[0];
    expect(pc.config).toEqual({
      iceServers: [{ urls: ['turn:turn.example.com:3478'], username: 'u', credential: 'p' }],
      iceTransportPolicy: 'relay',
    });
    expect(pc.tracks.map((t) => t.kind).sort()).toEqual(['audio', 'video']);
    const signals = ws.sentOf('signal');
    expect(signals).toEqual([{ type: 'signal', to: 'customer:k3y', data: { description: { type: 'offer', sdp: 'offer-1' } } }]);

    // Their answer and candidates go to the connection; their track shows up as a remote stream.
    ws.serverSend({ type: 'signal', from: 'customer:k3y', data: { description: { type: 'answer', sdp: 'a' } } });
    await flush();
    expect(pc.setRemoteDescription).toHaveBeenCalledWith({ type: 'answer', sdp: 'a' });
    ws.serverSend({ type: 'signal', from: 'customer:k3y', data: { candidate: { candidate: 'c1' } } });
    await flush();
    expect(pc.candidates).toEqual([{ candidate: 'c1' }]);
    const theirs = new FakeMediaStream();
    const track = new FakeMediaStreamTrack('video');
    pc.receive(track, theirs);
    expect(call.remotes()).toEqual([
      { identity: 'customer:k3y', role: 'customer', stream: theirs, audio: true, video: true },
    ]);
    expect(call.peerConnections()).toEqual([pc]);
  });

  it('asks a customer for the back camera, and tells of being asked (never acting on it)', async () => {
    const { call, ws } = await connected([{ identity: 'customer:k3y', role: 'customer' }]);
    expect(call.ask('customer:k3y', 'back_camera')).toBe(true);
    expect(ws.sentOf('ask')).toEqual([{ type: 'ask', to: 'customer:k3y', what: 'back_camera' }]);
    const heard: unknown[][] = [];
    const pending = connectBuiltin(grant({ identity: 'customer:k3y' }), fakeCameraStream(), {
      events: (name, ...args) => {
        if (name === 'asked') heard.push(args);
      },
    });
    const theirs = FakeWebSocket.last;
    theirs.serverOpen();
    theirs.serverSend({ type: 'welcome', peers: [{ identity: 'agent:alex', role: 'agent' }] });
    await pending;
    theirs.serverSend({ type: 'asked', from: 'agent:alex', what: 'back_camera' });
    await flush();
    expect(heard).toEqual([['agent:alex', 'back_camera']]);
    call.leave();
    expect(call.ask('customer:k3y', 'back_camera')).toBe(false);
  });

  it('tells the customers of a snapshot (kept for after a reconnect), and tells of being told', async () => {
    vi.useFakeTimers();
    const { call, ws } = await connected([{ identity: 'customer:k3y', role: 'customer' }]);
    expect(call.tell('snapshot_taken')).toBe(true);
    expect(ws.sentOf('tell')).toEqual([{ type: 'tell', what: 'snapshot_taken' }]);
    // Said while the socket is down: sent once it is back, after the welcome.
    call.dropSignaling();
    expect(call.tell('snapshot_taken')).toBe(true);
    await vi.advanceTimersByTimeAsync(250);
    const again = FakeWebSocket.last;
    again.serverOpen();
    expect(again.sentOf('tell')).toEqual([]);
    again.serverSend({ type: 'welcome', peers: [{ identity: 'customer:k3y', role: 'customer' }] });
    expect(again.sentOf('tell')).toEqual([{ type: 'tell', what: 'snapshot_taken' }]);

    const heard: unknown[][] = [];
    const pending = connectBuiltin(grant({ identity: 'customer:k3y' }), fakeCameraStream(), {
      events: (name, ...args) => {
        if (name === 'told') heard.push(args);
      },
    });
    const theirs = FakeWebSocket.last;
    theirs.serverOpen();
    theirs.serverSend({ type: 'welcome', peers: [{ identity: 'agent:alice', role: 'agent' }] });
    await pending;
    theirs.serverSend({ type: 'told', from: 'agent:alice', what: 'snapshot_taken' });
    expect(heard).toEqual([['agent:alice', 'snapshot_taken']]);
    call.leave();
    expect(call.tell('snapshot_taken')).toBe(false);
  });

  it('staff waiting alone keep one connection gathering ahead: whoever joins takes it, and one is kept again when they leave', async () => {
    const { call, ws } = await connected([]);
    expect(FakeRTCPeerConnection.instances).toHaveLength(1);
    const spare = FakeRTCPeerConnection.instances[0];
    // Its pool's relay candidate comes out as soon as the provisional answer is set.
    spare.onLocalDescription = (d) => {
      if (d.type === 'pranswer') spare.onicecandidate?.({ candidate: { toJSON: () => ({ candidate: 'relay-1' }) } });
    };
    expect(spare.config).toEqual({
      iceServers: [{ urls: ['turn:turn.example.com:3478'], username: 'u', credential: 'p' }],
      iceTransportPolicy: 'relay',
      iceCandidatePoolSize: 1,
    });
    ws.serverSend({ type: 'signal', from: 'customer:k3y', data: { description: { type: 'offer', sdp: 'their-offer' } } });
    await flush();
    expect(call.peerConnections()).toEqual([spare]);
    expect(spare.setRemoteDescription).toHaveBeenCalledWith({ type: 'offer', sdp: 'their-offer' });
    // Answered first as provisional, so that gathering starts from the pool (Chrome drops it on a final answer).
    expect(spare.localDescriptions).toEqual([
      { type: 'pranswer', sdp: 'answer-1' },
      { type: 'answer', sdp: 'answer-1' },
    ]);
    // The candidate waited for the answer: the customer cannot add it before the answer.
    expect(ws.sentOf('signal')).toEqual([
      { type: 'signal', to: 'customer:k3y', data: { description: { type: 'answer', sdp: 'answer-1' } } },
      { type: 'signal', to: 'customer:k3y', data: { candidate: { candidate: 'relay-1' } } },
    ]);
    // Not alone any more: no relay held for nobody.
    expect(FakeRTCPeerConnection.instances).toHaveLength(1);
    // They leave (a reload, the phone taking over): one is kept for their return.
    ws.serverSend({ type: 'peer_left', identity: 'customer:k3y' });
    await flush();
    expect(FakeRTCPeerConnection.instances).toHaveLength(2);
    const next = FakeRTCPeerConnection.instances[1];
    expect(next.config.iceCandidatePoolSize).toBe(1);
    expect(next.closed).toBe(false);
    call.leave();
    expect(spare.closed && next.closed).toBe(true);
    // Nothing is prepared once the call is over.
    expect(FakeRTCPeerConnection.instances).toHaveLength(2);
  });

  it('sends the candidates it held even when the answer cannot be set', async () => {
    const { ws } = await connected([]);
    const spare = FakeRTCPeerConnection.instances[0];
    spare.onLocalDescription = (d) => {
      if (d.type === 'pranswer') {
        spare.onicecandidate?.({ candidate: { toJSON: () => ({ candidate: 'relay-1' }) } });
        spare.closed = true; // the final answer then fails
      }
    };
    ws.serverSend({ type: 'signal', from: 'customer:k3y', data: { description: { type: 'offer', sdp: 'their-offer' } } });
    await flush();
    expect(ws.sentOf('signal')).toEqual([{ type: 'signal', to: 'customer:k3y', data: { candidate: { candidate: 'relay-1' } } }]);
  });

  it('answers without a provisional answer where the browser refuses one', async () => {
    const { call, ws } = await connected([]);
    FakeRTCPeerConnection.instances[0].refusePranswer = true;
    ws.serverSend({ type: 'signal', from: 'customer:k3y', data: { description: { type: 'offer', sdp: 'their-offer' } } });
    await flush();
    const [pc] = call.peerConnections() as unknown as FakeRTCPeerConnection[];
    expect(pc.localDescriptions).toEqual([{ type: 'answer', sdp: 'answer-1' }]);
    expect(pc.signalingState).toBe('stable');
    expect(ws.sentOf('signal')).toEqual([{ type: 'signal', to: 'customer:k3y', data: { description: { type: 'answer', sdp: 'answer-1' } } }]);
  });

  it('a customer keeps no spare; one prepared by the page before joining is the first connection', async () => {
    // No page connection: the agent's connection is made as the call starts, and none more.
    await connected([{ identity: 'agent:alice', role: 'agent' }], grant({ identity: 'customer:k3y' }));
    expect(FakeRTCPeerConnection.instances).toHaveLength(1);
    expect(FakeRTCPeerConnection.instances[0].config.iceCandidatePoolSize).toBeUndefined();

    FakeRTCPeerConnection.instances = [];
    const ahead = new SpareConnection();
    ahead.keep({ iceServers: [{ urls: 'turn:turn.example.com:3478' }], iceTransportPolicy: 'relay' }, Date.now() + 3_600_000);
    expect(FakeRTCPeerConnection.instances).toHaveLength(1);
    const prepared = FakeRTCPeerConnection.instances[0];
    const pending = connectBuiltin(grant({ identity: 'customer:k3y' }), fakeCameraStream(), { ahead });
    const ws = FakeWebSocket.last;
    ws.serverOpen();
    ws.serverSend({ type: 'welcome', peers: [{ identity: 'agent:alice', role: 'agent' }] });
    const call = await pending;
    await flush();
    expect(FakeRTCPeerConnection.instances).toHaveLength(1);
    expect(call.peerConnections()).toEqual([prepared]);
    expect(prepared.tracks.map((t) => t.kind).sort()).toEqual(['audio', 'video']);
    expect(ws.sentOf('signal')[0]).toEqual({ type: 'signal', to: 'agent:alice', data: { description: { type: 'offer', sdp: 'offer-1' } } });
  });

  it('a connection prepared ahead is not used once its TURN passwords are about to end, nor made without ICE servers', () => {
    const ahead = new SpareConnection();
    ahead.keep({ iceServers: [] }, Date.now() + 3_600_000);
    ahead.keep({ iceServers: [{ urls: 'turn:turn.example.com:3478' }] }, Date.now() + 30_000);
    expect(FakeRTCPeerConnection.instances).toHaveLength(0);
    ahead.keep({ iceServers: [{ urls: 'turn:turn.example.com:3478' }] }, Date.now() + 3_600_000);
    const stale = FakeRTCPeerConnection.instances[0];
    expect(ahead.take(Date.now() + 3_600_000 - 30_000)).toBeUndefined();
    expect(stale.closed).toBe(true);
    ahead.keep({ iceServers: [{ urls: 'turn:turn.example.com:3478' }] }, Number.NaN);
    const fresh = FakeRTCPeerConnection.instances[1];
    expect(fresh).toBeDefined();
    expect(ahead.take()).toBe(fresh);
    expect(ahead.take()).toBeUndefined();
  });

  it('on peer_joined waits for their offer, then answers it', async () => {
    const { call, ws } = await connected([]);
    ws.serverSend({ type: 'peer_joined', peer: { identity: 'customer:k3y', role: 'customer' } });
    await flush();
    // Only the spare, gathering ahead: nothing offered to them.
    expect(FakeRTCPeerConnection.instances).toHaveLength(1);
    expect(ws.sentOf('signal')).toEqual([]);
    ws.serverSend({ type: 'signal', from: 'customer:k3y', data: { description: { type: 'offer', sdp: 'their-offer' } } });
    await flush();
    const pc = FakeRTCPeerConnection.instances[0];
    expect(pc.setRemoteDescription).toHaveBeenCalledWith({ type: 'offer', sdp: 'their-offer' });
    const answers = ws.sentOf('signal').filter((m) => (m.data as { description?: { type: string } }).description?.type === 'answer');
    expect(answers).toHaveLength(1);
    expect(answers[0].to).toBe('customer:k3y');
    expect(call.remotes()[0].role).toBe('customer');
  });

  it('takes the role from the identity for an offer from someone not announced (a customer is the customer)', async () => {
    const { call, ws } = await connected([]);
    ws.serverSend({ type: 'signal', from: 'customer:0a1b2c3d4e5f6071', data: { description: { type: 'offer', sdp: 'their-offer' } } });
    await flush();
    expect(call.remotes()[0]).toMatchObject({ identity: 'customer:0a1b2c3d4e5f6071', role: 'customer' });
  });

  it('receive-only (monitoring): no tracks of its own, recvonly connections, answers offers, says audio and video off', async () => {
    expect(() => new BuiltinCall(grant(), fakeCameraStream(), undefined, true)).toThrow(/no local stream/);
    const pending = connectBuiltin(grant({ identity: 'agent:sam' }), undefined, { receiveOnly: true });
    const ws = FakeWebSocket.last;
    ws.serverOpen();
    ws.serverSend({ type: 'welcome', peers: [] });
    const call = await pending;
    expect(call.receiveOnly).toBe(true);
    expect(call.micEnabled).toBe(false);
    expect(call.cameraEnabled).toBe(false);
    expect(ws.sentOf('state')).toEqual([{ type: 'state', audio: false, video: false }]);

    // The customer comes in later and offers.
    ws.serverSend({ type: 'peer_joined', peer: { identity: 'customer:k3y', role: 'customer' } });
    ws.serverSend({ type: 'signal', from: 'customer:k3y', data: { description: { type: 'offer', sdp: 'their-offer' } } });
    await flush();
    const pc = FakeRTCPeerConnection.instances[0];
    expect(pc.tracks).toEqual([]);
    expect(pc.transceivers).toEqual([
      { kind: 'audio', direction: 'recvonly' },
      { kind: 'video', direction: 'recvonly' },
    ]);
    const answers = ws.sentOf('signal').filter((m) => (m.data as { description?: { type: string } }).description?.type === 'answer');
    expect(answers).toHaveLength(1);

    // Their camera arrives; a screen they share would replace it on the same track (replaceTrack): no second view.
    const theirs = new FakeMediaStream();
    pc.receive(new FakeMediaStreamTrack('video'), theirs);
    expect(call.remotes()).toEqual([{ identity: 'customer:k3y', role: 'customer', stream: theirs, audio: true, video: true }]);

    // Turning the microphone "on" changes nothing; the camera, devices and screen are refused.
    call.setMicEnabled(true);
    expect(call.micEnabled).toBe(false);
    await expect(call.setCameraEnabled(true)).rejects.toThrow(/Monitoring/);
    await expect(call.setDevice('videoinput', 'cam-2')).rejects.toThrow(/Monitoring/);
    await expect(call.startScreenShare()).rejects.toThrow(/Monitoring/);
    call.leave();
  });

  it('ignores a colliding offer on the impolite side', async () => {
    // 'agent:alice' < 'customer:k3y': the agent is impolite towards the customer.
    const { ws } = await connected([{ identity: 'customer:k3y', role: 'customer' }]);
    const pc = FakeRTCPeerConnection.instances[0];
    expect(pc.signalingState).toBe('have-local-offer');
    ws.serverSend({ type: 'signal', from: 'customer:k3y', data: { description: { type: 'offer', sdp: 'theirs' } } });
    // A candidate of the ignored offer is dropped quietly.
    ws.serverSend({ type: 'signal', from: 'customer:k3y', data: { candidate: { candidate: 'c' } } });
    await flush();
    expect(pc.setRemoteDescription).not.toHaveBeenCalled();
    expect(pc.signalingState).toBe('have-local-offer');
    expect(ws.sentOf('signal').filter((m) => (m.data as { description?: { type: string } }).description?.type === 'answer')).toEqual([]);
  });

  it('accepts a colliding offer on the polite side (rolls back its own and answers)', async () => {
    // 'agent:zoe' > 'agent:alice': polite.
    const { ws } = await connected([{ identity: 'agent:alice', role: 'agent' }], grant({ identity: 'agent:zoe' }));
    const pc = FakeRTCPeerConnection.instances[0];
    expect(pc.signalingState).toBe('have-local-offer');
    ws.serverSend({ type: 'signal', from: 'agent:alice', data: { description: { type: 'offer', sdp: 'theirs' } } });
    await flush();
    expect(pc.setRemoteDescription).toHaveBeenCalledWith({ type: 'offer', sdp: 'theirs' });
    const last = ws.sentOf('signal').at(-1);
    expect(last).toEqual({ type: 'signal', to: 'agent:alice', data: { description: { type: 'answer', sdp: 'answer-2' } } });
    expect(pc.signalingState).toBe('stable');
  });

  it('reconnects after a non-final close with the same token and session: reconnecting, then connected', async () => {
    vi.useFakeTimers();
    const { call, ws } = await connected([{ identity: 'customer:k3y', role: 'customer' }]);
    const statuses: string[] = [];
    call.onChange(() => {
      if (statuses.at(-1) !== call.status) statuses.push(call.status);
    });
    ws.serverClose(1006);
    expect(call.status).toBe('reconnecting');
    expect(FakeWebSocket.instances).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(250);
    expect(FakeWebSocket.instances).toHaveLength(2);
    const again = FakeWebSocket.last;
    expect(again.url).toBe(SIGNAL);
    again.serverOpen();
    expect(again.sent[0]).toEqual({ type: 'hello', token: 'room-credential', session: call.session });
    // A state change while away is queued and sent after the welcome.
    again.serverSend({ type: 'welcome', peers: [{ identity: 'customer:k3y', role: 'customer' }] });
    expect(call.status).toBe('connected');
    expect(statuses).toEqual(['reconnecting', 'connected']);
    expect(call.ended).toBeUndefined();
    // The media connection lived on: no new one.
    expect(FakeRTCPeerConnection.instances).toHaveLength(1);
  });

  it('backs off and stops retrying behind a spinner when the first connection never gets in', async () => {
    vi.useFakeTimers();
    const pending = connectBuiltin(grant(), fakeCameraStream()).catch((e: unknown) => e);
    FakeWebSocket.last.serverClose(1006);
    await vi.advanceTimersByTimeAsync(250);
    FakeWebSocket.last.serverClose(1006);
    await vi.advanceTimersByTimeAsync(500);
    FakeWebSocket.last.serverClose(1006);
    const err = (await pending) as CallError;
    expect(err).toBeInstanceOf(CallError);
    expect(err.reason).toBe('unreachable');
    expect(FakeWebSocket.instances).toHaveLength(3);
  });

  it.each([
    [4410, 'completed'],
    [4000, 'replaced'],
    [4409, 'room_full'],
  ])('ends the call on final close code %i with reason %s, without reconnecting', async (code, reason) => {
    vi.useFakeTimers();
    const { call, ws, stream } = await connected([{ identity: 'customer:k3y', role: 'customer' }]);
    ws.serverClose(code);
    expect(call.ended).toBe(reason);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(FakeWebSocket.instances).toHaveLength(1);
    expect(FakeRTCPeerConnection.instances[0].closed).toBe(true);
    expect(call.remotes()).toEqual([]);
    // The camera and microphone are released.
    expect(stream.getTracks().every((t) => t.readyState === 'ended')).toBe(true);
  });

  it('ends as completed on the ended message', async () => {
    const { call } = await connected([]);
    FakeWebSocket.last.serverSend({ type: 'ended' });
    expect(call.ended).toBe('completed');
    expect(FakeWebSocket.last.closedWith).toEqual({ code: 1000, reason: 'bye' });
  });

  it('rejects the first connect with code 4401 as a CallError, which the agent reads in words', async () => {
    const pending = connectBuiltin(grant(), fakeCameraStream()).catch((e: unknown) => e);
    FakeWebSocket.last.serverOpen();
    FakeWebSocket.last.serverClose(4401);
    const err = (await pending) as CallError;
    expect(err).toBeInstanceOf(CallError);
    expect(err.code).toBe(4401);
    expect(err.reason).toBe('unauthorized');
    // The words are the plugin's (the join page's bundle carries none).
    expect(callFailureText(err)).toBe('The video service refused the credential (unauthorized, 4401)');
    expect(callFailureText(new CallError('room_full', 4409))).toBe('The video room is full');
    expect(callFailureText(new CallError('unreachable'))).toBe('The video service could not be reached');
    expect(callFailureText(new Error('No camera'))).toBe('No camera');
    // In the configured language.
    const es = makeTranslate(() => ({}), undefined, 'es');
    expect(callFailureText(err, es)).toBe('El servicio de video rechazó la credencial (unauthorized, 4401)');
    expect(callFailureText(new CallError('room_full', 4409), es)).toBe('La sala de video está llena');
  });

  it('mute disables the microphone track and sends state {audio:false}', async () => {
    const { call, ws, stream } = await connected([]);
    call.setMicEnabled(false);
    expect(stream.getAudioTracks()[0].enabled).toBe(false);
    expect(ws.sent.at(-1)).toEqual({ type: 'state', audio: false, video: true });
    expect(call.micEnabled).toBe(false);
    await call.setCameraEnabled(false);
    expect(stream.getVideoTracks()[0].enabled).toBe(false);
    expect(ws.sent.at(-1)).toEqual({ type: 'state', audio: false, video: false });
    call.setMicEnabled(true);
    expect(ws.sent.at(-1)).toEqual({ type: 'state', audio: true, video: false });
  });

  it('records the other side mic/camera state, and forgets a peer that left', async () => {
    const { call, ws } = await connected([{ identity: 'customer:k3y', role: 'customer' }]);
    ws.serverSend({ type: 'state', from: 'customer:k3y', audio: false, video: true });
    expect(call.remotes()[0]).toMatchObject({ audio: false, video: true });
    ws.serverSend({ type: 'peer_left', identity: 'customer:k3y' });
    expect(call.remotes()).toEqual([]);
    expect(FakeRTCPeerConnection.instances[0].closed).toBe(true);
  });

  it('restarts ICE on failed, and after the grace period of disconnected', async () => {
    vi.useFakeTimers();
    const { call } = await connected([{ identity: 'customer:k3y', role: 'customer' }]);
    const pc = FakeRTCPeerConnection.instances[0];
    pc.setIce('connected');
    pc.setIce('failed');
    expect(pc.restarts).toBe(1);
    expect(call.status).toBe('reconnecting');
    pc.setIce('connected');
    expect(call.status).toBe('connected');
    pc.setIce('disconnected');
    await vi.advanceTimersByTimeAsync(2_000);
    expect(pc.restarts).toBe(1);
    await vi.advanceTimersByTimeAsync(600);
    expect(pc.restarts).toBe(2);
  });

  it('sends a new connection\'s first frames at most 320×240, and full size 2 s after it connects', async () => {
    vi.useFakeTimers();
    const camera = new FakeMediaStreamTrack('video');
    camera.size = { width: 1280, height: 720 };
    const peers = [{ identity: 'customer:k3y', role: 'customer' }, { identity: 'customer:p2', role: 'customer' }];
    const { call, ws } = await connected(peers, grant(), cameraStream(camera, true));
    const [first, second] = FakeRTCPeerConnection.instances;
    const video = (pc: FakeRTCPeerConnection) => pc.senders.find((x) => x.track === camera)!;
    const audio = (pc: FakeRTCPeerConnection) => pc.senders.find((x) => x.track?.kind === 'audio')!;
    // 1280×720 / 3.5 = 366×206: within 320×240's pixels. The microphone is left alone.
    expect(video(first).encodings[0].scaleResolutionDownBy).toBe(3.5);
    expect(audio(first).setParameters).not.toHaveBeenCalled();
    first.setIce('connected');
    await vi.advanceTimersByTimeAsync(1_900);
    expect(video(first).encodings[0].scaleResolutionDownBy).toBe(3.5);
    await vi.advanceTimersByTimeAsync(100);
    expect(video(first).encodings[0].scaleResolutionDownBy).toBe(1);
    // Once: an ICE restart's reconnection does not scale it again.
    first.setIce('disconnected');
    first.setIce('connected');
    await vi.advanceTimersByTimeAsync(5_000);
    expect(video(first).setParameters).toHaveBeenCalledTimes(2);
    // A peer that leaves before then is never touched again.
    second.setIce('connected');
    ws.serverSend({ type: 'peer_left', identity: 'customer:p2' });
    await vi.advanceTimersByTimeAsync(5_000);
    expect(video(second).setParameters).toHaveBeenCalledTimes(1);
    call.leave();
  });

  it('still connects where the browser throws on sender parameters', async () => {
    const camera = new FakeMediaStreamTrack('video');
    camera.size = { width: 1280, height: 720 };
    const original = FakeRtpSender.prototype.getParameters;
    FakeRtpSender.prototype.getParameters = () => {
      throw new Error('not supported');
    };
    try {
      const { call, ws } = await connected([{ identity: 'customer:k3y', role: 'customer' }], grant(), cameraStream(camera));
      expect(ws.sentOf('signal')).toHaveLength(1);
      expect(FakeRTCPeerConnection.instances[0].senders[0].setParameters).not.toHaveBeenCalled();
      call.leave();
    } finally {
      FakeRtpSender.prototype.getParameters = original;
    }
  });

  it('leaves a camera no larger than 320×240, and one of unknown size, as it is', async () => {
    for (const size of [{ width: 320, height: 240 }, undefined]) {
      FakeRTCPeerConnection.instances = [];
      const camera = new FakeMediaStreamTrack('video');
      camera.size = size;
      const { call } = await connected([{ identity: 'customer:k3y', role: 'customer' }], grant(), cameraStream(camera));
      expect(FakeRTCPeerConnection.instances[0].senders[0].setParameters).not.toHaveBeenCalled();
      call.leave();
    }
  });

  it('leave sends bye, closes the socket and the connections', async () => {
    const { call, ws } = await connected([{ identity: 'customer:k3y', role: 'customer' }]);
    call.leave();
    expect(ws.sent.at(-1)).toEqual({ type: 'bye' });
    expect(ws.closedWith).toEqual({ code: 1000, reason: 'bye' });
    expect(call.ended).toBe('left');
    expect(FakeRTCPeerConnection.instances[0].closed).toBe(true);
    const count = ws.sent.length;
    call.leave();
    expect(ws.sent).toHaveLength(count);
  });

  it('pings every 20 s', async () => {
    vi.useFakeTimers();
    const { ws } = await connected([]);
    await vi.advanceTimersByTimeAsync(40_000);
    expect(ws.sentOf('ping')).toHaveLength(2);
  });
});

describe('BuiltinCall quality samples', () => {
  /** A connection whose selected pair goes through a TURN relay, receiving audio and video. */
  function stats(pc: FakeRTCPeerConnection, received: { packets: number; lost: number; bytes: number }) {
    pc.stats = [
      { id: 'T1', type: 'transport', selectedCandidatePairId: 'CP1' },
      { id: 'CP1', type: 'candidate-pair', nominated: true, state: 'succeeded', localCandidateId: 'L1', currentRoundTripTime: 0.042 },
      { id: 'L1', type: 'local-candidate', candidateType: 'relay' },
      { id: 'RI1', type: 'remote-inbound-rtp', kind: 'audio', roundTripTime: 0.0612 },
      { id: 'IA', type: 'inbound-rtp', kind: 'audio', packetsReceived: 100, packetsLost: 0, bytesReceived: 10_000 },
      {
        id: 'IV',
        type: 'inbound-rtp',
        kind: 'video',
        packetsReceived: received.packets,
        packetsLost: received.lost,
        bytesReceived: received.bytes,
        frameWidth: 640,
        frameHeight: 360,
        freezeCount: 0,
      },
    ];
  }

  it('sends a `quality` sample over its socket every 5 s while connected to someone, and none after leaving', async () => {
    vi.useFakeTimers();
    const { call, ws } = await connected([{ identity: 'customer:k3y', role: 'customer' }]);
    const pc = FakeRTCPeerConnection.instances[0];
    stats(pc, { packets: 900, lost: 0, bytes: 490_000 });
    await vi.advanceTimersByTimeAsync(5_000);
    expect(ws.sentOf('quality')).toEqual([
      {
        type: 'quality',
        sample: { round_trip_ms: 61.2, packet_loss_percent: 0, relayed: true, width: 640, height: 360, freezes: 0, reconnects: 0 },
      },
    ]);

    // 50 video packets received since and 50 lost (no audio came); 500 000 bytes in 5 s.
    stats(pc, { packets: 950, lost: 50, bytes: 990_000 });
    await vi.advanceTimersByTimeAsync(5_000);
    expect(ws.sentOf('quality').at(-1)).toEqual({
      type: 'quality',
      sample: {
        round_trip_ms: 61.2,
        packet_loss_percent: 50,
        relayed: true,
        bitrate_kbps: 800,
        width: 640,
        height: 360,
        freezes: 0,
        reconnects: 0,
      },
    });

    call.leave();
    const calls = pc.getStats.mock.calls.length;
    await vi.advanceTimersByTimeAsync(20_000);
    expect(pc.getStats).toHaveBeenCalledTimes(calls);
    expect(ws.sentOf('quality')).toHaveLength(2);
  });

  it('measures nothing without a peer or while the socket is down, and counts the times the connection came back', async () => {
    vi.useFakeTimers();
    const { call, ws } = await connected([]);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(ws.sentOf('quality')).toEqual([]);

    // The customer comes in; their media needs an ICE restart, which works.
    ws.serverSend({ type: 'signal', from: 'customer:k3y', data: { description: { type: 'offer', sdp: 'their-offer' } } });
    await flush();
    const pc = FakeRTCPeerConnection.instances[0];
    stats(pc, { packets: 100, lost: 0, bytes: 1_000 });
    pc.setIce('connected');
    pc.setIce('failed');
    pc.setIce('connected');

    // Signalling drops just before the 15 s round: nothing is measured (or queued) until it is back.
    await vi.advanceTimersByTimeAsync(4_900);
    ws.serverClose(1006);
    await vi.advanceTimersByTimeAsync(250);
    expect(pc.getStats).not.toHaveBeenCalled();
    const again = FakeWebSocket.last;
    expect(again).not.toBe(ws);
    again.serverOpen();
    again.serverSend({ type: 'welcome', peers: [{ identity: 'customer:k3y', role: 'customer' }] });
    await vi.advanceTimersByTimeAsync(4_850);
    expect(pc.getStats).toHaveBeenCalledTimes(1);
    expect(ws.sentOf('quality')).toEqual([]);
    // Back twice: the media after the ICE restart, then the signalling.
    expect(again.sentOf('quality')).toEqual([{ type: 'quality', sample: expect.objectContaining({ reconnects: 2 }) }]);
    call.leave();
  });

  it('sends none from a call joined with reportQuality false (a supervisor’s)', async () => {
    vi.useFakeTimers();
    const pending = connectBuiltin(grant({ identity: 'agent:sam' }), fakeCameraStream(), { reportQuality: false });
    const ws = FakeWebSocket.last;
    ws.serverOpen();
    ws.serverSend({ type: 'welcome', peers: [{ identity: 'customer:k3y', role: 'customer' }] });
    const call = await pending;
    const pc = FakeRTCPeerConnection.instances[0];
    stats(pc, { packets: 100, lost: 0, bytes: 1_000 });
    await vi.advanceTimersByTimeAsync(20_000);
    expect(pc.getStats).not.toHaveBeenCalled();
    expect(ws.sentOf('quality')).toEqual([]);
    call.leave();
  });
});

describe('VideoSessions.join picks the provider', () => {
  it('builtin: the camera and microphone, then the signalling WebSocket', async () => {
    const media = new FakeMediaDevices();
    const sessions = new VideoSessions({ media });
    const joining = sessions.join('WT1', grant());
    await flush();
    expect(media.getUserMedia).toHaveBeenCalledWith({ audio: true, video: { width: 640 } });
    FakeWebSocket.last.serverOpen();
    FakeWebSocket.last.serverSend({ type: 'welcome', peers: [] });
    const session = await joining;
    expect(session.state.provider).toBe('builtin');
    expect(Video.connect).not.toHaveBeenCalled();
    expect(sessions.get('WT1')).toBe(session);
    sessions.leave('WT1');
    expect(sessions.get('WT1')).toBeUndefined();
    expect(sessions.endReason('WT1')).toBe('left');
  });

  it('twilio: twilio-video with the token and the room name', async () => {
    const room = new FakeRoom('esc-1');
    vi.mocked(Video.connect).mockResolvedValue(room as unknown as Video.Room);
    const media = new FakeMediaDevices();
    const sessions = new VideoSessions({ media });
    const session = await sessions.join('WT1', grant({ provider: 'twilio', token: 'tw-token' }));
    expect(Video.connect).toHaveBeenCalledWith('tw-token', expect.objectContaining({ name: 'esc-1' }));
    expect(session.state.provider).toBe('twilio');
    expect(FakeWebSocket.instances).toHaveLength(0);
    expect(media.getUserMedia).not.toHaveBeenCalled();
  });

  it('builtin: a refused join releases the camera', async () => {
    const stream = fakeCameraStream();
    const media = new FakeMediaDevices();
    media.getUserMedia.mockResolvedValue(stream);
    const sessions = new VideoSessions({ media });
    const joining = sessions.join('WT1', grant()).catch((e: unknown) => e);
    await flush();
    FakeWebSocket.last.serverOpen();
    FakeWebSocket.last.serverClose(4409);
    expect(((await joining) as CallError).reason).toBe('room_full');
    expect(stream.getTracks().every((t) => t.readyState === 'ended')).toBe(true);
    expect(sessions.get('WT1')).toBeUndefined();
  });
});

describe('VideoSessions.prepare: the agent’s first connection gathers before the click', () => {
  const pooled = () => FakeRTCPeerConnection.instances.filter((pc) => pc.config.iceCandidatePoolSize === 1);

  it('gathers once for the task about to be joined, and that call’s first peer takes it', async () => {
    const sessions = new VideoSessions({ media: new FakeMediaDevices() });
    sessions.prepare('WT1', grant());
    sessions.prepare('WT1', grant());
    expect(pooled()).toHaveLength(1);
    const [prepared] = pooled();
    expect(prepared.config).toEqual({
      iceServers: [{ urls: ['turn:turn.example.com:3478'], username: 'u', credential: 'p' }],
      iceTransportPolicy: 'relay',
      iceCandidatePoolSize: 1,
    });
    const joining = sessions.join('WT1', grant());
    await flush();
    FakeWebSocket.last.serverOpen();
    FakeWebSocket.last.serverSend({ type: 'welcome', peers: [{ identity: 'customer:k3y', role: 'customer' }] });
    const session = await joining;
    await flush();
    expect(session.call.peerConnections()).toEqual([prepared]);
    expect(prepared.closed).toBe(false);
    // The tab going away now does not touch the call's connection.
    sessions.release('WT1');
    expect(prepared.closed).toBe(false);
    // Nothing is prepared while a call is live.
    sessions.prepare('WT2', grant());
    expect(pooled()).toHaveLength(1);
    sessions.leave('WT1');
    expect(prepared.closed).toBe(true);
  });

  it('releases what the tab prepared when it goes unjoined, and one task’s when another is prepared', () => {
    const sessions = new VideoSessions({ media: new FakeMediaDevices() });
    sessions.prepare('WT1', grant());
    const [first] = pooled();
    sessions.release('WT2');
    expect(first.closed).toBe(false);
    sessions.prepare('WT2', grant());
    expect(first.closed).toBe(true);
    const second = pooled()[1];
    sessions.release('WT2');
    expect(second.closed).toBe(true);
  });

  it('prepares nothing for a Twilio call, and a monitoring join closes what was prepared', async () => {
    const sessions = new VideoSessions({ media: new FakeMediaDevices() });
    sessions.prepare('WT1', grant({ provider: 'twilio' }));
    expect(FakeRTCPeerConnection.instances).toHaveLength(0);
    sessions.prepare('WT1', grant());
    const [prepared] = pooled();
    const joining = sessions.join('WT1', grant({ identity: 'supervisor:sam' }), { receiveOnly: true });
    await flush();
    expect(prepared.closed).toBe(true);
    FakeWebSocket.last.serverOpen();
    FakeWebSocket.last.serverSend({ type: 'welcome', peers: [] });
    await joining;
    sessions.leave('WT1');
  });
});
