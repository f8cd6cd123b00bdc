// Device switching and screen sharing on both providers, at the call layer.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import * as Video from 'twilio-video';
import { connectBuiltin } from '../src/video/builtin';
import type { VideoGrant } from '../src/video/call';
import { TwilioCall } from '../src/video/twilio';
import { FakeMediaDevices, FakeMediaStreamTrack, FakeRTCPeerConnection, FakeWebSocket, fakeCameraStream, flush, installRtcFakes } from './fakeMedia';
import { FakeRoom, FakeTrack } from './fakeVideo';

// No LocalDataTrack: these Twilio calls carry no asks or tells (the data track is tested in escalateCall.test.ts).
vi.mock('twilio-video', () => ({ connect: vi.fn(), createLocalVideoTrack: vi.fn(), LocalDataTrack: undefined }));

function twilioCall() {
  const room = new FakeRoom('esc-1');
  const media = new FakeMediaDevices();
  const call = new TwilioCall(room as unknown as Video.Room, media);
  const changes = vi.fn();
  call.onChange(changes);
  return { room, media, call, changes };
}

describe('TwilioCall devices', () => {
  it('switches the camera by restarting the published track on the new device', async () => {
    const { room, call } = twilioCall();
    expect(call.devices).toEqual({ audioinput: 'mic-1', videoinput: 'cam-1' });
    await call.setDevice('videoinput', 'cam-2');
    expect(room.camera.restart).toHaveBeenCalledWith({ width: 640, deviceId: { exact: 'cam-2' } });
    expect(room.localParticipant.publishTrack).not.toHaveBeenCalled();
    expect(call.devices.videoinput).toBe('cam-2');
    // The preview follows the new MediaStreamTrack.
    expect(call.localStream?.getTracks()).toEqual([room.camera.mediaStreamTrack]);
  });

  it('switches the microphone the same way, muted or not', async () => {
    const { room, call } = twilioCall();
    call.setMicEnabled(false);
    await call.setDevice('audioinput', 'mic-2');
    expect(room.mic.restart).toHaveBeenCalledWith({ deviceId: { exact: 'mic-2' } });
    expect(call.devices.audioinput).toBe('mic-2');
    expect(call.micEnabled).toBe(false);
  });

  it('a camera picked while off opens on that device when turned on', async () => {
    const { room, call } = twilioCall();
    await call.setCameraEnabled(false);
    // The picker keeps showing the camera that was on.
    expect(call.devices.videoinput).toBe('cam-1');
    await call.setDevice('videoinput', 'cam-2');
    expect(room.camera.restart).not.toHaveBeenCalled();
    expect(call.devices.videoinput).toBe('cam-2');
    const next = new FakeTrack('video', 'MTcam2');
    vi.mocked(Video.createLocalVideoTrack).mockResolvedValue(next as unknown as Video.LocalVideoTrack);
    await call.setCameraEnabled(true);
    expect(Video.createLocalVideoTrack).toHaveBeenCalledWith({ width: 640, deviceId: { exact: 'cam-2' } });
  });
});

