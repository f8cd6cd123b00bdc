import { iceConfig, SpareConnection } from './ahead';
import { connectBuiltin } from './builtin';
import { Listeners, displayName, type Call, type CallStatus, type EndReason, type Provider, type Role, type VideoGrant } from './call';
import { connectTwilio } from './twilio';
import { AudioSink } from './audioSink';
import { browserMedia, CAMERA, type DeviceKind, type DeviceSelection, type MediaAccess } from './media';
import type { QualitySample } from '../api/types';

export type { EndReason, VideoGrant } from './call';

/** A remote participant as the UI shows it, whichever provider carries the call. */
export interface RemoteView {
  identity: string;
  /** "Customer", an agent's name, … */
  name: string;
  role: Role;
  /** Their audio and video (undefined until the first track arrives). */
  stream?: MediaStream;
  /** Their shared screen, when it comes as a track of its own (see RemotePeer.screen). */
  screen?: MediaStream;
  /** Their microphone is on. */
  audio: boolean;
  /** Their camera is on. */
  video: boolean;
}

export interface SessionSnapshot {
  provider: Provider;
  /** Watching and listening only (monitoring): no camera, microphone or screen of ours. */
  receiveOnly: boolean;
  /** False once the call is over. */
  connected: boolean;
  /** `reconnecting` while signalling or the media path is recovering. */
  status: CallStatus;
  micEnabled: boolean;
  cameraEnabled: boolean;
  /** The agent's own camera, for the preview. */
  localStream?: MediaStream;
  /** The microphone and camera in use. */
  devices: DeviceSelection;
  /** The agent is sharing their screen. */
  screenSharing: boolean;
  remotes: RemoteView[];
  /** The room records its participants (the `recording` of the token the call was joined with). */
  recording: boolean;
  endReason?: EndReason;
}

/**
 * Joining a task's room while the agent's call on another task is live (or
 * still joining): one live call per agent.
 */
export class OtherCallLiveError extends Error {
  constructor(
    readonly taskSid: string,
    readonly otherTaskSid: string,
  ) {
    super('You are already on a video call on another task');
    this.name = 'OtherCallLiveError';
  }
}

/** One agent's connection to one escalation's room. */
export class VideoSession {
  private listeners = new Listeners();
  private snapshot: SessionSnapshot;
  private endedWith?: EndReason;
  /** The customer's audio, played outside the Video tab (undefined without a document). */
  readonly audio?: AudioSink;
  /** The room records its participants (from the token the call was joined with). */
  readonly recording: boolean;

  constructor(
    readonly taskSid: string,
    readonly call: Call,
    private readonly onLeft: (session: VideoSession, reason: EndReason) => void,
    options: { audioSink?: boolean; recording?: boolean } = {},
  ) {
    this.recording = options.recording === true;
    if (options.audioSink !== false && typeof document !== 'undefined' && document.body) {
      this.audio = new AudioSink(taskSid);
    }
    this.snapshot = this.compute();
    this.audio?.update(this.snapshot.remotes.map((r) => r.stream));
    call.onChange(() => {
      if (call.ended) this.finish(call.ended);
      else this.refresh();
    });
  }

  get state(): SessionSnapshot {
    return this.snapshot;
  }

  subscribe(listener: () => void): () => void {
    return this.listeners.add(listener);
  }

  private compute(): SessionSnapshot {
    const call = this.call;
    return {
      provider: call.provider,
      receiveOnly: call.receiveOnly,
      connected: this.endedWith === undefined,
      status: call.status,
      micEnabled: call.micEnabled,
      cameraEnabled: call.cameraEnabled,
      localStream: call.localStream,
      devices: call.devices,
      screenSharing: call.screenSharing,
      remotes: call.remotes().map((r) => ({ ...r, name: displayName(r.identity, r.role) })),
      recording: this.recording,
      endReason: this.endedWith,
    };
  }

  refresh(): void {
    this.snapshot = this.compute();
    if (this.endedWith) this.audio?.remove();
    else this.audio?.update(this.snapshot.remotes.map((r) => r.stream));
    this.listeners.emit();
  }

