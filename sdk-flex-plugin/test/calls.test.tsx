import React from 'react';
import { act, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import * as Video from 'twilio-video';
import { ProblemError } from '../src/api/errors';
import { AgentCalls } from '../src/calls';
import { VideoTab } from '../src/components/VideoTab';
import { VideoBadge } from '../src/components/VideoBadge';
import { EscalationStore } from '../src/escalationStore';
import { NOTIFICATION_IDS } from '../src/notifications';
import { VideoSessions } from '../src/video/session';
import { FakeMediaDevices, FakeWebSocket, flush, installRtcFakes } from './fakeMedia';
import { FakeRoom } from './fakeVideo';
import { CC, makeEscalation, makeServices, makeTask } from './helpers';

// No LocalDataTrack: these Twilio calls carry no asks or tells (the data track is tested in escalateCall.test.ts).
vi.mock('twilio-video', () => ({ connect: vi.fn(), createLocalVideoTrack: vi.fn(), LocalDataTrack: undefined }));
const connect = vi.mocked(Video.connect);

const TASK_A = 'WTaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';
const TASK_B = 'WTbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb';

function fakeClient(over: Record<string, unknown> = {}) {
  let n = 0;
  return {
    createEscalation: vi.fn(async (_cc: string, body: { task_sid: string }) => ({
      escalation: makeEscalation({ id: `esc-${body.task_sid}`, task_sid: body.task_sid, room_name: `room-${body.task_sid}` }),
      replayed: false,
      status: 201,
    })),
    getEscalation: vi.fn(async (id: string) => makeEscalation({ id })),
    completeEscalation: vi.fn(async (id: string) => makeEscalation({ id, status: 'completed' })),
    reportAgentCallQuality: vi.fn(async () => undefined),
    createSnapshot: vi.fn(),
    createAgentToken: vi.fn(async (id: string) => ({
      provider: 'twilio' as const,
      token: `fresh-token-${++n}`,
      room_name: `room-${id}`,
      identity: 'agent:alice',
      expires_at: new Date(Date.now() + 3_600_000).toISOString(),
      recording: false,
    })),
    ...over,
  };
}

async function world(opts: { whenTaskHidden?: 'keep-audio' | 'mute-agent'; maxRejoinAttempts?: number } = {}) {
  const client = fakeClient();
  const store = new EscalationStore({ client, contactCenterId: CC });
  const sessions = new VideoSessions();
  const notify = vi.fn();
  const dismiss = vi.fn();
  const calls = new AgentCalls({
    store,
    sessions,
    notify,
    dismiss,
    whenTaskHidden: opts.whenTaskHidden,
    maxRejoinAttempts: opts.maxRejoinAttempts ?? 3,
  });
  const services = makeServices(store, sessions, { calls });
  const taskA = makeTask({ taskSid: TASK_A });
  const taskB = makeTask({ taskSid: TASK_B });
  await store.escalate(taskA);
  await store.escalate(taskB);
  return { client, store, sessions, notify, dismiss, calls, services, taskA, taskB };
}

function messages(notify: ReturnType<typeof vi.fn>): Array<[string, string]> {
  return notify.mock.calls.map(([id, message]) => [id as string, message as string]);
}

beforeEach(() => {
  connect.mockReset();
});
afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
  document.body.innerHTML = '';
});

