import * as Video from 'twilio-video';
import type {
  LocalAudioTrack,
  LocalVideoTrack,
  RemoteAudioTrack,
  RemoteParticipant,
  RemoteVideoTrack,
  Room,
} from 'twilio-video';

export interface RemoteView {
  sid: string;
  identity: string;
  videoTracks: RemoteVideoTrack[];
  audioTracks: RemoteAudioTrack[];
}

export interface SessionSnapshot {
  connected: boolean;
  micEnabled: boolean;
  cameraEnabled: boolean;
  localVideoTrack?: LocalVideoTrack;
  remotes: RemoteView[];
}

function remoteView(p: RemoteParticipant): RemoteView {
  const videoTracks: RemoteVideoTrack[] = [];
  const audioTracks: RemoteAudioTrack[] = [];
  p.tracks.forEach((pub) => {
    const t = pub.track;
    if (!t) return;
    if (t.kind === 'video') videoTracks.push(t as RemoteVideoTrack);
    else if (t.kind === 'audio') audioTracks.push(t as RemoteAudioTrack);
  });
  return { sid: p.sid, identity: p.identity, videoTracks, audioTracks };
}

/** One agent's connection to one escalation's room. */
export class VideoSession {
  private listeners = new Set<() => void>();
  private snapshot: SessionSnapshot;
  private left = false;

  constructor(
    readonly taskSid: string,
    readonly room: Room,
    private readonly onLeft: (session: VideoSession) => void,
  ) {
    this.snapshot = this.compute();
    const refresh = () => this.refresh();
    for (const event of [
      'participantConnected',
      'participantDisconnected',
      'trackSubscribed',
      'trackUnsubscribed',
      'trackPublished',
      'trackUnpublished',
    ]) {
      (room as unknown as { on(event: string, listener: () => void): unknown }).on(event, refresh);
    }
    room.once('disconnected', () => this.finish());
  }

  get state(): SessionSnapshot {
    return this.snapshot;
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
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

  private compute(): SessionSnapshot {
    const audio = this.localAudio();
    const video = this.localVideo();
    const remotes: RemoteView[] = [];
    this.room.participants.forEach((p) => remotes.push(remoteView(p)));
    return {
      connected: !this.left,
      micEnabled: audio.length > 0 && audio.every((t) => t.isEnabled),
      cameraEnabled: video !== undefined && video.isEnabled,
      localVideoTrack: video,
      remotes,
    };
  }

  refresh(): void {
    this.snapshot = this.compute();
    for (const l of [...this.listeners]) l();
  }

  setMicEnabled(enabled: boolean): void {
    for (const t of this.localAudio()) {
      if (enabled) t.enable();
      else t.disable();
    }
    this.refresh();
  }

  /** Camera off stops the camera (its light goes off); on starts a new track. */
  async setCameraEnabled(enabled: boolean): Promise<void> {
    const current = this.localVideo();
    if (!enabled && current) {
      this.room.localParticipant.unpublishTrack(current);
      current.stop();
    } else if (enabled && !current) {
      const track = await Video.createLocalVideoTrack({ width: 640 });
      if (this.left) {
        track.stop();
        return;
      }
      await this.room.localParticipant.publishTrack(track);
    }
    this.refresh();
  }

  /** Disconnects and releases the camera and microphone. Safe to call twice. */
  leave(): void {
    if (this.left) return;
    this.room.localParticipant.tracks.forEach((pub) => {
      const t = pub.track as { stop?: () => void } | null;
      t?.stop?.();
    });
    this.room.disconnect();
    this.finish();
  }

  private finish(): void {
    if (this.left) return;
    this.left = true;
    this.onLeft(this);
    this.refresh();
  }
}

/** The agent's video sessions, one per task; they outlive the Video tab being shown. */
export class VideoSessions {
  private sessions = new Map<string, VideoSession>();
  private joining = new Map<string, Promise<VideoSession>>();
  private listeners = new Set<() => void>();

  get(taskSid: string): VideoSession | undefined {
    return this.sessions.get(taskSid);
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  private emit(): void {
    for (const l of [...this.listeners]) l();
  }

  /** Connects to the room (once per task, however often it is called). */
  join(taskSid: string, token: string, roomName: string): Promise<VideoSession> {
    const existing = this.sessions.get(taskSid);
    if (existing) return Promise.resolve(existing);
    const pending = this.joining.get(taskSid);
    if (pending) return pending;
    const p = (async () => {
      const room = await Video.connect(token, {
        name: roomName,
        audio: true,
        video: { width: 640 },
        dominantSpeaker: true,
      });
      const session = new VideoSession(taskSid, room, (s) => {
        if (this.sessions.get(s.taskSid) === s) {
          this.sessions.delete(s.taskSid);
          this.emit();
        }
      });
      this.sessions.set(taskSid, session);
      this.emit();
      return session;
    })().finally(() => this.joining.delete(taskSid));
    this.joining.set(taskSid, p);
    return p;
  }

  /** Leaves the task's room if connected (or as soon as a pending join finishes). */
  leave(taskSid: string): void {
    const session = this.sessions.get(taskSid);
    if (session) {
      session.leave();
      return;
    }
    const pending = this.joining.get(taskSid);
    if (pending) void pending.then((s) => s.leave()).catch(() => undefined);
  }

  leaveAll(): void {
    for (const sid of [...this.sessions.keys(), ...this.joining.keys()]) this.leave(sid);
  }
}
