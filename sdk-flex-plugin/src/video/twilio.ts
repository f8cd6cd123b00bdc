/** The `twilio` provider: a Twilio Video room through twilio-video. */
import * as Video from 'twilio-video';
import type { QualitySample } from '../api/types';
import type { LocalAudioTrack, LocalVideoTrack, RemoteParticipant, Room } from 'twilio-video';
import { Listeners, ReceiveOnlyError, roleOf, type Call, type CallStatus, type EndReason, type RemotePeer, type VideoGrant } from './call';
import {
  browserMedia,
  CAMERA,
  deviceIdOf,
  onTrackEnded,
  SCREEN,
  SCREEN_TRACK_NAME,
  type DeviceKind,
  type DeviceSelection,
  type MediaAccess,
} from './media';
import { QualityMonitor, summarizeTwilioStats, type TwilioStatsLike } from './quality';

/** Takes a Twilio call's quality samples (posts them to the service); what it rejects with is ignored. */
export type QualityReporter = (sample: QualitySample) => Promise<unknown> | void;

/** Room events after which what the agent sees may have changed. */
const ROOM_EVENTS = [
  'participantConnected',
  'participantDisconnected',
  'trackSubscribed',
  'trackUnsubscribed',
  'trackPublished',
  'trackUnpublished',
  'trackEnabled',
  'trackDisabled',
];

type WithMediaTrack = { kind: string; name?: string; isEnabled?: boolean; mediaStreamTrack?: MediaStreamTrack };

function canMakeStreams(): boolean {
  return typeof MediaStream !== 'undefined';
}

/** Keeps one MediaStream per key holding exactly `tracks` (a `<video>` keeps playing the same object). */
function syncStream(cache: Map<string, MediaStream>, key: string, tracks: MediaStreamTrack[]): MediaStream | undefined {
  if (!canMakeStreams() || tracks.length === 0) {
    cache.delete(key);
    return undefined;
  }
  const stream = cache.get(key) ?? new MediaStream();
  cache.set(key, stream);
  for (const t of stream.getTracks()) if (!tracks.includes(t)) stream.removeTrack(t);
  for (const t of tracks) if (!stream.getTracks().includes(t)) stream.addTrack(t);
  return stream;
}

function isScreen(t: WithMediaTrack): boolean {
  return t.kind === 'video' && t.name === SCREEN_TRACK_NAME;
}

export class TwilioCall implements Call {
  readonly provider = 'twilio' as const;
  status: CallStatus = 'connected';
  ended?: EndReason;
  private readonly listeners = new Listeners();
  private readonly streams = new Map<string, MediaStream>();
  private readonly screens = new Map<string, MediaStream>();
  private leaving = false;
  private preview?: { track: MediaStreamTrack; stream: MediaStream };
  /** The devices the agent picked, and the camera last used: a camera turned back on opens there. */
  private readonly picked: DeviceSelection = {};
  /** The agent's shared screen: its own published track, beside the camera. */
  private screen?: { track: LocalVideoTrack; unwatch: () => void };
  /** Times the room came back (`reconnected`), for the quality samples. */
  private reconnects = 0;
  private readonly quality?: QualityMonitor<TwilioStatsLike[]>;

  constructor(
    readonly room: Room,
    private readonly media: MediaAccess = browserMedia(),
    /** Joined with no tracks (monitoring): see connectTwilio's `receiveOnly`. */
    readonly receiveOnly = false,
    /** Where the call's quality samples go every 5 s (none without it). */
    reportQuality?: QualityReporter,
  ) {
    const changed = () => this.changed();
    const on = (room as unknown as { on(event: string, listener: (...args: unknown[]) => void): unknown }).on.bind(room);
    for (const event of ROOM_EVENTS) on(event, changed);
    on('reconnecting', () => {
      this.status = 'reconnecting';
      this.changed();
    });
    on('reconnected', () => {
      this.reconnects++;
      this.status = 'connected';
      this.changed();
    });
    room.once('disconnected', (_room: Room, err?: { code?: number }) => {
      // 53118: the room was completed (the escalation was ended).
      this.finish(err?.code === 53118 ? 'completed' : this.leaving ? 'left' : 'lost');
    });
    if (reportQuality) {
      // twilio-video's own statistics: its connections are internal to it.
      this.quality = new QualityMonitor<TwilioStatsLike[]>({
        collect: () => this.room.getStats(),
        summarize: summarizeTwilioStats,
        send: reportQuality,
        reconnects: () => this.reconnects,
      });
      this.quality.start();
    }
  }

