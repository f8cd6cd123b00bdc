import React from 'react';
import { act, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import * as Flex from '@twilio/flex-ui';
import * as Video from 'twilio-video';
import { AgentCalls } from '../src/calls';
import { SupervisorVideoTab } from '../src/components/SupervisorVideoTab';
import { VideoBadge } from '../src/components/VideoBadge';
import { VideoTab } from '../src/components/VideoTab';
import type { AgentToken } from '../src/api/types';
import { EscalationStore } from '../src/escalationStore';
import { setupPlugin } from '../src/setup';
import { VideoSessions } from '../src/video/session';
import { FakeMediaDevices, FakeWebSocket, flush, installRtcFakes } from './fakeMedia';
import { FakeRoom } from './fakeVideo';
import { DARK_THEME, type FlexDoubleExtras } from './flexDouble';
import { CC, deferred, jsonResponse, makeEscalation, makeServices, makeTask } from './helpers';

// Flex at its boundary (test/flexDouble.ts), for the strings read from manager.strings.
vi.mock('@twilio/flex-ui', async () => (await import('./flexDouble')).createFlexDouble());
// No LocalDataTrack: these Twilio calls carry no asks or tells (the data track is tested in escalateCall.test.ts).
vi.mock('twilio-video', () => ({ connect: vi.fn(), createLocalVideoTrack: vi.fn(), LocalDataTrack: undefined }));

const connect = vi.mocked(Video.connect);
const flex = Flex as unknown as typeof Flex & FlexDoubleExtras;

/** The token answer (schema VideoToken) of a Twilio room, recorded or not. */
function twilioVideo(recording: boolean | undefined, token = 'agent-video-token'): AgentToken {
  return {
    provider: 'twilio',
    token,
    room_name: 'esc-e5a1d6b2',
    identity: 'agent:alice',
    expires_at: new Date(Date.now() + 3_600_000).toISOString(),
    ...(recording === undefined ? {} : { recording }),
  } as AgentToken;
}

function builtinVideo(recording: boolean): AgentToken {
  return {
    provider: 'builtin',
    token: 'builtin-credential',
    room_name: 'esc-e5a1d6b2',
    identity: 'agent:alice',
    expires_at: new Date(Date.now() + 3_600_000).toISOString(),
    signaling_url: 'wss://video.example.com/v1/video/rooms/esc-e5a1d6b2/signal',
    ice_servers: [],
    ice_transport_policy: 'all',
    recording,
  };
}

function fakeClient(agentVideo: AgentToken | undefined, fresh: AgentToken = twilioVideo(agentVideo?.recording, 'fresh-token')) {
  return {
    createEscalation: vi.fn().mockResolvedValue({
      escalation: makeEscalation({
        ...(agentVideo ? { agent_video: agentVideo, agent_token: agentVideo.token, video_provider: agentVideo.provider } : {}),
      }),
      replayed: false,
      status: 201,
    }),
    getEscalation: vi.fn().mockResolvedValue(makeEscalation()),
    completeEscalation: vi.fn().mockResolvedValue(makeEscalation({ status: 'completed' })),
    reportAgentCallQuality: vi.fn(async () => undefined),
    createSnapshot: vi.fn(),
    createAgentToken: vi.fn().mockResolvedValue(fresh),
  };
}

async function agentTab(agentVideo: AgentToken | undefined, opts: { fresh?: AgentToken; theme?: unknown } = {}) {
  const client = fakeClient(agentVideo, opts.fresh);
  const store = new EscalationStore({ client, contactCenterId: CC });
  const sessions = new VideoSessions({ media: new FakeMediaDevices() });
  const notify = vi.fn();
  const calls = new AgentCalls({ store, sessions, notify, maxRejoinAttempts: 3, rejoinDelayMs: () => 1000 });
  const services = makeServices(store, sessions, { calls });
  const task = makeTask();
  await store.escalate(task);
  render(<VideoTab task={task} services={services} theme={opts.theme as never} />);
  return { client, store, sessions, calls, services, task };
}

const indicator = () => screen.queryByRole('status', { name: 'This call is recorded' });

beforeEach(() => {
  connect.mockReset();
});
afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
  document.body.innerHTML = '';
});

