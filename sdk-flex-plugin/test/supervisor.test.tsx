import React from 'react';
import { act, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import * as Video from 'twilio-video';
import { ProblemError } from '../src/api/errors';
import { AgentCalls } from '../src/calls';
import { SupervisorVideoTab } from '../src/components/SupervisorVideoTab';
import { EscalationStore } from '../src/escalationStore';
import { problemNotificationText } from '../src/notifications';
import type { VideoGrant } from '../src/video/call';
import { VideoSessions } from '../src/video/session';
import { FakeBitmap, installCanvasFakes, installImageCapture } from './fakeCanvas';
import { FakeMediaDevices, FakeMediaStream, FakeMediaStreamTrack, FakeRTCPeerConnection, FakeWebSocket, flush, installRtcFakes } from './fakeMedia';
import { FakeRoom } from './fakeVideo';
import { CC, makeEscalation, makeServices, makeTask } from './helpers';

// No LocalDataTrack: these Twilio calls carry no asks or tells (the data track is tested in escalateCall.test.ts).
vi.mock('twilio-video', () => ({ connect: vi.fn(), createLocalVideoTrack: vi.fn(), LocalDataTrack: undefined }));
const connect = vi.mocked(Video.connect);
const createLocalVideoTrack = vi.mocked(Video.createLocalVideoTrack);

const ESCALATION_ID = 'e5a1d6b2-0000-4000-8000-0000000000aa';
/** Another agent's chat task, as the supervisor's Teams view gives it. */
function agentsTask(videoEscalation?: Record<string, unknown>) {
  return makeTask({
    taskSid: 'WTsupervised0000000000000000000000',
    status: undefined,
    attributes: {
      conversationSid: 'CH0123456789abcdef0123456789abcdef',
      ...(videoEscalation ? { videoEscalation } : {}),
    },
  });
}

function supervisorToken(over: Partial<VideoGrant> = {}): VideoGrant {
  return {
    provider: 'twilio',
    token: 'supervisor-video-token',
    room_name: 'esc-supervised',
    identity: 'agent:sam',
    expires_at: new Date(Date.now() + 3_600_000).toISOString(),
    recording: false,
    ...over,
  };
}

function fakeClient() {
  return {
    createEscalation: vi.fn(),
    getEscalation: vi.fn(async (id: string) =>
      makeEscalation({ id, room_name: 'esc-supervised', agent_identity: 'agent:alice', agent_name: 'Alice Agent' }),
    ),
    completeEscalation: vi.fn(),
    reportAgentCallQuality: vi.fn(async () => undefined),
    createSnapshot: vi.fn(),
    createAgentToken: vi.fn(async () => supervisorToken()),
  };
}

function world(media = new FakeMediaDevices()) {
  const client = fakeClient();
  const onError = vi.fn();
  const store = new EscalationStore({ client, contactCenterId: CC, onError });
  const sessions = new VideoSessions({ media });
  const calls = new AgentCalls({ store, sessions });
  const services = makeServices(store, sessions, { calls });
  return { client, onError, store, sessions, calls, services, media };
}

beforeEach(() => {
  connect.mockReset();
  createLocalVideoTrack.mockReset();
});
afterEach(() => {
  vi.unstubAllGlobals();
  document.body.innerHTML = '';
});

describe('SupervisorVideoTab (Teams view)', () => {
  it('says there is no video call when the task names no escalation, and asks the service nothing', async () => {
    const w = world();
    render(<SupervisorVideoTab task={agentsTask()} services={w.services} />);
    expect(screen.getByText('There is no video call on this task.')).toBeTruthy();
    await flush();
    expect(w.client.getEscalation).not.toHaveBeenCalled();
    expect(screen.queryByRole('button', { name: 'Join video' })).toBeNull();
  });

  it('says the call has ended, without Join or Monitor, when the escalation is over', async () => {
    const w = world();
    w.client.getEscalation.mockResolvedValueOnce(makeEscalation({ id: ESCALATION_ID, status: 'completed' }));
    render(<SupervisorVideoTab task={agentsTask({ escalationId: ESCALATION_ID, status: 'completed' })} services={w.services} />);
    expect(await screen.findByText("This task's video call has ended.")).toBeTruthy();
    expect(w.client.getEscalation).toHaveBeenCalledWith(ESCALATION_ID);
    expect(screen.queryByRole('button', { name: 'Join video' })).toBeNull();
    expect(screen.queryByRole('button', { name: 'Monitor video' })).toBeNull();
  });

  it('notices the agent ending the call (the task attributes say completed) and reads the escalation again', async () => {
    const w = world();
    const task = agentsTask({ escalationId: ESCALATION_ID, status: 'open' });
    const { rerender } = render(<SupervisorVideoTab task={task} services={w.services} />);
    await screen.findByRole('button', { name: 'Join video' });
    w.client.getEscalation.mockResolvedValueOnce(makeEscalation({ id: ESCALATION_ID, status: 'completed' }));
    rerender(<SupervisorVideoTab task={{ ...task, attributes: { ...task.attributes, videoEscalation: { escalationId: ESCALATION_ID, status: 'completed' } } }} services={w.services} />);
    expect(await screen.findByText("This task's video call has ended.")).toBeTruthy();
  });

  it('joins as themselves with camera and microphone (Join video), the agent shown by name, no End video', async () => {
    const w = world();
    const room = new FakeRoom('esc-supervised');
    connect.mockResolvedValue(room as unknown as Video.Room);
    render(<SupervisorVideoTab task={agentsTask({ escalationId: ESCALATION_ID, status: 'open' })} services={w.services} />);
    expect(await screen.findByText('This task has a live video call.')).toBeTruthy();

    fireEvent.click(screen.getByRole('button', { name: 'Join video' }));
    await screen.findByTestId('video-call');
    // The token for an existing escalation, asked with the supervisor's own Flex token (identity agent:sam).
    expect(w.client.createAgentToken).toHaveBeenCalledWith(ESCALATION_ID);
    expect(connect).toHaveBeenCalledWith('supervisor-video-token', expect.objectContaining({ name: 'esc-supervised', audio: true }));
    expect(w.calls.joinedAsFor(agentsTask().taskSid)).toBe('supervisor');
    screen.getByRole('button', { name: 'Mute' });
    screen.getByRole('button', { name: 'Turn camera off' });
    expect(screen.queryByRole('button', { name: 'End video' })).toBeNull();
    expect(screen.getByTestId('video-call').getAttribute('data-receive-only')).toBe('false');

    act(() => {
      room.join('agent:alice');
      room.join('customer:0a1b2c3d4e5f6071');
    });
    expect(screen.getByTestId('name of agent:alice').textContent).toBe('Alice Agent');
    expect(screen.getByTestId('name of customer:0a1b2c3d4e5f6071').textContent).toBe('Customer');
    expect(screen.queryByText(/customer:0a1b/)).toBeNull();

    fireEvent.click(screen.getByRole('button', { name: 'Leave' }));
    await screen.findByRole('button', { name: 'Monitor video' });
    expect(room.disconnect).toHaveBeenCalled();
  });

  it('monitors with Twilio: joins with no tracks, opens no camera or microphone, and offers only Leave', async () => {
    const media = new FakeMediaDevices();
    const w = world(media);
    const room = new FakeRoom('esc-supervised');
    // A receive-only participant has no local tracks at all.
    room.localParticipant.audioTracks.clear();
    room.localParticipant.videoTracks.clear();
    connect.mockResolvedValue(room as unknown as Video.Room);
    render(<SupervisorVideoTab task={agentsTask({ escalationId: ESCALATION_ID, status: 'open' })} services={w.services} />);
    fireEvent.click(await screen.findByRole('button', { name: 'Monitor video' }));
    await screen.findByTestId('video-call');

    expect(connect).toHaveBeenCalledTimes(1);
    expect(connect.mock.calls[0][1]).toEqual({ name: 'esc-supervised', audio: false, video: false, tracks: [], dominantSpeaker: true });
    expect(screen.getByTestId('video-call').getAttribute('data-receive-only')).toBe('true');
    expect(screen.getByTestId('monitoring').textContent).toBe('You are monitoring this call: your camera and microphone are off.');
    for (const name of ['Mute', 'Unmute', 'Turn camera on', 'Turn camera off', 'Share screen']) {
      expect(screen.queryByRole('button', { name })).toBeNull();
    }
    expect(screen.queryByLabelText('Camera')).toBeNull();
    expect(screen.queryByLabelText('Microphone')).toBeNull();
    screen.getByRole('button', { name: 'Leave' });

    // Nothing can open a device on this call, not even from code.
    const session = w.sessions.get(agentsTask().taskSid)!;
    await expect(session.setCameraEnabled(true)).rejects.toThrow(/Monitoring/);
    await expect(session.startScreenShare()).rejects.toThrow(/Monitoring/);
    await expect(session.setDevice('audioinput', 'mic-2')).rejects.toThrow(/Monitoring/);
    expect(createLocalVideoTrack).not.toHaveBeenCalled();
    expect(media.getUserMedia).not.toHaveBeenCalled();
    expect(media.getDisplayMedia).not.toHaveBeenCalled();
    expect(room.localParticipant.publishTrack).not.toHaveBeenCalled();
  });

  it('monitors with the built-in provider: no getUserMedia, receive-only connections, and says audio and video are off', async () => {
    installRtcFakes();
    const media = new FakeMediaDevices();
    const w = world(media);
    w.client.createAgentToken.mockResolvedValue(
      supervisorToken({
        provider: 'builtin',
        signaling_url: 'wss://video.example.com/v1/video/rooms/esc-supervised/signal',
        ice_servers: [],
        ice_transport_policy: 'all',
      }),
    );
    render(<SupervisorVideoTab task={agentsTask({ escalationId: ESCALATION_ID, status: 'open' })} services={w.services} />);
    fireEvent.click(await screen.findByRole('button', { name: 'Monitor video' }));
    await waitFor(() => expect(FakeWebSocket.instances).toHaveLength(1));
    const ws = FakeWebSocket.last;
    act(() => ws.serverOpen());
    act(() =>
      ws.serverSend({
        type: 'welcome',
        peers: [
          { identity: 'agent:alice', role: 'agent' },
          { identity: 'customer:0a1b2c3d4e5f6071', role: 'customer' },
        ],
      }),
    );
    await screen.findByTestId('monitoring');
    await act(() => flush());

    expect(media.getUserMedia).not.toHaveBeenCalled();
    expect(FakeRTCPeerConnection.instances).toHaveLength(2);
    for (const pc of FakeRTCPeerConnection.instances) {
      // Nothing sent: no tracks, one receive-only transceiver per kind.
      expect(pc.tracks).toEqual([]);
      expect(pc.transceivers).toEqual([
        { kind: 'audio', direction: 'recvonly' },
        { kind: 'video', direction: 'recvonly' },
      ]);
    }
    expect(ws.sentOf('state')).toContainEqual({ type: 'state', audio: false, video: false });
    const session = w.sessions.get(agentsTask().taskSid)!;
    await expect(session.setCameraEnabled(true)).rejects.toThrow(/Monitoring/);
    await expect(session.startScreenShare()).rejects.toThrow(/Monitoring/);
    expect(media.getDisplayMedia).not.toHaveBeenCalled();
    expect(screen.queryByRole('button', { name: 'Mute' })).toBeNull();
  });

  it('takes a snapshot while monitoring: saved to the task’s escalation, the customer told', async () => {
    installRtcFakes();
    installCanvasFakes();
    installImageCapture(async () => new FakeBitmap(640, 480));
    const w = world();
    w.client.createAgentToken.mockResolvedValue(
      supervisorToken({ provider: 'builtin', signaling_url: 'wss://video.example.com/v1/video/rooms/esc-supervised/signal', ice_servers: [], ice_transport_policy: 'all' }),
    );
    w.client.createSnapshot.mockResolvedValue({ id: 'snap-1' });
    render(<SupervisorVideoTab task={agentsTask({ escalationId: ESCALATION_ID, status: 'open' })} services={w.services} />);
    fireEvent.click(await screen.findByRole('button', { name: 'Monitor video' }));
    await waitFor(() => expect(FakeWebSocket.instances).toHaveLength(1));
    const ws = FakeWebSocket.last;
    act(() => ws.serverOpen());
    act(() => ws.serverSend({ type: 'welcome', peers: [{ identity: 'customer:0a1b2c3d4e5f6071', role: 'customer' }] }));
    await screen.findByTestId('monitoring');
    await act(() => flush());
    const video = new FakeMediaStreamTrack('video');
    act(() => FakeRTCPeerConnection.instances[0].receive(video, new FakeMediaStream([video])));
    fireEvent.click(screen.getByRole('button', { name: 'Take snapshot' }));
    const dialog = await screen.findByRole('dialog');
    act(() => [...dialog.querySelectorAll('button')].find((b) => b.textContent === 'Save snapshot')!.click());
    await screen.findByTestId('snapshot-saved');
    expect(w.client.createSnapshot).toHaveBeenCalledWith(ESCALATION_ID, expect.any(Blob));
    expect(ws.sentOf('tell')).toEqual([{ type: 'tell', what: 'snapshot_taken' }]);
  });

  it('says clearly when the service refuses (403: not a Flex supervisor or admin)', async () => {
    const w = world();
    w.client.createAgentToken.mockRejectedValue(
      new ProblemError({
        title: 'Forbidden',
        status: 403,
        detail: 'this escalation belongs to another agent; a Flex supervisor or admin may join it',
        code: 'not_your_escalation',
        request_id: 'req-403',
      }),
    );
    render(<SupervisorVideoTab task={agentsTask({ escalationId: ESCALATION_ID, status: 'open' })} services={w.services} />);
    fireEvent.click(await screen.findByRole('button', { name: 'Join video' }));
    const expected =
      "Could not open this task's video call: only Flex supervisors and admins can join another agent's video call. (request req-403)";
    expect((await screen.findByRole('alert')).textContent).toBe(expected);
    expect(connect).not.toHaveBeenCalled();
    // Reported as the supervisor's action, for the Flex notification (see setup).
    expect(w.onError).toHaveBeenCalledTimes(1);
    const [error, action] = w.onError.mock.calls[0];
    expect(action).toBe('supervise');
    expect(problemNotificationText(error, action)).toBe(expected);
  });

  it('reports a refused read of the escalation too, and offers to try again', async () => {
    const w = world();
    w.client.getEscalation.mockRejectedValueOnce(
      new ProblemError({ title: 'Forbidden', status: 403, code: 'not_your_escalation', detail: 'not yours' }),
    );
    render(<SupervisorVideoTab task={agentsTask({ escalationId: ESCALATION_ID, status: 'open' })} services={w.services} />);
    expect((await screen.findByRole('alert')).textContent).toMatch(/only Flex supervisors and admins/);
    expect(w.onError.mock.calls[0][1]).toBe('supervise');
    fireEvent.click(screen.getByRole('button', { name: 'Try again' }));
    await screen.findByRole('button', { name: 'Join video' });
  });

  it('keeps one live call per user: the agent’s own call must be left first', async () => {
    const w = world();
    // The user's call on one of their own chat tasks.
    const own = makeTask();
    const ownRoom = new FakeRoom('own');
    connect.mockResolvedValueOnce(ownRoom as unknown as Video.Room);
    await w.sessions.join(own.taskSid, supervisorToken({ token: 'own-token', room_name: 'own' }));

    render(<SupervisorVideoTab task={agentsTask({ escalationId: ESCALATION_ID, status: 'open' })} services={w.services} />);
    fireEvent.click(await screen.findByRole('button', { name: 'Monitor video' }));
    const other = await screen.findByTestId('other-call');
    expect(other.getAttribute('data-other-task')).toBe(own.taskSid);
    expect(w.client.createAgentToken).not.toHaveBeenCalled();

    const room = new FakeRoom('esc-supervised');
    connect.mockResolvedValueOnce(room as unknown as Video.Room);
    fireEvent.click(screen.getByRole('button', { name: 'Leave the other call and join' }));
    await screen.findByTestId('monitoring');
    expect(ownRoom.disconnect).toHaveBeenCalled();
    expect(connect.mock.calls[1][1]).toMatchObject({ audio: false, video: false });
  });

  it('rejoins a lost monitoring call receive-only again', async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    try {
      const w = world();
      const task = agentsTask({ escalationId: ESCALATION_ID, status: 'open' });
      await w.store.supervise(task);
      const first = new FakeRoom('esc-supervised');
      const second = new FakeRoom('esc-supervised');
      connect.mockResolvedValueOnce(first as unknown as Video.Room).mockResolvedValueOnce(second as unknown as Video.Room);
      await w.calls.join(task.taskSid, { as: 'monitor' });
      act(() => {
        first.emit('disconnected', first, { code: 53001 });
      });
      await act(async () => {
        await vi.advanceTimersByTimeAsync(1_500);
      });
      await waitFor(() => expect(connect).toHaveBeenCalledTimes(2));
      expect(connect.mock.calls[1][1]).toMatchObject({ audio: false, video: false, tracks: [] });
    } finally {
      vi.useRealTimers();
    }
  });
});
