/**
 * The `twilio` provider: a Twilio Video room through twilio-video, which this
 * module is given rather than imports (see TwilioVideo): the plugin passes
 * the package it bundles (twilio.ts), the join page the `window.Twilio.Video`
 * of the vendored script it loads for Twilio calls only (web/escalateCall.ts).
 *
 * A Twilio room has no signalling of ours, so staff's `ask` and `tell` go
 * over a data track each side publishes when it connects (a monitoring call
 * too: it opens no camera or microphone), as JSON `{type: 'asked', to, what}`
 * and `{type: 'told', what}`. Every participant receives every message; a
 * customer's page takes those of staff meant for it and emits `asked` and
 * `told` as the built-in provider does, where the service checks as much.
 */
import type { QualitySample } from '../api/types';
import type * as VideoModule from 'twilio-video';
import type { LocalAudioTrack, LocalDataTrack, LocalVideoTrack, RemoteParticipant, Room } from 'twilio-video';
import {
  CallError,
  Listeners,
  ReceiveOnlyError,
  roleOf,
  type AskWhat,
  type Call,
  type CallEvents,
  type CallHooks,
  type CallStatus,
  type EndReason,
  type MediaState,
  type RemotePeer,
  type TellWhat,
  type VideoGrant,
} from './call';
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

/** What this provider uses of twilio-video (without LocalDataTrack, asks and tells are not carried). */
export type TwilioVideo = Pick<typeof VideoModule, 'connect' | 'createLocalVideoTrack'> &
  Partial<Pick<typeof VideoModule, 'LocalDataTrack'>>;

export interface TwilioHooks extends CallHooks {
  /** twilio-video, for a camera turned back on (a new track); without it that is refused. */
  video?: TwilioVideo;
}

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
type Emitting = { on(event: string, listener: (...args: never[]) => void): unknown };

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

/** A participant's tracks (their camera, microphone and screen). */
function tracksOf(p: RemoteParticipant): WithMediaTrack[] {
  const tracks: WithMediaTrack[] = [];
  p.tracks.forEach((pub) => {
    if (pub.track) tracks.push(pub.track as unknown as WithMediaTrack);
  });
  return tracks;
}

