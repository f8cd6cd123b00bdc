/**
 * "Take snapshot" in the agent's Video tab (built-in calls): shown while the
 * customer's video plays, the annotator over the page, the picture saved to
 * the task's escalation, the customer told, "Snapshot saved"; the service's
 * refusals said in the annotator, nothing told.
 */
import React from 'react';
import { act, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ProblemError } from '../src/api/errors';
import { VideoTab } from '../src/components/VideoTab';
import { EscalationStore } from '../src/escalationStore';
import { VideoSession, VideoSessions } from '../src/video/session';
import { FakeBitmap, installCanvasFakes, installImageCapture } from './fakeCanvas';
import {
  FakeMediaDevices,
  FakeMediaStream,
  FakeMediaStreamTrack,
  FakeRTCPeerConnection,
  FakeWebSocket,
  fakeCameraStream,
  flush,
  installRtcFakes,
} from './fakeMedia';
import { CC, makeEscalation, makeServices, makeTask } from './helpers';

// No LocalDataTrack: these Twilio calls carry no asks or tells (the data track is tested in escalateCall.test.ts).
vi.mock('twilio-video', () => ({ connect: vi.fn(), createLocalVideoTrack: vi.fn(), LocalDataTrack: undefined }));

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

const SAVED = {
  id: 'snap-1',
  escalation_id: makeEscalation().id,
  created_at: '2026-12-07T10:00:00Z',
  taken_by: 'agent:alice',
  content_type: 'image/jpeg' as const,
  width: 1280,
  height: 720,
  size_bytes: 1000,
};

/** The agent in a built-in call with a customer whose video plays. */
async function inCall() {
  installRtcFakes();
  installCanvasFakes();
  installImageCapture(async () => new FakeBitmap(1280, 720));
  const escalation = makeEscalation({ video_provider: 'builtin', agent_token: 'builtin-credential', agent_video: grant });
  const client = {
    createEscalation: vi.fn().mockResolvedValue({ escalation, replayed: false, status: 201 }),
    getEscalation: vi.fn().mockResolvedValue(escalation),
    completeEscalation: vi.fn(),
    reportAgentCallQuality: vi.fn(async () => undefined),
    createSnapshot: vi.fn(async (_id: string, _picture: Blob) => SAVED),
    createAgentToken: vi.fn(),
  };
  const store = new EscalationStore({ client, contactCenterId: CC });
  const media = new FakeMediaDevices();
  media.getUserMedia.mockResolvedValueOnce(fakeCameraStream());
  const sessions = new VideoSessions({ media });
  const task = makeTask();
  await store.escalate(task);
  render(<VideoTab task={task} services={makeServices(store, sessions)} />);
  fireEvent.click(screen.getByRole('button', { name: 'Join Video Room' }));
  await waitFor(() => expect(FakeWebSocket.instances.length).toBeGreaterThan(0));
  const ws = FakeWebSocket.last;
  act(() => ws.serverOpen());
  act(() => ws.serverSend({ type: 'welcome', peers: [{ identity: 'customer:k3y', role: 'customer' }] }));
  await screen.findByTestId('video-call');
  await act(() => flush());
  expect(screen.queryByRole('button', { name: 'Take snapshot' })).toBeNull();
  const video = new FakeMediaStreamTrack('video');
  act(() => FakeRTCPeerConnection.instances[0].receive(video, new FakeMediaStream([video])));
  return { client, ws, video, escalation };
}

const dialog = () => screen.findByRole('dialog');
const within = (d: HTMLElement, name: string) => [...d.querySelectorAll('button')].find((b) => b.textContent === name)!;

afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllGlobals();
  document.body.innerHTML = '';
});

describe('Take snapshot (Video tab)', () => {
  it('saves the annotated still to the escalation, tells the customer, and says "Snapshot saved"', async () => {
    const { client, ws, escalation } = await inCall();
    fireEvent.click(screen.getByRole('button', { name: 'Take snapshot' }));
    const d = await dialog();
    expect(d.getAttribute('aria-label') ?? document.getElementById(d.getAttribute('aria-labelledby')!)!.textContent).toBe(
      "Snapshot of the customer's video",
    );
    expect(ws.sentOf('tell')).toEqual([]);
    act(() => within(d, 'Save snapshot').click());
    expect(await screen.findByTestId('snapshot-saved')).toHaveProperty('textContent', 'Snapshot saved.');
    expect(client.createSnapshot).toHaveBeenCalledTimes(1);
    const [id, picture] = client.createSnapshot.mock.calls[0];
    expect(id).toBe(escalation.id);
    expect(picture.type).toBe('image/jpeg');
    expect(ws.sentOf('tell')).toEqual([{ type: 'tell', what: 'snapshot_taken' }]);
    expect(screen.queryByRole('dialog')).toBeNull();
  });

  it('says so when the customer could not be told (the snapshot is saved all the same)', async () => {
    const { client } = await inCall();
    vi.spyOn(VideoSession.prototype, 'tellSnapshotTaken').mockReturnValue(false);
    fireEvent.click(screen.getByRole('button', { name: 'Take snapshot' }));
    const d = await dialog();
    act(() => within(d, 'Save snapshot').click());
    const note = await screen.findByTestId('snapshot-problem');
    expect(note.textContent).toBe('Snapshot saved, but the customer could not be told: please tell them a photo was taken.');
    expect(note.getAttribute('role')).toBe('alert');
    expect(client.createSnapshot).toHaveBeenCalledTimes(1);
  });

  it('says a refusal in the annotator and tells the customer nothing; cancelling changes nothing', async () => {
    const { client, ws } = await inCall();
    client.createSnapshot.mockRejectedValue(
      new ProblemError({ title: 'Conflict', status: 409, code: 'snapshots_disabled', detail: 'snapshots are off' }),
    );
    fireEvent.click(screen.getByRole('button', { name: 'Take snapshot' }));
    const d = await dialog();
    act(() => within(d, 'Save snapshot').click());
    await waitFor(() => expect(d.querySelector('[role="alert"]')?.textContent).toBe('Snapshots are turned off for this contact center.'));
    expect((within(d, 'Save snapshot') as HTMLButtonElement).disabled).toBe(true);
    act(() => within(d, 'Cancel').click());
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(ws.sentOf('tell')).toEqual([]);
    expect(screen.queryByTestId('snapshot-saved')).toBeNull();
    expect((screen.getByRole('button', { name: 'Take snapshot' }) as HTMLButtonElement).disabled).toBe(false);
  });

  it('is not offered while the customer’s camera is off', async () => {
    const { ws } = await inCall();
    expect(screen.getByRole('button', { name: 'Take snapshot' })).toBeTruthy();
    act(() => ws.serverSend({ type: 'state', from: 'customer:k3y', audio: true, video: false }));
    expect(screen.queryByRole('button', { name: 'Take snapshot' })).toBeNull();
  });

  it('says so when the video gives no frame', async () => {
    const { video } = await inCall();
    // The track ended, the view not redrawn yet.
    video.stop();
    fireEvent.click(screen.getByRole('button', { name: 'Take snapshot' }));
    expect((await screen.findByTestId('snapshot-problem')).textContent).toBe("No snapshot: the customer's video is not playing.");
    expect(screen.queryByRole('dialog')).toBeNull();
  });
});