  setMicEnabled(enabled: boolean): void {
    this.call.setMicEnabled(enabled);
    this.refresh();
  }

  async setCameraEnabled(enabled: boolean): Promise<void> {
    await this.call.setCameraEnabled(enabled);
    this.refresh();
  }

  async setDevice(kind: DeviceKind, deviceId: string): Promise<void> {
    await this.call.setDevice(kind, deviceId);
    this.refresh();
  }

  /**
   * Asks the customers in the call to show something with their back
   * camera (their page offers the switch; nothing is done for them). False
   * when no customer is there or the call cannot carry it (a Twilio call
   * without a data track).
   */
  askBackCamera(): boolean {
    const customers = this.call.remotes().filter((r) => r.role === 'customer');
    return customers.map((r) => this.call.ask(r.identity, 'back_camera')).some(Boolean);
  }

  /** Tells the customers a snapshot of their video was saved (their page says so). False as askBackCamera. */
  tellSnapshotTaken(): boolean {
    return this.call.tell('snapshot_taken');
  }

  async startScreenShare(): Promise<void> {
    await this.call.startScreenShare();
    this.refresh();
  }

  async stopScreenShare(): Promise<void> {
    await this.call.stopScreenShare();
    this.refresh();
  }

  /** Disconnects and releases the camera and microphone. Safe to call twice. */
  leave(): void {
    if (this.endedWith) return;
    this.call.leave();
    this.finish('left');
  }

  private finish(reason: EndReason): void {
    if (this.endedWith) return;
    this.endedWith = reason;
    this.onLeft(this, reason);
    this.refresh();
  }
}

export interface VideoSessionsOptions {
  /** Cameras, microphones and screen capture (default: navigator.mediaDevices). */
  media?: MediaAccess;
  /** How long a built-in join may take before it counts as unreachable. */
  connectTimeoutMs?: number;
  /** Play the remote audio from a hidden element outside the Video tab (default true in a browser). */
  audioSink?: boolean;
  /**
   * Where a Twilio call's quality samples go (the API's
   * reportAgentCallQuality for the task's escalation); without it Twilio
   * calls report none. Built-in calls send theirs over their signalling.
   */
  postQuality?: (taskSid: string, sample: QualitySample) => Promise<unknown> | void;
}

const MEDIA: MediaStreamConstraints = { audio: true, video: CAMERA };

export interface JoinOptions {
  /** Leave the call live on another task first (one live call per user). */
  replaceOther?: boolean;
  /**
   * Watch and listen only: open no camera or microphone at all (built-in: no
   * getUserMedia and `recvonly` connections; Twilio: no tracks published).
   */
  receiveOnly?: boolean;
  /**
   * Report the call's quality to the service (default true). The service
   * counts a call's samples as the agent's side: false for anyone else's
   * call on the task (a supervisor's).
   */
  reportQuality?: boolean;
}

/** The agent's video sessions, one per task; they outlive the Video tab being shown. */
export class VideoSessions {
  private sessions = new Map<string, VideoSession>();
  private joining = new Map<string, Promise<VideoSession>>();
  private lastEnd = new Map<string, EndReason>();
  private listeners = new Listeners();
  /** The connection gathering for the task the agent is about to join (see prepare); its call's once joined. */
  private ahead?: { taskSid: string; spare: SpareConnection };
  /** What the calls and the device pickers use. */
  readonly media: MediaAccess;

  constructor(private readonly options: VideoSessionsOptions = {}) {
    this.media = options.media ?? browserMedia();
  }

  get(taskSid: string): VideoSession | undefined {
    return this.sessions.get(taskSid);
  }

  /** How the task's last call ended (until the next join). */
  endReason(taskSid: string): EndReason | undefined {
    return this.lastEnd.get(taskSid);
  }

  subscribe(listener: () => void): () => void {
    return this.listeners.add(listener);
  }

  private emit(): void {
    this.listeners.emit();
  }

  private connect(taskSid: string, grant: VideoGrant, receiveOnly: boolean, reportQuality: boolean): Promise<Call> {
    if (grant.provider === 'builtin') return this.connectBuiltin(taskSid, grant, receiveOnly, reportQuality);
    const post = this.options.postQuality;
    return connectTwilio(grant, this.media, {
      receiveOnly,
      reportQuality: reportQuality && post ? (sample) => post(taskSid, sample) : undefined,
    });
  }

