/**
 * One video call, whichever provider carries it: `twilio` (twilio-video, see
 * twilioRoom.ts, bound to the plugin's twilio-video in twilio.ts) or `builtin` (the browser's own WebRTC with this service's
 * WebSocket signalling, see builtin.ts). The session and the UI only use this.
 */
import type { AgentToken, QualitySample } from '../api/types';
import type { DeviceKind, DeviceSelection } from './media';
import type { AskWhat, TellWhat } from './generated/signaling';

export type { AskWhat, TellWhat };

/** The agent token answer of the API (schema `VideoToken`): which provider, and what it needs. */
export type VideoGrant = AgentToken;
export type Provider = VideoGrant['provider'];
export type Role = 'agent' | 'customer' | 'other';
export type CallStatus = 'connected' | 'reconnecting';

/**
 * Why a call ended: `left` (this side left), `completed` (someone ended the
 * escalation), `lost` / `unreachable` / `expired` (the connection went and
 * could not come back), or what the service refused (`replaced`, `room_full`,
 * `unauthorized`, `wrong_room`, `rate_limited`, `bad_message`, `message_too_big`).
 */
export type EndReason =
  | 'left'
  | 'completed'
  | 'lost'
  | 'unreachable'
  | 'expired'
  | 'replaced'
  | 'bad_message'
  | 'unauthorized'
  | 'wrong_room'
  | 'room_full'
  | 'message_too_big'
  | 'rate_limited';

/** Whether a participant's microphone and camera are on. */
export interface MediaState {
  audio: boolean;
  video: boolean;
}

export interface RemotePeer extends MediaState {
  identity: string;
  role: Role;
  /** Their audio and video; undefined until the first track arrives. */
  stream?: MediaStream;
  /**
   * Their shared screen when it comes as a track of its own (Twilio: a video
   * track named `screen`). On the built-in provider a shared screen replaces
   * the camera in `stream`, so it is never set there.
   */
  screen?: MediaStream;
}

export interface Call {
  readonly provider: Provider;
  /**
   * Joined to watch and listen only (a supervisor monitoring): no camera or
   * microphone was opened, nothing is sent, and turning the camera on,
   * switching devices or sharing a screen are refused.
   */
  readonly receiveOnly: boolean;
  readonly status: CallStatus;
  /** Set once the call is over. */
  readonly ended?: EndReason;
  readonly micEnabled: boolean;
  readonly cameraEnabled: boolean;
  /** The local camera, for the preview (undefined without one). */
  readonly localStream?: MediaStream;
  remotes(): RemotePeer[];
  setMicEnabled(on: boolean): void;
  setCameraEnabled(on: boolean): Promise<void>;
  /** The microphone and camera in use. */
  readonly devices: DeviceSelection;
  /** Moves the microphone or the camera to another device, keeping it on or off (a camera that is off opens there when turned on). */
  setDevice(kind: DeviceKind, deviceId: string): Promise<void>;
  /** The agent's screen is being sent. */
  readonly screenSharing: boolean;
  /** Asks the browser for a screen (getDisplayMedia) and sends it; rejects when the agent cancels or the browser refuses. */
  startScreenShare(): Promise<void>;
  /** Stops sending the screen; also run when the browser ends the share itself. */
  stopScreenShare(): Promise<void>;
  /** Called whenever anything above changes (including the end). */
  onChange(listener: () => void): () => void;
  /** Leaves and releases the camera and microphone. Safe to call twice. */
  leave(): void;
  /** The WebRTC connections (built-in only; Twilio's are internal to twilio-video). */
  peerConnections(): RTCPeerConnection[];
  /** How many other participants are in the call (present, with or without media). */
  peerCount(): number;
  /**
   * Asks the customer `to` for `what` (their page offers it with one tap;
   * nothing is done for them). False once the call is over, or where the
   * provider cannot carry it (a Twilio call without a data track).
   */
  ask(to: string, what: AskWhat): boolean;
  /**
   * Tells every customer in the call of `what`, something staff did that
   * concerns them (their page shows a short notice). False as for `ask`.
   */
  tell(what: TellWhat): boolean;
}