describe('TwilioCall screen share', () => {
  it('publishes the screen as a second video track named "screen" and unpublishes it on stop', async () => {
    const { room, media, call } = twilioCall();
    await call.startScreenShare();
    expect(media.getDisplayMedia).toHaveBeenCalledWith({ video: true, audio: false });
    const screen = media.screens[0];
    expect(room.localParticipant.publishTrack).toHaveBeenCalledWith(screen, { name: 'screen' });
    expect(call.screenSharing).toBe(true);
    // The camera is untouched: still published, still the preview.
    expect(call.cameraEnabled).toBe(true);
    expect(call.localStream?.getTracks()).toEqual([room.camera.mediaStreamTrack]);
    expect(room.localParticipant.videoTracks.size).toBe(2);

    await call.stopScreenShare();
    expect(call.screenSharing).toBe(false);
    expect(room.localParticipant.unpublishTrack).toHaveBeenCalledTimes(1);
    expect(room.localParticipant.videoTracks.size).toBe(1);
    expect(screen.stop).toHaveBeenCalled();
    expect(screen.listenerCount()).toBe(0);
  });

  it('stops sharing when the browser ends the screen track (its own "Stop sharing")', async () => {
    const { room, media, call, changes } = twilioCall();
    await call.startScreenShare();
    changes.mockClear();
    media.screens[0].endByBrowser();
    await flush();
    expect(call.screenSharing).toBe(false);
    expect(room.localParticipant.videoTracks.size).toBe(1);
    expect(changes).toHaveBeenCalled();
  });

  it('a cancelled screen picker rejects and publishes nothing', async () => {
    const { room, media, call } = twilioCall();
    media.getDisplayMedia.mockRejectedValueOnce(Object.assign(new Error('Permission denied'), { name: 'NotAllowedError' }));
    await expect(call.startScreenShare()).rejects.toThrow('Permission denied');
    expect(call.screenSharing).toBe(false);
    expect(room.localParticipant.publishTrack).not.toHaveBeenCalled();
  });

  it('leaving releases the screen too', async () => {
    const { media, call } = twilioCall();
    await call.startScreenShare();
    call.leave();
    expect(media.screens[0].stop).toHaveBeenCalled();
    expect(call.screenSharing).toBe(false);
  });

  it("shows a remote track named 'screen' as their screen, apart from their camera", () => {
    const { room, call } = twilioCall();
    const customer = room.join('customer:k3y');
    const cameraTracks = [...customer.tracks.values()].map((p) => p.track.mediaStreamTrack);
    const screen = new FakeTrack('video', 'MTscreen', 'screen');
    room.subscribe(customer, screen);
    const [peer] = call.remotes();
    expect(peer.screen?.getTracks()).toEqual([screen.mediaStreamTrack]);
    expect(peer.stream?.getTracks()).toEqual(cameraTracks);
    // Their camera state is their camera's, not the screen's.
    const camera = [...customer.tracks.values()].find((p) => p.track.sid === 'MTcustomer:k3yv')!.track;
    camera.isEnabled = false;
    expect(call.remotes()[0]).toMatchObject({ video: false });

    room.unsubscribe(customer, screen);
    expect(call.remotes()[0].screen).toBeUndefined();
  });
});

const grant: VideoGrant = {
  provider: 'builtin',
  token: 'room-credential',
  room_name: 'esc-1',
  identity: 'agent:alice',
  expires_at: new Date(Date.now() + 3_600_000).toISOString(),
  signaling_url: 'wss://video.example.com/v1/video/rooms/esc-1/signal',
  ice_servers: [],
  ice_transport_policy: 'all',
  recording: false,
};

/** A built-in call with the customer in it, its connection negotiated. */
async function builtinCall() {
  const media = new FakeMediaDevices();
  const stream = fakeCameraStream();
  const pending = connectBuiltin(grant, stream, { media });
  const ws = FakeWebSocket.last;
  ws.serverOpen();
  ws.serverSend({ type: 'welcome', peers: [{ identity: 'customer:k3y', role: 'customer' }] });
  const call = await pending;
  await flush();
  const pc = FakeRTCPeerConnection.instances[0];
  ws.serverSend({ type: 'signal', from: 'customer:k3y', data: { description: { type: 'answer', sdp: 'a' } } });
  await flush();
  const [camera] = stream.getVideoTracks() as unknown as FakeMediaStreamTrack[];
  const videoSender = pc.senders.find((s) => s.track?.kind === 'video')!;
  return { media, stream, call, ws, pc, camera, videoSender };
}

const offers = (ws: FakeWebSocket) =>
  ws.sentOf('signal').filter((m) => (m.data as { description?: { type: string } }).description?.type === 'offer');