  private async connectBuiltin(taskSid: string, grant: VideoGrant, receiveOnly: boolean, reportQuality: boolean): Promise<Call> {
    // What was prepared for this task is the call's from here (it closes it); anything else goes.
    const prepared = this.ahead?.taskSid === taskSid ? this.ahead.spare : undefined;
    if (!prepared) this.release();
    this.ahead = undefined;
    const options = { timeoutMs: this.options.connectTimeoutMs, media: this.media, reportQuality };
    if (receiveOnly) {
      prepared?.close();
      return connectBuiltin(grant, undefined, { ...options, receiveOnly });
    }
    const stream = await this.media.getUserMedia(MEDIA).catch((err: unknown) => {
      prepared?.close();
      throw err;
    });
    try {
      return await connectBuiltin(grant, stream, { ...options, ahead: prepared });
    } catch (err) {
      for (const t of stream.getTracks()) t.stop();
      throw err;
    }
  }

  /**
   * The agent has a built-in call's token for `taskSid` in hand and no call
   * live: the call's first connection starts gathering now (its TURN relay
   * allocated while the agent reads the Video tab, see ahead.ts), as the
   * customer's page does before its click. One at a time: preparing for
   * another task closes the last one's.
   */
  prepare(taskSid: string, grant: VideoGrant): void {
    if (grant.provider !== 'builtin' || this.liveTaskSid() !== undefined) return;
    if (this.ahead?.taskSid !== taskSid) {
      this.release();
      this.ahead = { taskSid, spare: new SpareConnection() };
    }
    this.ahead.spare.keep(iceConfig(grant), Date.parse(grant.expires_at));
  }

  /** Closes what `prepare` made (only if it was for `taskSid`, when given): no relay is held for a call not joined. */
  release(taskSid?: string): void {
    if (!this.ahead || (taskSid !== undefined && this.ahead.taskSid !== taskSid)) return;
    this.ahead.spare.close();
    this.ahead = undefined;
  }

  /** The live sessions. */
  all(): VideoSession[] {
    return [...this.sessions.values()];
  }

  /** The task whose call is live or joining, if any (one per agent). */
  liveTaskSid(): string | undefined {
    return [...this.sessions.keys(), ...this.joining.keys()][0];
  }

  /**
   * Connects to the room of the agent token answer `grant` (once per task,
   * however often it is called), with the provider the grant names. Rejects
   * with OtherCallLiveError while another task's call is live or joining,
   * unless `replaceOther` (then that call is left first). `receiveOnly`
   * joins without camera or microphone (see JoinOptions).
   */
  join(taskSid: string, grant: VideoGrant, opts: JoinOptions = {}): Promise<VideoSession> {
    const existing = this.sessions.get(taskSid);
    if (existing) return Promise.resolve(existing);
    const pending = this.joining.get(taskSid);
    if (pending) return pending;
    const others = [...new Set([...this.sessions.keys(), ...this.joining.keys()])].filter((sid) => sid !== taskSid);
    if (others.length > 0) {
      if (!opts.replaceOther) return Promise.reject(new OtherCallLiveError(taskSid, others[0]));
      for (const other of others) this.leave(other);
    }
    const p = (async () => {
      const call = await this.connect(taskSid, grant, opts.receiveOnly === true, opts.reportQuality !== false);
      const session = new VideoSession(
        taskSid,
        call,
        (s, reason) => {
          if (this.sessions.get(s.taskSid) === s) {
            this.sessions.delete(s.taskSid);
            this.lastEnd.set(s.taskSid, reason);
            this.emit();
          }
        },
        { audioSink: this.options.audioSink, recording: grant.recording === true },
      );
      if (call.ended) {
        // Ended before anyone could listen (e.g. the room closed at once).
        session.audio?.remove();
        this.lastEnd.set(taskSid, call.ended);
        this.emit();
        return session;
      }
      this.lastEnd.delete(taskSid);
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
