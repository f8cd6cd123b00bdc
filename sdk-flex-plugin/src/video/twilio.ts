/** The `twilio` provider: a Twilio Video room through twilio-video. */
import * as Video from 'twilio-video';
import type { LocalAudioTrack, LocalVideoTrack, RemoteParticipant, Room } from 'twilio-video';
import { Listeners, roleOf, type Call, type CallStatus, type EndReason, type RemotePeer, type VideoGrant } from './call';

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

type WithMediaTrack = { kind: string; isEnabled?: boolean; mediaStreamTrack?: MediaStreamTrack };

function canMakeStreams(): boolean {
  return typeof MediaStream !== 'undefined';
}

export class TwilioCall implements Call {
  readonly provider = 'twilio' as const;
  status: CallStatus = 'connected';
  ended?: EndReason;
  private readonly listeners = new Listeners();
  private readonly streams = new Map<string, MediaStream>();
  private leaving = false;
  private preview?: { track: MediaStreamTrack; stream: MediaStream };

  constructor(readonly room: Room) {
    const changed = () => this.changed();
    const on = (room as unknown as { on(event: string, listener: (...args: unknown[]) => void): unknown }).on.bind(room);
    for (const event of ROOM_EVENTS) on(event, changed);
    on('reconnecting', () => {
      this.status = 'reconnecting';
      this.changed();
    });
    on('reconnected', () => {
      this.status = 'connected';
      this.changed();
    });
    room.once('disconnected', (_room: Room, err?: { code?: number }) => {
      // 53118: the room was completed (the escalation was ended).
      this.finish(err?.code === 53118 ? 'completed' : this.leaving ? 'left' : 'lost');
    });
  }

  onChange(listener: () => void): () => void {
    return this.listeners.add(listener);
  }

  private changed(): void {
    this.listeners.emit();
  }

  private localVideo(): LocalVideoTrack | undefined {
    let track: LocalVideoTrack | undefined;
    this.room.localParticipant.videoTracks.forEach((pub) => {
      track = track ?? pub.track;
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
    const on = (kind: string) => tracks.some((t) => t.kind === kind && t.isEnabled !== false);
    let stream: MediaStream | undefined;
    const media = tracks.map((t) => t.mediaStreamTrack).filter((t): t is MediaStreamTrack => !!t);
    if (canMakeStreams() && media.length > 0) {
      stream = this.streams.get(p.sid) ?? new MediaStream();
      this.streams.set(p.sid, stream);
      for (const t of stream.getTracks()) if (!media.includes(t)) stream.removeTrack(t);
      for (const t of media) if (!stream.getTracks().includes(t)) stream.addTrack(t);
    }
    return { identity: p.identity, role: roleOf(p.identity), stream, audio: on('audio'), video: on('video') };
  }

  remotes(): RemotePeer[] {
    const out: RemotePeer[] = [];
    this.room.participants.forEach((p) => out.push(this.remote(p)));
    for (const sid of [...this.streams.keys()]) if (!this.room.participants.has(sid)) this.streams.delete(sid);
    return out;
  }

  setMicEnabled(on: boolean): void {
    for (const t of this.localAudio()) {
      if (on) t.enable();
      else t.disable();
    }
    this.changed();
  }

  /** Camera off stops the camera (its light goes off); on starts a new track. */
  async setCameraEnabled(on: boolean): Promise<void> {
    const current = this.localVideo();
    if (!on && current) {
      this.room.localParticipant.unpublishTrack(current);
      current.stop();
    } else if (on && !current) {
      const track = await Video.createLocalVideoTrack({ width: 640 });
      if (this.ended) {
        track.stop();
        return;
      }
      await this.room.localParticipant.publishTrack(track);
    }
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
    this.changed();
  }
}

/** Connects to the grant's Twilio room with the camera and microphone. */
export async function connectTwilio(grant: Pick<VideoGrant, 'token' | 'room_name'>): Promise<TwilioCall> {
  const room = await Video.connect(grant.token, {
    name: grant.room_name,
    audio: true,
    video: { width: 640 },
    dominantSpeaker: true,
  });
  return new TwilioCall(room);
}