describe('the recording indicator (Video tab)', () => {
  it('shows "Recording" with a red dot while a call whose token says recording is live (Twilio)', async () => {
    const { sessions, task } = await agentTab(twilioVideo(true));
    const room = new FakeRoom('esc-e5a1d6b2');
    connect.mockResolvedValue(room as unknown as Video.Room);
    expect(indicator()).toBeNull();

    fireEvent.click(screen.getByRole('button', { name: 'Join Video Room' }));
    await screen.findByTestId('video-call');
    const shown = indicator()!;
    expect(shown.textContent).toBe('Recording');
    expect(shown.getAttribute('aria-label')).toBe('This call is recorded');
    expect(screen.getByTestId('video-call').getAttribute('data-recording')).toBe('true');
    const dot = screen.getByTestId('recording-dot');
    expect(dot.getAttribute('aria-hidden')).toBe('true');
    expect(dot.style.borderRadius).toBe('50%');
    // Paste's destructive red without a Flex theme.
    expect(dot.style.background).toBe('rgb(214, 31, 31)');

    // Still there while the connection recovers.
    act(() => {
      room.emit('reconnecting', new Error('network'));
    });
    expect(screen.getByTestId('reconnecting')).toBeTruthy();
    expect(indicator()).not.toBeNull();

    act(() => sessions.leave(task.taskSid));
    await screen.findByRole('button', { name: 'Join Video Room' });
    expect(indicator()).toBeNull();
  });

  it('shows nothing when the token says recording false, or says nothing (an older service)', async () => {
    for (const agentVideo of [twilioVideo(false), twilioVideo(undefined), undefined]) {
      const { sessions, task } = await agentTab(agentVideo);
      connect.mockResolvedValue(new FakeRoom('esc-e5a1d6b2') as unknown as Video.Room);
      fireEvent.click(screen.getByRole('button', { name: 'Join Video Room' }));
      await screen.findByTestId('video-call');
      expect(screen.getByTestId('video-call').getAttribute('data-recording')).toBe('false');
      expect(indicator()).toBeNull();
      expect(screen.queryByText('Recording')).toBeNull();
      expect(sessions.get(task.taskSid)!.state.recording).toBe(false);
      act(() => sessions.leaveAll());
      document.body.innerHTML = '';
    }
  });

  it('says so while connecting to a recorded room, before the call is live', async () => {
    await agentTab(twilioVideo(true));
    const pending = deferred<Video.Room>();
    connect.mockReturnValue(pending.promise as never);
    fireEvent.click(screen.getByRole('button', { name: 'Join Video Room' }));
    await screen.findByRole('button', { name: 'Joining…' });
    expect(screen.queryByTestId('video-call')).toBeNull();
    expect(indicator()!.textContent).toBe('Recording');
    await act(async () => pending.resolve(new FakeRoom('esc-e5a1d6b2') as unknown as Video.Room));
    await screen.findByTestId('video-call');
    expect(screen.getAllByTestId('recording')).toHaveLength(1);
  });

  it('keeps showing it through a rejoin with a fresh token', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const { store, client, sessions, task } = await agentTab(twilioVideo(true));
    const first = new FakeRoom('esc-e5a1d6b2');
    const second = new FakeRoom('esc-e5a1d6b2');
    connect.mockResolvedValueOnce(first as unknown as Video.Room).mockResolvedValueOnce(second as unknown as Video.Room);
    fireEvent.click(screen.getByRole('button', { name: 'Join Video Room' }));
    await vi.waitFor(() => expect(screen.getByTestId('video-call')).toBeTruthy());
    expect(indicator()).not.toBeNull();

    // The connection is lost: rejoining, the room still recorded.
    act(() => {
      first.emit('disconnected', first, { code: 53001 });
    });
    expect(screen.getByTestId('rejoining')).toBeTruthy();
    expect(indicator()).not.toBeNull();

    await act(async () => {
      await vi.advanceTimersByTimeAsync(1000);
    });
    await flush();
    await vi.waitFor(() => expect(screen.getByTestId('video-call')).toBeTruthy());
    expect(client.createAgentToken).toHaveBeenCalledTimes(1);
    expect(connect.mock.calls.map((c) => c[0])).toEqual(['agent-video-token', 'fresh-token']);
    expect(store.get(task.taskSid)).toMatchObject({ recording: true, agentToken: { recording: true, token: 'fresh-token' } });
    expect(sessions.get(task.taskSid)!.state.recording).toBe(true);
    expect(indicator()).not.toBeNull();
    act(() => sessions.leaveAll());
  });

  it('follows the fresh token: a room no longer recorded shows nothing after the rejoin', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const { sessions } = await agentTab(twilioVideo(true), { fresh: twilioVideo(false, 'fresh-token') });
    const first = new FakeRoom('esc-e5a1d6b2');
    connect.mockResolvedValueOnce(first as unknown as Video.Room).mockResolvedValueOnce(new FakeRoom('esc-e5a1d6b2') as unknown as Video.Room);
    fireEvent.click(screen.getByRole('button', { name: 'Join Video Room' }));
    await vi.waitFor(() => expect(screen.getByTestId('video-call').getAttribute('data-recording')).toBe('true'));
    act(() => {
      first.emit('disconnected', first, { code: 53001 });
    });
    await act(async () => {
      await vi.advanceTimersByTimeAsync(1000);
    });
    await flush();
    await vi.waitFor(() => expect(screen.getByTestId('video-call').getAttribute('data-recording')).toBe('false'));
    expect(indicator()).toBeNull();
    act(() => sessions.leaveAll());
  });

  it('shows it on a built-in call whose token says recording too (the panel is the same for both providers)', async () => {
    installRtcFakes();
    const media = new FakeMediaDevices();
    const client = fakeClient(builtinVideo(true));
    const store = new EscalationStore({ client, contactCenterId: CC });
    const sessions = new VideoSessions({ media });
    const task = makeTask();
    await store.escalate(task);
    render(<VideoTab task={task} services={makeServices(store, sessions)} />);
    fireEvent.click(screen.getByRole('button', { name: 'Join Video Room' }));
    await waitFor(() => expect(FakeWebSocket.instances.length).toBe(1));
    const ws = FakeWebSocket.last;
    act(() => ws.serverOpen());
    act(() => ws.serverSend({ type: 'welcome', peers: [] }));
    await screen.findByTestId('video-call');
    expect(connect).not.toHaveBeenCalled();
    expect(indicator()!.textContent).toBe('Recording');
    act(() => sessions.leaveAll());
  });

  it('takes the dot and the text colours from the Flex theme', async () => {
    await agentTab(twilioVideo(true), { theme: DARK_THEME });
    connect.mockResolvedValue(new FakeRoom('esc-e5a1d6b2') as unknown as Video.Room);
    fireEvent.click(screen.getByRole('button', { name: 'Join Video Room' }));
    await screen.findByTestId('video-call');
    expect(screen.getByTestId('recording-dot').style.background).toBe('rgb(4, 5, 6)');
    expect(indicator()!.style.color).toBe('rgb(244, 244, 246)');
  });
});