/**
 * What happens in a call, as it happens, by the join page's event names
 * (`window.EscalateCall`, see web/escalateCall.ts). The plugin's UI reads
 * snapshots through `onChange` instead; a provider given a CallEvents
 * (CallHooks.events) tells it each of these too.
 */
export interface CallEventMap {
  /** Their audio and video arrived or changed (the same stream object again when a track is added to it). */
  'remote-stream': [identity: string, stream: MediaStream];
  /** Someone is in the call (a participant without camera or microphone too). */
  'peer-joined': [identity: string, role: Role];
  'peer-left': [identity: string, role: Role];
  /** Their microphone and camera, each time they say (built-in) or a track of theirs is turned on or off (Twilio). */
  'peer-state': [identity: string, state: MediaState];
  status: [status: CallStatus];
  ended: [reason: EndReason];
  /** A quality sample, every few seconds (see quality.ts). */
  quality: [sample: QualitySample];
  /** Staff ask this customer for something (see `Call.ask`). */
  asked: [from: string, what: AskWhat];
  /** Staff tell this customer of something they did (see `Call.tell`). */
  told: [from: string, what: TellWhat];
}
export type CallEventName = keyof CallEventMap;
export type CallEvents = <K extends CallEventName>(name: K, ...args: CallEventMap[K]) => void;

/** What a page embedding a provider (the join page) asks of it beyond the Call interface. */
export interface CallHooks {
  /** Told every event of CallEventMap as it happens. */
  events?: CallEvents;
  /**
   * The camera and microphone belong to the page (its preview, which outlives
   * the call): the call never stops them. Without it the call releases them
   * when it ends, as the plugin, which opened them for the call, wants.
   */
  keepMedia?: boolean;
}

/** Refused on a receive-only (monitoring) call: it opens no camera, microphone or screen. */
export class ReceiveOnlyError extends Error {
  constructor(what: string) {
    super(`Monitoring: this call sends nothing (${what})`);
    this.name = 'ReceiveOnlyError';
  }
}

/**
 * A join that did not get in: `code` is the provider's (a twilio-video error
 * code, a WebSocket close code). Its message is only for logs: the plugin
 * words it for the agent (callFailureText in notifications.ts), the join
 * page for the customer, from `reason`; the words stay out of the page's bundle.
 */
export class CallError extends Error {
  constructor(
    readonly reason: EndReason | 'unsupported',
    readonly code?: number,
  ) {
    super(`video call ${reason}${code ? ` (${code})` : ''}`);
    this.name = 'CallError';
  }
}

export function roleOf(identity: string): Role {
  if (identity.startsWith('agent:')) return 'agent';
  if (identity.startsWith('customer:')) return 'customer';
  return 'other';
}

/**
 * A participant's name for logs and the snapshot: "Customer", an agent's
 * name, or the identity. Not localised: the call view shows the Flex string
 * `VideoEscalationCustomer` for a customer (see participantName in
 * components/CallPanel.tsx).
 */
export function displayName(identity: string, role: Role = roleOf(identity)): string {
  if (role === 'customer' || identity.startsWith('customer:')) return 'Customer';
  if (identity.startsWith('agent:')) return identity.slice('agent:'.length) || 'Agent';
  return identity;
}

/** A listener set whose listeners cannot break each other. */
export class Listeners {
  private set = new Set<() => void>();
  add(listener: () => void): () => void {
    this.set.add(listener);
    return () => {
      this.set.delete(listener);
    };
  }
  emit(): void {
    for (const l of [...this.set]) {
      try {
        l();
      } catch (err) {
        console.error('[video-escalation]', err);
      }
    }
  }
}