describe('one live call per agent', () => {
  it('refuses to join a second task’s room while a call is live, and offers to leave the other call', async () => {
    const w = await world();
    const roomA = new FakeRoom('room-A');
    const roomB = new FakeRoom('room-B');
    connect.mockResolvedValueOnce(roomA as unknown as Video.Room).mockResolvedValueOnce(roomB as unknown as Video.Room);
    await w.calls.join(TASK_A);
    expect(w.sessions.liveTaskSid()).toBe(TASK_A);

    render(<VideoTab task={w.taskB} services={w.services} />);
    fireEvent.click(screen.getByRole('button', { name: 'Join Video Room' }));
    const refusal = await screen.findByTestId('other-call');
    expect(refusal.textContent).toMatch(/already on a video call on another task/);
    expect(refusal.getAttribute('data-other-task')).toBe(TASK_A);
    expect(connect).toHaveBeenCalledTimes(1);
    expect(w.client.createAgentToken).not.toHaveBeenCalled();
    expect(roomA.disconnect).not.toHaveBeenCalled();

    fireEvent.click(screen.getByRole('button', { name: 'Leave the other call and join' }));
    await screen.findByTestId('video-call');
    expect(roomA.disconnect).toHaveBeenCalled();
    expect(connect).toHaveBeenCalledTimes(2);
    expect(w.sessions.liveTaskSid()).toBe(TASK_B);
    expect(w.sessions.get(TASK_A)).toBeUndefined();
  });

  it('refuses at the sessions level too (a join still under way counts)', async () => {
    const sessions = new VideoSessions();
    connect.mockReturnValue(new Promise(() => undefined) as never);
    const grant = { provider: 'twilio' as const, token: 't', room_name: 'r', identity: 'agent:a', expires_at: '', recording: false };
    void sessions.join(TASK_A, grant);
    await expect(sessions.join(TASK_B, grant)).rejects.toMatchObject({ name: 'OtherCallLiveError', otherTaskSid: TASK_A });
  });
});

describe('the "on video" badge', () => {
  it('shows on the task whose call is live, and goes when the call ends', async () => {
    const w = await world();
    const room = new FakeRoom('room-A');
    connect.mockResolvedValue(room as unknown as Video.Room);
    render(
      <>
        <div data-testid="item-a">
          <VideoBadge task={w.taskA} services={w.services} />
        </div>
        <div data-testid="item-b">
          <VideoBadge task={w.taskB} services={w.services} />
        </div>
      </>,
    );
    expect(screen.queryByTestId('video-badge')).toBeNull();
    await act(async () => {
      await w.calls.join(TASK_A);
    });
    const badge = screen.getByTestId('video-badge');
    expect(badge.textContent).toBe('On video');
    expect(screen.getByTestId('item-a').contains(badge)).toBe(true);
    expect(screen.getByTestId('item-b').textContent).toBe('');
    act(() => w.sessions.leave(TASK_A));
    expect(screen.queryByTestId('video-badge')).toBeNull();
  });
});

describe('when the agent selects another task', () => {
  it('keeps the customer’s audio playing after Flex unmounts the Video tab (keep-audio)', async () => {
    const w = await world();
    const room = new FakeRoom('room-A');
    connect.mockResolvedValue(room as unknown as Video.Room);
    const tab = render(<VideoTab task={w.taskA} services={w.services} />);
    fireEvent.click(screen.getByRole('button', { name: 'Join Video Room' }));
    await screen.findByTestId('video-call');
    let customer!: ReturnType<FakeRoom['join']>;
    act(() => {
      customer = room.join('customer:k3y');
    });
    const customerAudio = [...customer.tracks.values()].find((p) => p.kind === 'audio')!.track.mediaStreamTrack;

    tab.unmount();
    w.calls.taskSelected(TASK_B);

    const sink = document.querySelector(`audio[data-video-escalation-audio="${TASK_A}"]`) as HTMLAudioElement & {
      srcObject: MediaStream;
    };
    expect(sink).not.toBeNull();
    expect(sink.autoplay).toBe(true);
    expect(sink.srcObject.getTracks()).toEqual([customerAudio]);
    expect(room.mic.disable).not.toHaveBeenCalled();
    expect(room.disconnect).not.toHaveBeenCalled();

    // The call ends: the sink goes.
    act(() => w.sessions.leave(TASK_A));
    expect(document.querySelector('audio[data-video-escalation-audio]')).toBeNull();
  });

  it('mutes the agent while another task is selected, and unmutes on return (mute-agent)', async () => {
    const w = await world({ whenTaskHidden: 'mute-agent' });
    const room = new FakeRoom('room-A');
    connect.mockResolvedValue(room as unknown as Video.Room);
    const session = (await w.calls.join(TASK_A))!;
    w.calls.taskSelected(TASK_A);
    expect(room.mic.disable).not.toHaveBeenCalled();

    w.calls.taskSelected(TASK_B);
    expect(room.mic.disable).toHaveBeenCalledTimes(1);
    expect(session.state.micEnabled).toBe(false);
    // Still audible: the sink is there.
    expect(document.querySelector(`audio[data-video-escalation-audio="${TASK_A}"]`)).not.toBeNull();

    w.calls.taskSelected(TASK_A);
    expect(room.mic.enable).toHaveBeenCalledTimes(1);
    expect(session.state.micEnabled).toBe(true);
  });

  it('does not unmute an agent who muted themselves (mute-agent)', async () => {
    const w = await world({ whenTaskHidden: 'mute-agent' });
    const room = new FakeRoom('room-A');
    connect.mockResolvedValue(room as unknown as Video.Room);
    const session = (await w.calls.join(TASK_A))!;
    session.setMicEnabled(false);
    w.calls.taskSelected(TASK_B);
    w.calls.taskSelected(TASK_A);
    expect(room.mic.enable).not.toHaveBeenCalled();
  });
});