describe('the recording indicator elsewhere', () => {
  it('shows in the supervisor’s view of a recorded call, joined or monitored', async () => {
    const client = {
      createEscalation: vi.fn(),
      getEscalation: vi.fn(async (id: string) => makeEscalation({ id, room_name: 'esc-supervised' })),
      completeEscalation: vi.fn(),
      reportAgentCallQuality: vi.fn(async () => undefined),
      createSnapshot: vi.fn(),
      createAgentToken: vi.fn(async () => ({ ...twilioVideo(true, 'supervisor-video-token'), identity: 'agent:sam' })),
    };
    const store = new EscalationStore({ client, contactCenterId: CC });
    const sessions = new VideoSessions({ media: new FakeMediaDevices() });
    const services = makeServices(store, sessions);
    const task = makeTask({
      taskSid: 'WTsupervised0000000000000000000000',
      attributes: { conversationSid: 'CH0123456789abcdef0123456789abcdef', videoEscalation: { escalationId: 'e1', status: 'open' } },
    });
    connect.mockResolvedValue(new FakeRoom('esc-supervised') as unknown as Video.Room);
    render(<SupervisorVideoTab task={task} services={services} />);
    fireEvent.click(await screen.findByRole('button', { name: 'Monitor video' }));
    await screen.findByTestId('video-call');
    expect(screen.getByTestId('monitoring')).toBeTruthy();
    expect(indicator()!.textContent).toBe('Recording');
    fireEvent.click(screen.getByRole('button', { name: 'Leave' }));
    fireEvent.click(await screen.findByRole('button', { name: 'Join video' }));
    await screen.findByTestId('video-call');
    expect(screen.queryByTestId('monitoring')).toBeNull();
    expect(indicator()!.textContent).toBe('Recording');
    fireEvent.click(screen.getByRole('button', { name: 'Leave' }));
    await screen.findByRole('button', { name: 'Join video' });
    expect(indicator()).toBeNull();
  });

  it('puts a small named dot on the "On video" badge of a recorded call only', async () => {
    for (const recording of [true, false]) {
      const store = new EscalationStore({ client: fakeClient(undefined), contactCenterId: CC });
      const sessions = new VideoSessions();
      const task = makeTask();
      connect.mockResolvedValue(new FakeRoom('r') as unknown as Video.Room);
      await sessions.join(task.taskSid, twilioVideo(recording));
      const { unmount } = render(<VideoBadge task={task} services={makeServices(store, sessions)} theme={DARK_THEME} />);
      const badge = screen.getByTestId('video-badge');
      expect(badge.getAttribute('data-recording')).toBe(String(recording));
      expect(badge.textContent).toBe('On video');
      const dot = screen.queryByRole('img', { name: 'This call is recorded' });
      if (recording) {
        expect(dot).toBe(screen.getByTestId('video-badge-recording'));
        expect(badge.contains(dot)).toBe(true);
        expect(dot!.style.background).toBe('rgb(4, 5, 6)');
      } else {
        expect(dot).toBeNull();
      }
      unmount();
      sessions.leaveAll();
    }
  });

  it('reads its text and label from manager.strings, where a tenant rewords them', async () => {
    // Any read of the escalation (e.g. once the call is left) answers it open.
    const fetchMock = vi.fn(async () => jsonResponse(200, makeEscalation()));
    vi.stubGlobal('fetch', fetchMock);
    flex.__theme.current = undefined;
    const strings: Record<string, string> = {
      VideoEscalationRecording: 'Enregistrement',
      VideoEscalationRecordingLabel: 'Cet appel est enregistré',
    };
    const manager = {
      strings,
      serviceConfiguration: { ui_attributes: { videoEscalation: { serviceBaseUrl: 'https://video.example.com', contactCenterId: CC } } },
      user: { token: 'flex-token-abc', identity: 'alice' },
      workerClient: { attributes: { full_name: 'Alice Agent' } },
      store: { getState: () => ({ flex: {} }) },
      events: { addListener: vi.fn() },
    } as unknown as Flex.Manager;
    const services = setupPlugin(Flex, manager)!;
    // Registered with the English defaults only where the tenant set nothing.
    expect(strings.VideoEscalationRecording).toBe('Enregistrement');
    const registered = (manager as unknown as { strings: Record<string, string> }).strings;
    expect(registered.VideoEscalationRecordingLabel).toBe('Cet appel est enregistré');

    fetchMock.mockResolvedValueOnce(
      jsonResponse(201, makeEscalation({ agent_video: twilioVideo(true), video_provider: 'twilio' })),
    );
    const task = makeTask();
    await services.store.escalate(task);
    connect.mockResolvedValue(new FakeRoom('esc-e5a1d6b2') as unknown as Video.Room);
    const [tab] = vi.mocked(Flex.TaskCanvasTabs.Content.add).mock.calls.at(-1) as unknown as [React.ReactElement];
    render(React.cloneElement(tab.props.children as React.ReactElement, { task }));
    fireEvent.click(screen.getByRole('button', { name: 'Join Video Room' }));
    await screen.findByTestId('video-call');
    const shown = screen.getByRole('status', { name: 'Cet appel est enregistré' });
    expect(shown.textContent).toBe('Enregistrement');

    // Changed later: read again at render time.
    registered.VideoEscalationRecording = 'Aufnahme';
    act(() => services.sessions.get(task.taskSid)!.refresh());
    expect(screen.getByTestId('recording').textContent).toBe('Aufnahme');
    services.sessions.leaveAll();
  });
});

