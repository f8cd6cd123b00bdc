import { EventEmitter } from 'events';
import { vi } from 'vitest';
import { FakeMediaStreamTrack } from './fakeMedia';

export class FakeTrack {
  isEnabled = true;
  stopped = false;
  mediaStreamTrack: FakeMediaStreamTrack;
  constructor(
    readonly kind: 'audio' | 'video',
    readonly sid: string,
    /** twilio-video names a track by its id unless told a name (e.g. `screen`). */
    readonly name: string = sid,
    mediaStreamTrack?: FakeMediaStreamTrack,
  ) {
    this.mediaStreamTrack = mediaStreamTrack ?? new FakeMediaStreamTrack(kind);
  }
  /** twilio-video's restart: a new MediaStreamTrack on the constrained device, same publication. */
  restart = vi.fn(async (c: MediaTrackConstraints = {}) => {
    const id = typeof c.deviceId === 'object' && !Array.isArray(c.deviceId) ? String(c.deviceId.exact) : undefined;
    this.mediaStreamTrack.stop();
    this.mediaStreamTrack = new FakeMediaStreamTrack(this.kind, `fake ${this.kind}`, id);
  });
  enable = vi.fn(() => {
    this.isEnabled = true;
  });
  disable = vi.fn(() => {
    this.isEnabled = false;
  });
  /** As twilio-video's: stops the MediaStreamTrack too. */
  stop = vi.fn(() => {
    this.stopped = true;
    this.mediaStreamTrack.stop();
  });
  attach = vi.fn(() => document.createElement(this.kind === 'video' ? 'video' : 'audio'));
  detach = vi.fn(() => []);
}

/**
 * twilio-video's LocalDataTrack (`send` keeps what it sent), and as a
 * remote one (subscribed with FakeRoom.subscribe) its `message` events.
 */
export class FakeDataTrack extends EventEmitter {
  readonly kind = 'data';
  static count = 0;
  readonly sid = `MTdata${++FakeDataTrack.count}`;
  send = vi.fn((_data: string) => undefined);
  /** What was sent, parsed. */
  sentMessages(): unknown[] {
    return this.send.mock.calls.map(([d]) => JSON.parse(d));
  }
}

type AnyTrack = FakeTrack | FakeDataTrack;
const pub = <T extends AnyTrack>(track: T) => ({ trackSid: track.sid, track, kind: track.kind });

export class FakeParticipant extends EventEmitter {
  /** Their publications (a data track's too, typed as a media track's for the tests' convenience). */
  tracks = new Map<string, ReturnType<typeof pub<FakeTrack>>>();
  constructor(
    readonly sid: string,
    readonly identity: string,
    tracks: FakeTrack[] = [],
  ) {
    super();
    for (const t of tracks) this.tracks.set(t.sid, pub(t));
  }
}

export class FakeLocalParticipant {
  identity = 'agent:alice';
  audioTracks = new Map<string, ReturnType<typeof pub<FakeTrack>>>();
  videoTracks = new Map<string, ReturnType<typeof pub<FakeTrack>>>();
  dataTracks = new Map<string, ReturnType<typeof pub<FakeDataTrack>>>();
  get tracks() {
    return new Map<string, ReturnType<typeof pub<AnyTrack>>>([...this.audioTracks, ...this.videoTracks, ...this.dataTracks]);
  }
  constructor(tracks: FakeTrack[]) {
    for (const t of tracks) this.add(t);
  }
  private add(t: FakeTrack) {
    (t.kind === 'audio' ? this.audioTracks : this.videoTracks).set(t.sid, pub(t));
  }
  /** Takes a LocalTrack, or a MediaStreamTrack (wrapped, as twilio-video does, under `options.name`). */
  publishTrack = vi.fn(async (t: AnyTrack | FakeMediaStreamTrack, options: { name?: string } = {}) => {
    if (t instanceof FakeDataTrack) {
      this.dataTracks.set(t.sid, pub(t));
      return pub(t);
    }
    const track = t instanceof FakeTrack ? t : new FakeTrack(t.kind, `MT${t.id}`, options.name, t);
    this.add(track);
    return pub(track);
  });
  unpublishTrack = vi.fn((t: FakeTrack) => {
    this.audioTracks.delete(t.sid);
    this.videoTracks.delete(t.sid);
  });
}

export class FakeRoom extends EventEmitter {
  participants = new Map<string, FakeParticipant>();
  localParticipant: FakeLocalParticipant;
  constructor(
    readonly name: string,
    readonly mic = new FakeTrack('audio', 'MTmic'),
    readonly camera = new FakeTrack('video', 'MTcam'),
  ) {
    super();
    this.localParticipant = new FakeLocalParticipant([mic, camera]);
  }
  disconnect = vi.fn(() => {
    this.emit('disconnected', this);
  });
  /** twilio-video's statistics (StatsReport per peer connection); none until a test sets some. */
  stats: unknown[] = [];
  getStats = vi.fn(async () => this.stats);
  /** A remote participant joins with a camera and a microphone. */
  join(identity: string): FakeParticipant {
    const p = new FakeParticipant(`PA${identity}`, identity, [
      new FakeTrack('video', `MT${identity}v`),
      new FakeTrack('audio', `MT${identity}a`),
    ]);
    this.participants.set(p.sid, p);
    this.emit('participantConnected', p);
    return p;
  }
  /** A remote participant's new track arrives (e.g. their screen, named `screen`, or a data track), as twilio-video tells it: track, publication, participant. */
  subscribe(p: FakeParticipant, track: AnyTrack) {
    const publication = pub(track as FakeTrack);
    p.tracks.set(track.sid, publication);
    this.emit('trackSubscribed', track, publication, p);
  }
  unsubscribe(p: FakeParticipant, track: FakeTrack) {
    p.tracks.delete(track.sid);
    this.emit('trackUnsubscribed', track, p);
  }
}