describe('connection states and automatic rejoin', () => {
  it('notifies reconnecting and reconnected (twilio)', async () => {
    const w = await world();
    const room = new FakeRoom('room-A');
    connect.mockResolvedValue(room as unknown as Video.Room);
    await w.calls.join(TASK_A);
    room.emit('reconnecting', new Error('network'));
    expect(messages(w.notify)).toEqual([[NOTIFICATION_IDS.reconnecting, 'Video call: the connection dropped, reconnecting…']]);
    room.emit('reconnected');
    expect(w.dismiss).toHaveBeenCalledWith(NOTIFICATION_IDS.reconnecting);
    expect(messages(w.notify)[1]).toEqual([NOTIFICATION_IDS.reconnected, 'Video call: reconnected.']);
  });

  it('rejoins with a fresh token after a lost connection, with backoff, then says reconnected (twilio)', async () => {
    vi.useFakeTimers();
    const w = await world();
    const first = new FakeRoom('room-A');
    const second = new FakeRoom('room-A');
    connect
      .mockResolvedValueOnce(first as unknown as Video.Room)
      .mockRejectedValueOnce(Object.assign(new Error('Signaling connection error'), { code: 53000 }))
      .mockResolvedValueOnce(second as unknown as Video.Room);
    await w.calls.join(TASK_A);

    first.emit('disconnected', first, { code: 53001 });
    expect(messages(w.notify)).toEqual([
      [NOTIFICATION_IDS.disconnected, 'Video call disconnected. The connection to the video call was lost. Rejoining (attempt 1 of 3)…'],
    ]);
    expect(w.calls.rejoinAttempt(TASK_A)).toEqual({ attempt: 1, max: 3 });
    await vi.advanceTimersByTimeAsync(999);
    expect(connect).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(1);
    await flush();
    // attempt 1 failed: attempt 2 after 2 s
    expect(connect).toHaveBeenCalledTimes(2);
    expect(messages(w.notify).at(-1)![1]).toMatch(/attempt 2 of 3/);
    await vi.advanceTimersByTimeAsync(2000);
    await flush();
    expect(connect).toHaveBeenCalledTimes(3);
    // Each attempt with a token fetched afresh.
    expect(connect.mock.calls.slice(1).map((c) => c[0])).toEqual(['fresh-token-1', 'fresh-token-2']);
    expect(w.sessions.get(TASK_A)?.call).toMatchObject({ room: second });
    expect(messages(w.notify).at(-1)).toEqual([NOTIFICATION_IDS.reconnected, 'Video call: reconnected.']);
    expect(w.calls.rejoinAttempt(TASK_A)).toBeUndefined();
  });

  it('gives up after the bounded attempts and says so', async () => {
    vi.useFakeTimers();
    const w = await world({ maxRejoinAttempts: 2 });
    const first = new FakeRoom('room-A');
    connect.mockResolvedValueOnce(first as unknown as Video.Room).mockRejectedValue(new Error('offline'));
    await w.calls.join(TASK_A);
    first.emit('disconnected', first, { code: 53001 });
    await vi.advanceTimersByTimeAsync(60_000);
    await flush();
    expect(connect).toHaveBeenCalledTimes(3);
    expect(messages(w.notify).at(-1)).toEqual([
      NOTIFICATION_IDS.disconnected,
      "Video call disconnected. The connection to the video call was lost. Rejoining failed 2 times: use Join Video Room on the task's Video tab.",
    ]);
    expect(w.calls.rejoinAttempt(TASK_A)).toBeUndefined();
  });

  it('does not rejoin when the escalation was completed, the agent left, or the task ended', async () => {
    vi.useFakeTimers();
    const w = await world();
    const room = new FakeRoom('room-A');
    connect.mockResolvedValue(room as unknown as Video.Room);
    await w.calls.join(TASK_A);
    room.emit('disconnected', room, { code: 53118 });
    expect(messages(w.notify)).toEqual([
      [NOTIFICATION_IDS.disconnected, 'Video call disconnected. The video call was ended (the escalation was completed).'],
    ]);

    const room2 = new FakeRoom('room-A');
    connect.mockResolvedValue(room2 as unknown as Video.Room);
    await w.calls.join(TASK_A);
    w.sessions.leave(TASK_A); // the agent's own Leave: no notification
    expect(w.notify).toHaveBeenCalledTimes(1);

    const room3 = new FakeRoom('room-A');
    connect.mockResolvedValue(room3 as unknown as Video.Room);
    await w.calls.join(TASK_A);
    room3.emit('disconnected', room3, { code: 53001 });
    expect(w.calls.rejoinAttempt(TASK_A)).toBeDefined();
    w.calls.taskEnded(TASK_A); // e.g. wrap-up meanwhile
    await vi.advanceTimersByTimeAsync(60_000);
    expect(connect).toHaveBeenCalledTimes(3);
  });

  it('built-in provider: notifies reconnecting/reconnected and rejoins with a fresh credential once the old one expired', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
    installRtcFakes();
    const expiresSoon = new Date(Date.now() + 5_000).toISOString();
    const grant = (token: string, expires_at: string) => ({
      provider: 'builtin' as const,
      token,
      room_name: 'esc-1',
      identity: 'agent:alice',
      expires_at,
      signaling_url: 'wss://video.example.com/v1/video/rooms/esc-1/signal',
      ice_servers: [],
      ice_transport_policy: 'all' as const,
    });
    const client = fakeClient({
      createAgentToken: vi
        .fn()
        .mockResolvedValueOnce(grant('first-credential', expiresSoon))
        .mockResolvedValue(grant('fresh-credential', new Date(Date.now() + 3_600_000).toISOString())),
    });
    const store = new EscalationStore({ client, contactCenterId: CC });
    const sessions = new VideoSessions({ media: new FakeMediaDevices() });
    const notify = vi.fn();
    const calls = new AgentCalls({ store, sessions, notify, maxRejoinAttempts: 3 });
    const task = makeTask({ taskSid: TASK_A });
    client.createEscalation.mockResolvedValue({
      escalation: makeEscalation({ video_provider: 'builtin', agent_token: undefined, agent_video: undefined }),
      replayed: false,
      status: 201,
    } as never);
    await store.escalate(task);

    const joined = calls.join(TASK_A);
    await vi.waitFor(() => expect(FakeWebSocket.instances.length).toBe(1));
    const ws1 = FakeWebSocket.last;
    ws1.serverOpen();
    expect(ws1.sent[0]).toMatchObject({ type: 'hello', token: 'first-credential' });
    ws1.serverSend({ type: 'welcome', peers: [] });
    await joined;

    // Signalling drops: reconnecting, and back.
    ws1.serverClose(1006);
    await flush();
    expect(messages(notify)).toEqual([[NOTIFICATION_IDS.reconnecting, 'Video call: the connection dropped, reconnecting…']]);
    await vi.advanceTimersByTimeAsync(250);
    const ws2 = FakeWebSocket.last;
    expect(ws2).not.toBe(ws1);
    ws2.serverOpen();
    ws2.serverSend({ type: 'welcome', peers: [] });
    expect(messages(notify)[1]).toEqual([NOTIFICATION_IDS.reconnected, 'Video call: reconnected.']);

    // Down again once the credential has expired: the call ends `expired`, the plugin rejoins with a fresh one.
    vi.setSystemTime(Date.now() + 10_000);
    ws2.serverClose(1006);
    await flush();
    expect(messages(notify).at(-1)![1]).toMatch(/your video token has expired\. Rejoining \(attempt 1 of 3\)/);
    await vi.advanceTimersByTimeAsync(1000);
    await vi.waitFor(() => expect(FakeWebSocket.instances.length).toBe(3));
    const ws3 = FakeWebSocket.last;
    ws3.serverOpen();
    expect(ws3.sent[0]).toMatchObject({ type: 'hello', token: 'fresh-credential' });
    ws3.serverSend({ type: 'welcome', peers: [] });
    await flush();
    await vi.waitFor(() => expect(messages(notify).at(-1)).toEqual([NOTIFICATION_IDS.reconnected, 'Video call: reconnected.']));
    expect(sessions.get(TASK_A)?.state.connected).toBe(true);
  });
});