describe('EscalationStore and the recording flag', () => {
  it('keeps the token answer’s recording with the task, through a dropped token, until the escalation ends', async () => {
    const client = fakeClient(twilioVideo(true), twilioVideo(true, 'fresh-token'));
    const store = new EscalationStore({ client, contactCenterId: CC });
    const task = makeTask();
    await store.escalate(task);
    expect(store.get(task.taskSid)).toMatchObject({ recording: true, agentToken: { recording: true, grant: { recording: true } } });

    store.invalidateToken(task.taskSid);
    expect(store.get(task.taskSid).agentToken).toBeUndefined();
    expect(store.get(task.taskSid).recording).toBe(true);

    const fresh = await store.agentToken(task.taskSid);
    expect(fresh).toMatchObject({ token: 'fresh-token', recording: true, grant: { recording: true } });

    await store.complete(task);
    expect(store.get(task.taskSid).recording).toBeUndefined();
  });

  it('reads a token answer without recording (an older service) as not recorded', async () => {
    const client = fakeClient(undefined, twilioVideo(undefined, 'fresh-token'));
    const store = new EscalationStore({ client, contactCenterId: CC });
    const task = makeTask();
    await store.escalate(task);
    expect(store.get(task.taskSid).agentToken).toMatchObject({ recording: false, grant: { recording: false } });
    store.invalidateToken(task.taskSid);
    expect(await store.agentToken(task.taskSid)).toMatchObject({ recording: false, grant: { recording: false } });
    expect(store.get(task.taskSid).recording).toBe(false);
  });
});
