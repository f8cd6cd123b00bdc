import React from 'react';
import { act, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import * as Video from 'twilio-video';
import { VideoTab } from '../src/components/VideoTab';
import { EscalationStore } from '../src/escalationStore';
import type { PluginServices } from '../src/services';
import { makeTranslate } from '../src/strings';
import { VideoSessions } from '../src/video/session';
import type { VideoGrant } from '../src/video/call';
import {
  FakeMediaDevices,
  FakeMediaStream,
  FakeMediaStreamTrack,
  FakeRTCPeerConnection,
  FakeWebSocket,
  fakeCameraStream,
  installRtcFakes,
} from './fakeMedia';
import { FakeRoom, FakeTrack } from './fakeVideo';
import { CC, makeEscalation, makeServices, makeTask } from './helpers';

// No LocalDataTrack: these Twilio calls carry no asks or tells (the data track is tested in escalateCall.test.ts).
vi.mock('twilio-video', () => ({ connect: vi.fn(), createLocalVideoTrack: vi.fn(), LocalDataTrack: undefined }));

const connect = vi.mocked(Video.connect);
const createLocalVideoTrack = vi.mocked(Video.createLocalVideoTrack);

function fakeClient() {
  return {
    createEscalation: vi.fn().mockResolvedValue({ escalation: makeEscalation(), replayed: false, status: 201 }),
    getEscalation: vi.fn().mockResolvedValue(makeEscalation()),
    completeEscalation: vi.fn().mockResolvedValue(makeEscalation({ status: 'completed' })),
    reportAgentCallQuality: vi.fn(async () => undefined),
    createSnapshot: vi.fn(),
    createAgentToken: vi.fn().mockResolvedValue({
      token: 'fresh-token',
      room_name: 'esc-e5a1d6b2',
      identity: 'agent:alice',
      expires_at: new Date(Date.now() + 3_600_000).toISOString(),
    }),
  };
}

async function openTab(escalationOverrides = {}, media?: FakeMediaDevices) {
  const client = fakeClient();
  client.createEscalation.mockResolvedValue({
    escalation: makeEscalation(escalationOverrides),
    replayed: false,
    status: 201,
  });
  const store = new EscalationStore({ client, contactCenterId: CC });
  const sessions = new VideoSessions({ media });
  const services: PluginServices = makeServices(store, sessions);
  const task = makeTask();
  await store.escalate(task);
  const room = new FakeRoom('esc-e5a1d6b2');
  connect.mockResolvedValue(room as unknown as Video.Room);
  render(<VideoTab task={task} services={services} />);
  return { client, store, sessions, task, room };
}

beforeEach(() => {
  connect.mockReset();
  createLocalVideoTrack.mockReset();
});

describe('VideoTab', () => {
  it('offers to start the call when there is no escalation yet', () => {
    const client = fakeClient();
    const store = new EscalationStore({ client, contactCenterId: CC });
    const task = makeTask();
    render(<VideoTab task={task} services={makeServices(store)} />);
    expect(screen.getByText(/No video call yet/)).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Switch to video' }));
    expect(client.createEscalation).toHaveBeenCalledTimes(1);
  });

  it('joins with the agent token, shows the local preview and the customer', async () => {
    const { room, client } = await openTab();
    expect(screen.getByText('https://video.example.com/join/ABCD2345EFGH')).toBeTruthy();

    fireEvent.click(screen.getByRole('button', { name: 'Join Video Room' }));
    await screen.findByTestId('video-call');

    expect(connect).toHaveBeenCalledWith('agent-video-token', expect.objectContaining({ name: 'esc-e5a1d6b2', audio: true }));
    expect(client.createAgentToken).not.toHaveBeenCalled();
    const preview = screen.getByTestId('your camera') as HTMLVideoElement & { srcObject: FakeMediaStream };
    expect(preview.tagName).toBe('VIDEO');
    expect(preview.muted).toBe(true);
    expect(preview.srcObject.getTracks()).toEqual([room.camera.mediaStreamTrack]);
    expect(screen.getByText(/Waiting for the customer/)).toBeTruthy();

    let customer!: ReturnType<FakeRoom['join']>;
    act(() => {
      customer = room.join('customer:k3y');
    });
    const remote = screen.getByTestId('video of customer:k3y') as HTMLVideoElement & { srcObject: FakeMediaStream };
    expect(remote.tagName).toBe('VIDEO');
    // The video element is muted: the customer's audio plays from the session's audio sink.
    expect(remote.muted).toBe(true);
    const tracks = [...customer.tracks.values()].map((p) => p.track.mediaStreamTrack);
    expect(remote.srcObject.getTracks()).toEqual(tracks);
    // Shown as "Customer", not as the raw identity.
    expect(screen.getByText('Customer')).toBeTruthy();
    expect(screen.queryByText('customer:k3y')).toBeNull();
    expect(screen.queryByText(/Customer muted/)).toBeNull();

    // The customer mutes: twilio-video disables the track and the room says so.
    act(() => {
      const mic = [...customer.tracks.values()].find((p) => p.kind === 'audio')!.track;
      mic.isEnabled = false;
      room.emit('trackDisabled', mic, customer);
    });
    expect(screen.getByText(/Customer muted/)).toBeTruthy();
  });

  it('fetches a fresh token when the one at hand has expired', async () => {
    const { client } = await openTab({ agent_token_expires_at: new Date(Date.now() - 1000).toISOString() });
    fireEvent.click(screen.getByRole('button', { name: 'Join Video Room' }));
    await screen.findByTestId('video-call');
    expect(client.createAgentToken).toHaveBeenCalledWith(makeEscalation().id);
    expect(connect).toHaveBeenCalledWith('fresh-token', expect.objectContaining({ name: 'esc-e5a1d6b2' }));
  });

  it('mutes and unmutes, turns the camera off and on, and leaves', async () => {
    const { room } = await openTab();
    fireEvent.click(screen.getByRole('button', { name: 'Join Video Room' }));
    await screen.findByTestId('video-call');

    fireEvent.click(screen.getByRole('button', { name: 'Mute' }));
    expect(room.mic.disable).toHaveBeenCalled();
    fireEvent.click(screen.getByRole('button', { name: 'Unmute' }));
    expect(room.mic.enable).toHaveBeenCalled();
    screen.getByRole('button', { name: 'Mute' });

    fireEvent.click(screen.getByRole('button', { name: 'Turn camera off' }));
    await screen.findByRole('button', { name: 'Turn camera on' });
    expect(room.localParticipant.unpublishTrack).toHaveBeenCalledWith(room.camera);
    expect(room.camera.stop).toHaveBeenCalled();
    expect(screen.getByText('Your camera is off.')).toBeTruthy();

    const newCamera = new FakeTrack('video', 'MTcam2');
    createLocalVideoTrack.mockResolvedValue(newCamera as unknown as Video.LocalVideoTrack);
    fireEvent.click(screen.getByRole('button', { name: 'Turn camera on' }));
    await screen.findByRole('button', { name: 'Turn camera off' });
    expect(room.localParticipant.publishTrack).toHaveBeenCalledWith(newCamera);

    fireEvent.click(screen.getByRole('button', { name: 'Leave' }));
    await screen.findByRole('button', { name: 'Join Video Room' });
    expect(room.disconnect).toHaveBeenCalled();
    expect(room.mic.stop).toHaveBeenCalled();
  });

  it('End video leaves the room and completes the escalation', async () => {
    const { room, client } = await openTab();
    fireEvent.click(screen.getByRole('button', { name: 'Join Video Room' }));
    await screen.findByTestId('video-call');
    fireEvent.click(screen.getByRole('button', { name: 'End video' }));
    await screen.findByText('The video call has ended.');
    expect(room.disconnect).toHaveBeenCalled();
    expect(client.completeEscalation).toHaveBeenCalledWith(makeEscalation().id);
  });

  it('retries once with a fresh token when Twilio rejects the token', async () => {
    const { client, room } = await openTab();
    connect
      .mockRejectedValueOnce(Object.assign(new Error('Access Token expired'), { code: 20104 }))
      .mockResolvedValueOnce(room as unknown as Video.Room);
    fireEvent.click(screen.getByRole('button', { name: 'Join Video Room' }));
    await screen.findByTestId('video-call');
    expect(connect.mock.calls.map((c) => c[0])).toEqual(['agent-video-token', 'fresh-token']);
    expect(client.createAgentToken).toHaveBeenCalledTimes(1);
  });

  it('re-reads the escalation when the room closes under the agent', async () => {
    const { client, room } = await openTab();
    client.getEscalation.mockResolvedValue(makeEscalation({ status: 'completed' }));
    fireEvent.click(screen.getByRole('button', { name: 'Join Video Room' }));
    await screen.findByTestId('video-call');
    act(() => {
      room.emit('disconnected', room);
    });
    await screen.findByText('The video call has ended.');
    expect(client.getEscalation).toHaveBeenCalledWith(makeEscalation().id);
  });

  it('shows why joining failed (e.g. camera permission denied)', async () => {
    await openTab();
    connect.mockRejectedValue(new Error('Permission denied'));
    fireEvent.click(screen.getByRole('button', { name: 'Join Video Room' }));
    expect((await screen.findByRole('alert')).textContent).toMatch(/Permission denied/);
  });

  it('keeps the call when the tab is hidden and shown again', async () => {
    const { task, store, sessions } = await openTab();
    fireEvent.click(screen.getByRole('button', { name: 'Join Video Room' }));
    await screen.findByTestId('video-call');
    const { unmount } = render(<div />);
    unmount();
    render(<VideoTab task={task} services={makeServices(store, sessions)} />);
    expect(screen.getAllByTestId('video-call').length).toBeGreaterThan(0);
    expect(connect).toHaveBeenCalledTimes(1);
  });
});

describe('VideoSessions', () => {
  it('joins once per task and leaves a join still under way', async () => {
    const room = new FakeRoom('r');
    let resolve!: (r: unknown) => void;
    connect.mockReturnValue(new Promise((r) => (resolve = r)) as never);
    const sessions = new VideoSessions();
    const grant = { provider: 'twilio' as const, token: 't', room_name: 'r', identity: 'agent:a', expires_at: '', recording: false };
    const a = sessions.join('WT1', grant);
    const b = sessions.join('WT1', grant);
    sessions.leave('WT1');
    resolve(room);
    expect(await a).toBe(await b);
    await waitFor(() => expect(room.disconnect).toHaveBeenCalled());
    expect(connect).toHaveBeenCalledTimes(1);
    expect(sessions.get('WT1')).toBeUndefined();
  });
});

describe('VideoTab with the built-in provider', () => {
  const builtinGrant = {
    provider: 'builtin' as const,
    token: 'builtin-credential',
    room_name: 'esc-e5a1d6b2',
    identity: 'agent:alice',
    expires_at: new Date(Date.now() + 3_600_000).toISOString(),
    signaling_url: 'wss://video.example.com/v1/video/rooms/esc-e5a1d6b2/signal',
    ice_servers: [],
    ice_transport_policy: 'all' as const,
    recording: false,
  };

  async function openBuiltinTab(media = new FakeMediaDevices(), grant: VideoGrant = builtinGrant) {
    installRtcFakes();
    const client = fakeClient();
    client.createEscalation.mockResolvedValue({
      escalation: makeEscalation({ video_provider: 'builtin', agent_token: 'builtin-credential', agent_video: grant }),
      replayed: false,
      status: 201,
    });
    client.createAgentToken.mockResolvedValue({ ...builtinGrant, token: 'fresh-credential' });
    const store = new EscalationStore({ client, contactCenterId: CC });
    const camera = fakeCameraStream();
    media.getUserMedia.mockResolvedValueOnce(camera);
    const sessions = new VideoSessions({ media });
    const task = makeTask();
    await store.escalate(task);
    const tab = render(<VideoTab task={task} services={makeServices(store, sessions)} />);
    return { client, camera, sessions, media, tab };
  }

  /** The WebSocket the tab opened once it is there, opened by the "server". */
  async function socket(index: number) {
    await waitFor(() => expect(FakeWebSocket.instances.length).toBeGreaterThan(index));
    const ws = FakeWebSocket.instances[index];
    act(() => ws.serverOpen());
    return ws;
  }

  afterEach(() => {
    vi.unstubAllGlobals();
  });

  it('gathers the call’s first connection while the tab shows, and releases it when the tab goes unjoined', async () => {
    const relayed = { ...builtinGrant, ice_servers: [{ urls: ['turn:turn.example.com:3478'], username: 'u', credential: 'p' }] };
    const { tab } = await openBuiltinTab(new FakeMediaDevices(), relayed);
    await waitFor(() => expect(FakeRTCPeerConnection.instances).toHaveLength(1));
    const [prepared] = FakeRTCPeerConnection.instances;
    expect(prepared.config.iceCandidatePoolSize).toBe(1);
    expect(prepared.closed).toBe(false);
    tab.unmount();
    expect(prepared.closed).toBe(true);
  });

  it('shows the call, the customer as "Customer", their mute and camera state, reconnecting, and the end reason', async () => {
    const { camera } = await openBuiltinTab();
    fireEvent.click(screen.getByRole('button', { name: 'Join Video Room' }));
    const ws = await socket(0);
    expect(ws.sent[0]).toMatchObject({ type: 'hello', token: 'builtin-credential' });
    act(() => ws.serverSend({ type: 'welcome', peers: [{ identity: 'customer:k3y', role: 'customer' }] }));
    await screen.findByTestId('video-call');
    expect(connect).not.toHaveBeenCalled();
    expect((screen.getByTestId('your camera') as HTMLVideoElement & { srcObject: unknown }).srcObject).toBe(camera);

    const pc = FakeRTCPeerConnection.instances[0];
    const theirs = new FakeMediaStream();
    act(() => pc.receive(new FakeMediaStreamTrack('video'), theirs));
    const remote = screen.getByTestId('video of customer:k3y') as HTMLVideoElement & { srcObject: unknown };
    expect(remote.srcObject).toBe(theirs);
    expect(screen.getByText('Customer')).toBeTruthy();
    expect(screen.queryByText(/customer:k3y/)).toBeNull();

    act(() => ws.serverSend({ type: 'state', from: 'customer:k3y', audio: false, video: false }));
    expect(screen.getByText(/Customer muted/)).toBeTruthy();
    expect(screen.getByText(/Customer's camera is off/)).toBeTruthy();
    act(() => ws.serverSend({ type: 'state', from: 'customer:k3y', audio: true, video: true }));
    expect(screen.queryByText(/Customer muted/)).toBeNull();

    // The agent mutes: the track is disabled and the other side is told.
    fireEvent.click(screen.getByRole('button', { name: 'Mute' }));
    expect(camera.getAudioTracks()[0].enabled).toBe(false);
    expect(ws.sent.at(-1)).toEqual({ type: 'state', audio: false, video: true });
    screen.getByRole('button', { name: 'Unmute' });

    // The media path drops: reconnecting until ICE is back.
    act(() => pc.setIce('failed'));
    expect(screen.getByTestId('reconnecting')).toBeTruthy();
    act(() => pc.setIce('connected'));
    expect(screen.queryByTestId('reconnecting')).toBeNull();

    // Someone ended the escalation.
    act(() => ws.serverClose(4410));
    await screen.findByTestId('call-ended');
    expect(screen.getByTestId('call-ended').textContent).toMatch(/ended \(the escalation was completed\)/);
    expect(camera.getTracks().every((t) => t.readyState === 'ended')).toBe(true);
  });

  it('retries once with a fresh token when the service closes with 4401 on the first connect', async () => {
    const { client } = await openBuiltinTab();
    fireEvent.click(screen.getByRole('button', { name: 'Join Video Room' }));
    const first = await socket(0);
    act(() => first.serverClose(4401));
    const second = await socket(1);
    expect(second.sent[0]).toMatchObject({ type: 'hello', token: 'fresh-credential' });
    act(() => second.serverSend({ type: 'welcome', peers: [] }));
    await screen.findByTestId('video-call');
    expect(client.createAgentToken).toHaveBeenCalledTimes(1);
  });
});

describe('VideoTab devices and screen share', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  async function joinTwilio() {
    const media = new FakeMediaDevices();
    const opened = await openTab({}, media);
    fireEvent.click(screen.getByRole('button', { name: 'Join Video Room' }));
    await screen.findByTestId('video-call');
    await screen.findByLabelText('Camera');
    return { ...opened, media };
  }

  it('offers labelled camera and microphone pickers and switches the published track (Twilio)', async () => {
    const { room } = await joinTwilio();
    const camera = screen.getByLabelText('Camera') as HTMLSelectElement;
    const mic = screen.getByLabelText('Microphone') as HTMLSelectElement;
    expect(camera.tagName).toBe('SELECT');
    expect([...camera.options].map((o) => o.textContent)).toEqual(['Built-in camera', 'USB camera']);
    expect([...mic.options].map((o) => o.textContent)).toEqual(['Built-in microphone', 'Headset']);
    expect(camera.value).toBe('cam-1');

    fireEvent.change(camera, { target: { value: 'cam-2' } });
    await waitFor(() => expect((screen.getByLabelText('Camera') as HTMLSelectElement).value).toBe('cam-2'));
    expect(room.camera.restart).toHaveBeenCalledWith({ width: 640, deviceId: { exact: 'cam-2' } });

    fireEvent.change(mic, { target: { value: 'mic-2' } });
    await waitFor(() => expect((screen.getByLabelText('Microphone') as HTMLSelectElement).value).toBe('mic-2'));
    expect(room.mic.restart).toHaveBeenCalledWith({ deviceId: { exact: 'mic-2' } });
  });

  it('lists a camera plugged in during the call, and names devices without a label', async () => {
    const { media } = await joinTwilio();
    act(() => media.plug({ kind: 'videoinput', deviceId: 'cam-3', label: '' }));
    await waitFor(() => expect((screen.getByLabelText('Camera') as HTMLSelectElement).options).toHaveLength(3));
    expect((screen.getByLabelText('Camera') as HTMLSelectElement).options[2].textContent).toBe('Camera 3');
  });

  it('shares the screen and stops, with a plain (not aria-pressed) button; the browser can end it too (Twilio)', async () => {
    const { room, media } = await joinTwilio();
    const share = screen.getByRole('button', { name: 'Share screen' });
    expect(share.hasAttribute('aria-pressed')).toBe(false);
    fireEvent.click(share);
    const stop = await screen.findByRole('button', { name: 'Stop sharing' });
    expect(stop.hasAttribute('aria-pressed')).toBe(false);
    expect(room.localParticipant.publishTrack).toHaveBeenCalledWith(media.screens[0], { name: 'screen' });
    expect(screen.getByText('You are sharing your screen.')).toBeTruthy();

    fireEvent.click(stop);
    await screen.findByRole('button', { name: 'Share screen' });
    expect(screen.queryByText('You are sharing your screen.')).toBeNull();

    fireEvent.click(screen.getByRole('button', { name: 'Share screen' }));
    await screen.findByRole('button', { name: 'Stop sharing' });
    act(() => media.screens[1].endByBrowser());
    await screen.findByRole('button', { name: 'Share screen' });
    expect(room.localParticipant.videoTracks.size).toBe(1);
  });

  it('says why sharing did not start', async () => {
    const { media } = await joinTwilio();
    media.getDisplayMedia.mockRejectedValueOnce(Object.assign(new Error('Permission denied'), { name: 'NotAllowedError' }));
    fireEvent.click(screen.getByRole('button', { name: 'Share screen' }));
    expect((await screen.findByRole('alert')).textContent).toBe('Could not share your screen: Permission denied');
    screen.getByRole('button', { name: 'Share screen' });
  });

  it("shows the customer's screen when they share one (a Twilio track named 'screen')", async () => {
    const { room } = await joinTwilio();
    let customer!: ReturnType<FakeRoom['join']>;
    act(() => {
      customer = room.join('customer:k3y');
    });
    const shared = new FakeTrack('video', 'MTscreen', 'screen');
    act(() => room.subscribe(customer, shared));
    const view = screen.getByTestId('screen of customer:k3y') as HTMLVideoElement & { srcObject: FakeMediaStream };
    expect(view.getAttribute('aria-label')).toBe("Customer's screen");
    expect(view.srcObject.getTracks()).toEqual([shared.mediaStreamTrack]);
    expect(screen.getByText('Customer is sharing their screen')).toBeTruthy();
    // Their camera stays in its own view.
    const camera = screen.getByTestId('video of customer:k3y') as HTMLVideoElement & { srcObject: FakeMediaStream };
    expect(camera.srcObject.getTracks()).not.toContain(shared.mediaStreamTrack);

    act(() => room.unsubscribe(customer, shared));
    expect(screen.queryByTestId('screen of customer:k3y')).toBeNull();
  });

  it("shows the customer's screen beside their camera under a Flex string, and removes it when they unpublish it", async () => {
    const media = new FakeMediaDevices();
    const client = fakeClient();
    const store = new EscalationStore({ client, contactCenterId: CC });
    const sessions = new VideoSessions({ media });
    const strings: Record<string, string> = { VideoEscalationCustomer: 'Client', VideoEscalationScreenOf: 'Écran de {{name}}' };
    const t = makeTranslate(() => strings);
    const task = makeTask();
    await store.escalate(task);
    const room = new FakeRoom('esc-e5a1d6b2');
    connect.mockResolvedValue(room as unknown as Video.Room);
    render(<VideoTab task={task} services={makeServices(store, sessions, { t })} />);
    fireEvent.click(screen.getByRole('button', { name: 'Join Video Room' }));
    await screen.findByTestId('video-call');

    let customer!: ReturnType<FakeRoom['join']>;
    act(() => {
      customer = room.join('customer:0a1b2c3d4e5f6071');
    });
    // Their name is the Flex string, never the identity.
    expect(screen.getByTestId('name of customer:0a1b2c3d4e5f6071').textContent).toBe('Client');
    expect(screen.queryByText(/customer:0a1b/)).toBeNull();

    const shared = new FakeTrack('video', 'MTscreen', 'screen');
    act(() => room.subscribe(customer, shared));
    const view = screen.getByTestId('screen of customer:0a1b2c3d4e5f6071') as HTMLVideoElement & { srcObject: FakeMediaStream };
    expect(view.getAttribute('aria-label')).toBe('Écran de Client');
    expect(view.srcObject.getTracks()).toEqual([shared.mediaStreamTrack]);
    // Beside the camera, which keeps its own view.
    const camera = screen.getByTestId('video of customer:0a1b2c3d4e5f6071') as HTMLVideoElement & { srcObject: FakeMediaStream };
    expect(camera.srcObject.getTracks()).not.toContain(shared.mediaStreamTrack);
    expect(view.parentElement!.parentElement).toBe(camera.parentElement!.parentElement);
    expect((view.parentElement!.parentElement as HTMLElement).style.display).toBe('grid');

    // Unpublished (twilio-video drops the publication and says trackUnpublished).
    act(() => {
      customer.tracks.delete(shared.sid);
      room.emit('trackUnpublished', { trackSid: shared.sid, kind: 'video', trackName: 'screen' }, customer);
    });
    expect(screen.queryByTestId('screen of customer:0a1b2c3d4e5f6071')).toBeNull();
    expect(screen.getByTestId('video of customer:0a1b2c3d4e5f6071')).toBeTruthy();
    sessions.leaveAll();
  });

  it('switches devices and shares the screen on the same senders (built-in)', async () => {
    installRtcFakes();
    const media = new FakeMediaDevices();
    const client = fakeClient();
    const grant = {
      provider: 'builtin' as const,
      token: 'builtin-credential',
      room_name: 'esc-e5a1d6b2',
      identity: 'agent:alice',
      expires_at: new Date(Date.now() + 3_600_000).toISOString(),
      signaling_url: 'wss://video.example.com/v1/video/rooms/esc-e5a1d6b2/signal',
      ice_servers: [],
      ice_transport_policy: 'all' as const,
      recording: false,
    };
    client.createEscalation.mockResolvedValue({
      escalation: makeEscalation({ video_provider: 'builtin', agent_token: 'builtin-credential', agent_video: grant }),
      replayed: false,
      status: 201,
    });
    const store = new EscalationStore({ client, contactCenterId: CC });
    const task = makeTask();
    await store.escalate(task);
    render(<VideoTab task={task} services={makeServices(store, new VideoSessions({ media }))} />);
    fireEvent.click(screen.getByRole('button', { name: 'Join Video Room' }));
    await waitFor(() => expect(FakeWebSocket.instances).toHaveLength(1));
    const ws = FakeWebSocket.last;
    act(() => ws.serverOpen());
    act(() => ws.serverSend({ type: 'welcome', peers: [{ identity: 'customer:k3y', role: 'customer' }] }));
    await screen.findByLabelText('Camera');
    const pc = FakeRTCPeerConnection.instances[0];
    const sender = pc.senders.find((s) => s.track?.kind === 'video')!;

    fireEvent.change(screen.getByLabelText('Camera'), { target: { value: 'cam-2' } });
    await waitFor(() => expect((sender.track as FakeMediaStreamTrack).deviceId).toBe('cam-2'));
    const camera = sender.track;

    fireEvent.click(screen.getByRole('button', { name: 'Share screen' }));
    await screen.findByRole('button', { name: 'Stop sharing' });
    expect(sender.track).toBe(media.screens[0]);
    fireEvent.click(screen.getByRole('button', { name: 'Stop sharing' }));
    await screen.findByRole('button', { name: 'Share screen' });
    expect(sender.track).toBe(camera);
  });
});