/** Their microphone and camera are on (a shared screen is not their camera). */
function mediaStateOf(tracks: WithMediaTrack[]): MediaState {
  const on = (kind: string) => tracks.some((t) => t.kind === kind && !isScreen(t) && t.isEnabled !== false);
  return { audio: on('audio'), video: on('video') };
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
  /** The other participants in the room, from its own events (see peerCount). */
  private readonly present = new Set<RemoteParticipant>();
  private readonly video?: TwilioVideo;
  private readonly emit: CallEvents;
  private readonly keepMedia: boolean;
  /** This side's data track, once published (see the top of this file). */
  private data?: LocalDataTrack;

  constructor(
    readonly room: Room,
    private readonly media: MediaAccess = browserMedia(),
    /** Joined with no tracks (monitoring): see connectTwilio's `receiveOnly`. */
    readonly receiveOnly = false,
    /** Where the call's quality samples go every 5 s (none without it). */
    reportQuality?: QualityReporter,
    { video, events, keepMedia = false }: TwilioHooks = {},
  ) {
    this.video = video;
    this.emit = (name, ...args) => events?.(name, ...args);
    this.keepMedia = keepMedia;
    const changed = () => this.changed();
    const on = (room as unknown as { on(event: string, listener: (...args: never[]) => void): unknown }).on.bind(room);
    for (const event of ROOM_EVENTS) on(event, changed);
    room.participants.forEach((p) => this.present.add(p));
    on('participantConnected', (p: RemoteParticipant) => {
      this.present.add(p);
      this.watch(p);
    });
    on('participantDisconnected', (p: RemoteParticipant) => {
      this.present.delete(p);
      this.emit('peer-left', p.identity, roleOf(p.identity));
    });
    // This side's data track, for asks and tells: a publication that fails
    // leaves this side unable to say them, nothing more.
    const Data = video?.LocalDataTrack;
    if (Data) {
      const track = new Data();
      room.localParticipant.publishTrack(track).then(
        () => (this.data = track),
        () => undefined,
      );
    }
    // The others' data tracks: each one as it comes, and those subscribed
    // already (in the same synchronous step, so none is missed or heard twice).
    on('trackSubscribed', (track: WithMediaTrack, _pub: unknown, p: RemoteParticipant) => this.hear(track, p));
    room.participants.forEach((p) => tracksOf(p).forEach((t) => this.hear(t, p)));
    // Their microphone or camera turned on or off (twilio-video's room
    // events: the publication, then the participant; the track says it already).
    const state = (_pub: unknown, p?: RemoteParticipant) => {
      if (p?.tracks) this.emit('peer-state', p.identity, mediaStateOf(tracksOf(p)));
    };
    on('trackEnabled', state);
    on('trackDisabled', state);
    const status = (s: CallStatus) => {
      this.status = s;
      this.changed();
      this.emit('status', s);
    };
    on('reconnecting', () => status('reconnecting'));
    on('reconnected', () => {
      this.reconnects++;
      status('connected');
    });
    room.once('disconnected', (_room: Room, err?: { code?: number }) => {
      // 53118: the room was completed (the escalation was ended).
      this.finish(err?.code === 53118 ? 'completed' : this.leaving ? 'left' : 'lost');
    });
    // Those already in the room, once whoever awaits this call has its listeners on.
    if (events) setTimeout(() => room.participants.forEach((p) => this.watch(p)), 0);
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

  /**
   * Tells the events (CallHooks.events) that a participant is here, and
   * their stream as their tracks arrive: every track of theirs in one
   * stream, as the join page plays it.
   */
  private watch(p: RemoteParticipant): void {
    if (this.ended || !this.present.has(p)) return;
    const identity = p.identity;
    const stream = new MediaStream();
    const add = (track: WithMediaTrack) => {
      if (!track.mediaStreamTrack) return;
      stream.addTrack(track.mediaStreamTrack);
      this.emit('remote-stream', identity, stream);
    };
    this.emit('peer-joined', identity, roleOf(identity));
    tracksOf(p).forEach(add);
    const events = p as unknown as Emitting;
    events.on('trackSubscribed', add);
    events.on('trackUnsubscribed', (track: WithMediaTrack) => {
      if (track.mediaStreamTrack) stream.removeTrack(track.mediaStreamTrack);
    });
  }

  /** The other participants in the room. */
  peerCount(): number {
    return this.present.size;
  }

  /**
   * Listens to `p`'s data track: staff's asks and tells, taken by a
   * customer's side only, as the service relays them on built-in calls;
   * anything else anyone sends is dropped.
   */
  private hear(track: WithMediaTrack, p: RemoteParticipant): void {
    if (track.kind !== 'data') return;
    (track as unknown as Emitting).on('message', (data: string) => {
      try {
        const { type, to, what } = JSON.parse(data) as { type?: unknown; to?: unknown; what?: unknown };
        const me = this.room.localParticipant.identity;
        const staff = roleOf(p.identity) !== 'customer' && roleOf(me) === 'customer' && typeof what === 'string';
        // `what` goes on as sent: a page acts only on what it knows.
        if (staff && (type === 'told' || (type === 'asked' && to === me))) this.emit(type, p.identity, what as AskWhat & TellWhat);
      } catch {
        // Not JSON, or JSON null: not ours.
      }
    });
  }

  /** Sends on this side's data track: false before it is published or after the end. */
  private say(msg: object): boolean {
    if (this.ended || !this.data) return false;
    this.data.send(JSON.stringify(msg));
    return true;
  }

  ask(to: string, what: AskWhat): boolean {
    return this.say({ type: 'asked', to, what });
  }

  tell(what: TellWhat): boolean {
    return this.say({ type: 'told', what });
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
    const tracks = tracksOf(p);
    const media = (list: WithMediaTrack[]) => list.map((t) => t.mediaStreamTrack).filter((t): t is MediaStreamTrack => !!t);
    return {
      identity: p.identity,
      role: roleOf(p.identity),
      stream: syncStream(this.streams, p.sid, media(tracks.filter((t) => !isScreen(t)))),
      screen: syncStream(this.screens, p.sid, media(tracks.filter(isScreen))),
      ...mediaStateOf(tracks),
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
    this.setTracksEnabled('audio', on);
  }

  /**
   * Turns the published microphone or camera on or off as twilio-video does
   * (the others see it disabled); the camera stays open, as the join page's
   * preview wants. A shared screen (the track named `screen`) is not the camera.
   */
  setTracksEnabled(kind: 'audio' | 'video', on: boolean): void {
    const pubs = kind === 'audio' ? this.room.localParticipant.audioTracks : this.room.localParticipant.videoTracks;
    pubs.forEach((pub) => {
      const track = pub.track as (LocalAudioTrack | LocalVideoTrack) | null;
      if (!track || (pub as { trackName?: string }).trackName === SCREEN_TRACK_NAME || track.name === SCREEN_TRACK_NAME) return;
      if (on) track.enable();
      else track.disable();
    });
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
      if (!this.video) throw new Error('No twilio-video to open the camera with');
      const track = await this.video.createLocalVideoTrack({ ...CAMERA, ...(deviceId ? { deviceId: { exact: deviceId } } : {}) });
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
    if (!this.keepMedia) {
      this.room.localParticipant.tracks.forEach((pub) => {
        const t = pub.track as { stop?: () => void } | null;
        t?.stop?.();
      });
    }
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
    this.emit('ended', reason);
  }
}

export interface ConnectTwilioOptions extends CallHooks {
  receiveOnly?: boolean;
  reportQuality?: QualityReporter;
  /**
   * Join with these tracks (the join page's preview, already open) instead
   * of having twilio-video open the camera and microphone; none is a call
   * that sends nothing.
   */
  tracks?: MediaStreamTrack[];
  /** Give up (CallError `unreachable`, the attempt cancelled) after this long. */
  timeoutMs?: number;
}

/** `pending`, or CallError `unreachable` after `timeoutMs` (the attempt cancelled; a room that comes later is left). */
function withTimeout(pending: Promise<Room>, timeoutMs: number | undefined): Promise<Room> {
  if (!timeoutMs) return pending;
  return new Promise<Room>((resolve, reject) => {
    let late = false;
    const timer = setTimeout(() => {
      late = true;
      (pending as { cancel?: () => void }).cancel?.();
      reject(new CallError('unreachable'));
    }, timeoutMs);
    pending.then(
      (room) => {
        clearTimeout(timer);
        if (late) room.disconnect();
        else resolve(room);
      },
      (err: unknown) => {
        clearTimeout(timer);
        reject(err);
      },
    );
  });
}

/**
 * Connects to the grant's Twilio room through `video` (twilio-video): see
 * connectTwilio in twilio.ts for the plugin's; `tracks` and the hooks are the
 * join page's.
 */
export async function connectTwilioRoom(
  video: TwilioVideo,
  grant: Pick<VideoGrant, 'token' | 'room_name'>,
  media: MediaAccess = browserMedia(),
  { receiveOnly = false, reportQuality, tracks, timeoutMs, events, keepMedia }: ConnectTwilioOptions = {},
): Promise<TwilioCall> {
  const name = grant.room_name;
  const room = await withTimeout(
    video.connect(
      grant.token,
      tracks
        ? { name, tracks, preferredVideoCodecs: 'auto', networkQuality: false }
        : receiveOnly
          ? { name, audio: false, video: false, tracks: [], dominantSpeaker: true }
          : { name, audio: true, video: CAMERA, dominantSpeaker: true },
    ),
    timeoutMs,
  );
  return new TwilioCall(room, media, receiveOnly, reportQuality, { video, events, keepMedia });
}