  onChange(listener: () => void): () => void {
    return this.listeners.add(listener);
  }

  private changed(): void {
    this.listeners.emit();
  }

  /** The camera (the screen share is a video track too, but not the camera). */
  private localVideo(): LocalVideoTrack | undefined {
    let track: LocalVideoTrack | undefined;
    this.room.localParticipant.videoTracks.forEach((pub) => {
      if (pub.track !== this.screen?.track) track = track ?? pub.track;
    });
    return track;
  }

  private localAudio(): LocalAudioTrack[] {
    const tracks: LocalAudioTrack[] = [];
    this.room.localParticipant.audioTracks.forEach((pub) => tracks.push(pub.track));
    return tracks;
  }

  get micEnabled(): boolean {
    const audio = this.localAudio();
    return audio.length > 0 && audio.every((t) => t.isEnabled);
  }

  get cameraEnabled(): boolean {
    const video = this.localVideo();
    return video !== undefined && video.isEnabled;
  }

  get localStream(): MediaStream | undefined {
    const track = (this.localVideo() as WithMediaTrack | undefined)?.mediaStreamTrack;
    if (!track || !canMakeStreams()) return undefined;
    if (this.preview?.track !== track) this.preview = { track, stream: new MediaStream([track]) };
    return this.preview.stream;
  }

  private remote(p: RemoteParticipant): RemotePeer {
    const tracks: WithMediaTrack[] = [];
    p.tracks.forEach((pub) => {
      if (pub.track) tracks.push(pub.track as unknown as WithMediaTrack);
    });
    const camera = tracks.filter((t) => !isScreen(t));
    const on = (kind: string) => camera.some((t) => t.kind === kind && t.isEnabled !== false);
    const media = (list: WithMediaTrack[]) => list.map((t) => t.mediaStreamTrack).filter((t): t is MediaStreamTrack => !!t);
    return {
      identity: p.identity,
      role: roleOf(p.identity),
      stream: syncStream(this.streams, p.sid, media(camera)),
      screen: syncStream(this.screens, p.sid, media(tracks.filter(isScreen))),
      audio: on('audio'),
      video: on('video'),
    };
  }

  remotes(): RemotePeer[] {
    const out: RemotePeer[] = [];
    this.room.participants.forEach((p) => out.push(this.remote(p)));
    for (const cache of [this.streams, this.screens]) {
      for (const sid of [...cache.keys()]) if (!this.room.participants.has(sid)) cache.delete(sid);
    }
    return out;
  }

  setMicEnabled(on: boolean): void {
    // A receive-only call has no microphone track: nothing to turn on or off.
    for (const t of this.localAudio()) {
      if (on) t.enable();
      else t.disable();
    }
    this.changed();
  }

  /** Camera off stops the camera (its light goes off); on starts a new track, on the picked device. */
  async setCameraEnabled(on: boolean): Promise<void> {
    if (on && this.receiveOnly) throw new ReceiveOnlyError('camera');
    const current = this.localVideo();
    if (!on && current) {
      this.picked.videoinput ??= deviceIdOf((current as WithMediaTrack).mediaStreamTrack);
      this.room.localParticipant.unpublishTrack(current);
      current.stop();
    } else if (on && !current) {
      const deviceId = this.picked.videoinput;
      const track = await Video.createLocalVideoTrack({ ...CAMERA, ...(deviceId ? { deviceId: { exact: deviceId } } : {}) });
      if (this.ended) {
        track.stop();
        return;
      }
      await this.room.localParticipant.publishTrack(track);
    }
    this.changed();
  }