describe('BuiltinCall devices', () => {
  beforeEach(() => installRtcFakes());
  afterEach(() => vi.unstubAllGlobals());

  it('switches the camera with replaceTrack: the new device goes out, no renegotiation, the old one closes', async () => {
    const { media, stream, call, ws, pc, camera, videoSender } = await builtinCall();
    const before = offers(ws).length;
    await call.setDevice('videoinput', 'cam-2');
    expect(media.getUserMedia).toHaveBeenCalledWith({ video: { width: 640, deviceId: { exact: 'cam-2' } } });
    const fresh = stream.getVideoTracks()[0] as unknown as FakeMediaStreamTrack;
    expect(fresh.deviceId).toBe('cam-2');
    expect(videoSender.replaceTrack).toHaveBeenCalledWith(fresh);
    expect(pc.sending()).toContain(fresh);
    expect(camera.stop).toHaveBeenCalled();
    expect(call.devices.videoinput).toBe('cam-2');
    await flush();
    expect(offers(ws)).toHaveLength(before);
  });

  it('a switched microphone stays muted when it was', async () => {
    const { stream, call, pc } = await builtinCall();
    call.setMicEnabled(false);
    await call.setDevice('audioinput', 'mic-2');
    const fresh = stream.getAudioTracks()[0];
    expect(fresh.enabled).toBe(false);
    expect(pc.sending()).toContain(fresh);
    expect(call.devices.audioinput).toBe('mic-2');
  });
});

describe('BuiltinCall screen share', () => {
  beforeEach(() => installRtcFakes());
  afterEach(() => vi.unstubAllGlobals());

  it("sends the screen on the camera's sender and puts the camera back on stop", async () => {
    const { media, call, ws, camera, videoSender } = await builtinCall();
    await call.setCameraEnabled(false);
    await call.startScreenShare();
    const screen = media.screens[0];
    expect(videoSender.track).toBe(screen);
    expect(call.screenSharing).toBe(true);
    // A picture goes out although the camera is off: the customer's page must not say "camera off".
    expect(ws.sent.at(-1)).toEqual({ type: 'state', audio: true, video: true });
    expect(call.cameraEnabled).toBe(false);

    await call.stopScreenShare();
    expect(videoSender.track).toBe(camera);
    expect(screen.stop).toHaveBeenCalled();
    expect(ws.sent.at(-1)).toEqual({ type: 'state', audio: true, video: false });
  });

  it('restores the camera when the browser ends the share', async () => {
    const { media, call, camera, videoSender } = await builtinCall();
    await call.startScreenShare();
    media.screens[0].endByBrowser();
    await flush();
    expect(call.screenSharing).toBe(false);
    expect(videoSender.track).toBe(camera);
  });

  it('a camera switched during a share goes out when the share ends', async () => {
    const { media, stream, call, videoSender } = await builtinCall();
    await call.startScreenShare();
    await call.setDevice('videoinput', 'cam-2');
    expect(videoSender.track).toBe(media.screens[0]);
    await call.stopScreenShare();
    expect(videoSender.track).toBe(stream.getVideoTracks()[0]);
    expect((videoSender.track as FakeMediaStreamTrack).deviceId).toBe('cam-2');
  });

  it('someone joining during a share gets the screen, not the camera', async () => {
    const { media, call, ws } = await builtinCall();
    await call.startScreenShare();
    ws.serverSend({ type: 'peer_joined', peer: { identity: 'agent:bob', role: 'agent' } });
    ws.serverSend({ type: 'signal', from: 'agent:bob', data: { description: { type: 'offer', sdp: 'bob' } } });
    await flush();
    const bob = FakeRTCPeerConnection.instances[1];
    expect(bob.sending()).toContain(media.screens[0]);
    expect(bob.sending().filter((t) => t?.kind === 'video')).toHaveLength(1);
  });

  it('the end of the call releases the screen', async () => {
    const { media, call, ws } = await builtinCall();
    await call.startScreenShare();
    ws.serverClose(4410);
    expect(call.ended).toBe('completed');
    expect(media.screens[0].stop).toHaveBeenCalled();
  });
});