describe('call quality (Twilio): samples posted with the API client', () => {
  /** twilio-video's statistics of a call going well: 35 ms to Twilio's media server, no loss. */
  const STATS = [
    {
      localAudioTrackStats: [{ roundTripTime: 35 }],
      localVideoTrackStats: [],
      remoteAudioTrackStats: [{ packetsReceived: 250, packetsLost: 0, bytesReceived: 20_000 }],
      remoteVideoTrackStats: [],
      activeIceCandidatePair: { currentRoundTripTime: 0.02, localCandidate: { candidateType: 'host' } },
    },
  ];

  async function qualityWorld() {
    const client = fakeClient();
    const store = new EscalationStore({ client, contactCenterId: CC });
    // As setup.tsx wires them: a Twilio call's samples go through the store to the client.
    const sessions = new VideoSessions({ postQuality: (taskSid, sample) => store.reportQuality(taskSid, sample) });
    const calls = new AgentCalls({ store, sessions });
    await store.escalate(makeTask({ taskSid: TASK_A }));
    const room = new FakeRoom('room-A');
    room.stats = STATS;
    connect.mockResolvedValue(room as unknown as Video.Room);
    return { client, sessions, calls, room };
  }

  it('the agent’s call posts a sample for the task’s escalation every 5 s; refusals change nothing; leaving stops it', async () => {
    vi.useFakeTimers();
    const w = await qualityWorld();
    await w.calls.join(TASK_A);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(w.client.reportAgentCallQuality).toHaveBeenCalledTimes(1);
    expect(w.client.reportAgentCallQuality).toHaveBeenCalledWith(`esc-${TASK_A}`, {
      round_trip_ms: 35,
      packet_loss_percent: 0,
      relayed: false,
      reconnects: 0,
    });

    // The room dropped and came back; the service refuses the next sample (rate limited): the call goes on.
    w.room.emit('reconnecting', new Error('network'));
    w.room.emit('reconnected');
    w.client.reportAgentCallQuality.mockRejectedValue(new ProblemError({ title: 'Too many requests', status: 429, code: 'rate_limited' }));
    await vi.advanceTimersByTimeAsync(5_000);
    expect(w.client.reportAgentCallQuality).toHaveBeenLastCalledWith(
      `esc-${TASK_A}`,
      expect.objectContaining({ reconnects: 1, bitrate_kbps: 0 }),
    );
    expect(w.sessions.get(TASK_A)?.state.connected).toBe(true);

    w.sessions.leave(TASK_A);
    await vi.advanceTimersByTimeAsync(20_000);
    expect(w.client.reportAgentCallQuality).toHaveBeenCalledTimes(2);
  });

  it.each(['supervisor', 'monitor'] as const)('a %s’s call on the task reports nothing (it is not the agent’s side)', async (as) => {
    vi.useFakeTimers();
    const w = await qualityWorld();
    await w.calls.join(TASK_A, { as });
    await vi.advanceTimersByTimeAsync(20_000);
    expect(w.room.getStats).not.toHaveBeenCalled();
    expect(w.client.reportAgentCallQuality).not.toHaveBeenCalled();
    w.sessions.leave(TASK_A);
  });
});