  get devices(): DeviceSelection {
    const camera = (this.localVideo() as WithMediaTrack | undefined)?.mediaStreamTrack;
    const mic = (this.localAudio()[0] as WithMediaTrack | undefined)?.mediaStreamTrack;
    return { audioinput: deviceIdOf(mic) ?? this.picked.audioinput, videoinput: deviceIdOf(camera) ?? this.picked.videoinput };
  }

  /**
   * restart() reopens the published track on the new device: the same
   * publication, so no renegotiation, and twilio-video keeps it enabled or
   * disabled as it was.
   */
  async setDevice(kind: DeviceKind, deviceId: string): Promise<void> {
    if (this.receiveOnly) throw new ReceiveOnlyError(kind === 'audioinput' ? 'microphone' : 'camera');
    this.picked[kind] = deviceId;
    const exact = { deviceId: { exact: deviceId } };
    if (kind === 'audioinput') {
      for (const t of this.localAudio()) await t.restart(exact);
    } else {
      await this.localVideo()?.restart({ ...CAMERA, ...exact });
    }
    this.changed();
  }

  get screenSharing(): boolean {
    return this.screen !== undefined;
  }

  /** The screen goes out as a second video track named `screen`; the camera stays as it is. */
  async startScreenShare(): Promise<void> {
    if (this.receiveOnly) throw new ReceiveOnlyError('screen');
    if (this.screen) return;
    const [media] = (await this.media.getDisplayMedia(SCREEN)).getVideoTracks();
    if (!media) throw new Error('The browser gave no screen to share');
    if (this.ended || this.screen) {
      media.stop();
      return;
    }
    const pub = await this.room.localParticipant.publishTrack(media, { name: SCREEN_TRACK_NAME });
    const track = pub.track as LocalVideoTrack;
    this.screen = { track, unwatch: onTrackEnded(media, () => void this.stopScreenShare()) };
    this.changed();
  }

  async stopScreenShare(): Promise<void> {
    const screen = this.screen;
    if (!screen) return;
    this.screen = undefined;
    screen.unwatch();
    if (!this.ended) this.room.localParticipant.unpublishTrack(screen.track);
    screen.track.stop();
    this.changed();
  }

  peerConnections(): RTCPeerConnection[] {
    return [];
  }

  leave(): void {
    if (this.ended) return;
    this.leaving = true;
    this.room.localParticipant.tracks.forEach((pub) => {
      const t = pub.track as { stop?: () => void } | null;
      t?.stop?.();
    });
    this.room.disconnect();
    this.finish('left');
  }

  private finish(reason: EndReason): void {
    if (this.ended) return;
    this.ended = reason;
    this.quality?.stop();
    // A room that went away leaves the screen capture open (and the browser's sharing bar up).
    this.screen?.unwatch();
    this.screen?.track.stop();
    this.screen = undefined;
    this.changed();
  }
}

/**
 * Connects to the grant's Twilio room with the camera and microphone, or,
 * `receiveOnly`, with no tracks at all: twilio-video then asks the browser
 * for nothing (no getUserMedia) and publishes nothing, and the call only
 * subscribes to the others' tracks. With `reportQuality`, the call's
 * quality samples go there while it lasts.
 */
export async function connectTwilio(
  grant: Pick<VideoGrant, 'token' | 'room_name'>,
  media: MediaAccess = browserMedia(),
  { receiveOnly = false, reportQuality }: { receiveOnly?: boolean; reportQuality?: QualityReporter } = {},
): Promise<TwilioCall> {
  const room = await Video.connect(
    grant.token,
    receiveOnly
      ? { name: grant.room_name, audio: false, video: false, tracks: [], dominantSpeaker: true }
      : { name: grant.room_name, audio: true, video: CAMERA, dominantSpeaker: true },
  );
  return new TwilioCall(room, media, receiveOnly, reportQuality);
}
