/**
 * Every agent-facing text of the plugin, as Flex strings: registered once in
 * `manager.strings` at start-up with these English defaults (a key already
 * set, e.g. by a localisation plugin loaded earlier, is kept), and read back
 * from `manager.strings` whenever shown, so a tenant localises or rewords them
 * as any other Flex string (`manager.strings.VideoEscalationJoin = "…"`).
 * `{{name}}` placeholders are filled in by the plugin.
 */
export const DEFAULT_STRINGS = {
  // Header button and task list badge
  VideoEscalationSwitchToVideo: 'Switch to video',
  VideoEscalationStarting: 'Starting video…',
  VideoEscalationStartedOpenTab: 'Video call started: open the Video tab',
  VideoEscalationRetry: 'Switch to video (last try failed, click to retry)',
  VideoEscalationOnVideo: 'On video',
  // Video tab
  VideoEscalationTabLabel: 'Video',
  VideoEscalationNoCallYet: 'No video call yet. Switch this chat to video to send the customer a join link.',
  VideoEscalationCreatingRoom: 'Creating the video room…',
  VideoEscalationLinkSent: 'The customer was sent a link to join.',
  VideoEscalationLinkSentTo: 'The customer was sent a link to join:',
  VideoEscalationJoin: 'Join Video Room',
  VideoEscalationJoining: 'Joining…',
  VideoEscalationJoinFailed: 'Could not join the video room: {{error}}',
  VideoEscalationOtherCallLive: 'You are already on a video call on another task. Leave that call to join this one.',
  VideoEscalationLeaveOtherAndJoin: 'Leave the other call and join',
  VideoEscalationRejoining: 'Connection lost: rejoining (attempt {{attempt}} of {{max}})…',
  VideoEscalationReconnecting: 'Reconnecting…',
  VideoEscalationMute: 'Mute',
  VideoEscalationUnmute: 'Unmute',
  VideoEscalationCameraOff: 'Turn camera off',
  VideoEscalationCameraOn: 'Turn camera on',
  VideoEscalationLeave: 'Leave',
  VideoEscalationEndVideo: 'End video',
  VideoEscalationEnded: 'The video call has ended.',
  VideoEscalationStartNew: 'Start a new video call',
  VideoEscalationWaitingForCustomer: 'Waiting for the customer to join…',
  VideoEscalationConnectingTo: 'Connecting to {{name}}…',
  VideoEscalationCustomer: 'Customer',
  VideoEscalationParticipantMuted: '{{name}} muted',
  VideoEscalationParticipantCameraOff: "{{name}}'s camera is off",
  VideoEscalationYourCameraOff: 'Your camera is off.',
  VideoEscalationYou: 'You',
  VideoEscalationYouMuted: 'You (muted)',
  VideoEscalationYourCameraLabel: 'Your camera',
  VideoEscalationVideoOf: "{{name}}'s video",
  VideoEscalationMonitoring: 'You are monitoring this call: your camera and microphone are off.',
  VideoEscalationRecording: 'Recording',
  VideoEscalationRecordingLabel: 'This call is recorded',
  // Devices and screen share
  VideoEscalationMicrophone: 'Microphone',
  VideoEscalationCamera: 'Camera',
  VideoEscalationMicrophoneN: 'Microphone {{n}}',
  VideoEscalationCameraN: 'Camera {{n}}',
  VideoEscalationDeviceFailed: 'Could not switch to that device: {{error}}',
  VideoEscalationShareScreen: 'Share screen',
  VideoEscalationStopSharing: 'Stop sharing',
  VideoEscalationShareFailed: 'Could not share your screen: {{error}}',
  VideoEscalationYouAreSharing: 'You are sharing your screen.',
  VideoEscalationScreenOf: "{{name}}'s screen",
  VideoEscalationSharingScreen: '{{name}} is sharing their screen',
  // Supervisor: the Video tab of an agent's task in the Teams view
  VideoEscalationSupervisorNoCall: 'There is no video call on this task.',
  VideoEscalationSupervisorLoading: "Loading this task's video call…",
  VideoEscalationSupervisorEnded: "This task's video call has ended.",
  VideoEscalationSupervisorLive: 'This task has a live video call.',
  VideoEscalationSupervisorJoin: 'Join video',
  VideoEscalationSupervisorMonitor: 'Monitor video',
  VideoEscalationSupervisorHint: 'Join video turns your camera and microphone on. Monitor video lets you see and hear the call without them.',
  VideoEscalationTryAgain: 'Try again',
  // Why a call ended
  VideoEscalationEndLeft: 'You left the video call.',
  VideoEscalationEndCompleted: 'The video call was ended (the escalation was completed).',
  VideoEscalationEndLost: 'The connection to the video call was lost.',
  VideoEscalationEndExpired: 'The connection to the video call was lost and your video token has expired.',
  VideoEscalationEndReplaced: 'You joined this video call from another window, so this one was disconnected.',
  VideoEscalationEndRoomFull: 'The video service refused the connection: the room is full.',
  VideoEscalationEndRefused: 'The video service refused the connection ({{reason}}).',
  // Notifications
  VideoEscalationNotifyReconnecting: 'Video call: the connection dropped, reconnecting…',
  VideoEscalationNotifyReconnected: 'Video call: reconnected.',
  VideoEscalationNotifyDisconnected: 'Video call disconnected. {{reason}}',
  VideoEscalationNotifyRejoining: 'Video call disconnected. {{reason}} Rejoining (attempt {{attempt}} of {{max}})…',
  VideoEscalationNotifyRejoinFailed:
    "Video call disconnected. {{reason}} Rejoining failed {{max}} times: use Join Video Room on the task's Video tab.",
  VideoEscalationErrorCreate: 'Could not start the video call',
  VideoEscalationErrorComplete: 'Could not end the video call',
  VideoEscalationErrorToken: 'Could not join the video room',
  VideoEscalationErrorLoad: 'Could not load the video call',
  VideoEscalationErrorSupervise: "Could not open this task's video call",
  VideoEscalationErrorNotSupervisor: "only Flex supervisors and admins can join another agent's video call.",
  VideoEscalationNotConfigured:
    'Video escalation is not configured: {{errors}}. Ask your Flex admin to set ui_attributes.videoEscalation (serviceBaseUrl, contactCenterId).',
} as const;

export type StringKey = keyof typeof DEFAULT_STRINGS;
export type StringVars = Record<string, string | number>;
/** Looks a string up (the tenant's, else the default) and fills in its `{{placeholders}}`. */
export type Translate = (key: StringKey, vars?: StringVars) => string;

export function formatString(template: string, vars: StringVars = {}): string {
  return template.replace(/\{\{\s*([A-Za-z0-9_]+)\s*\}\}/g, (whole, name: string) =>
    Object.prototype.hasOwnProperty.call(vars, name) ? String(vars[name]) : whole,
  );
}

/** A Translate that reads `getStrings()` (e.g. `() => manager.strings`) at every call. */
export function makeTranslate(getStrings: () => Record<string, unknown> | undefined): Translate {
  return (key, vars) => {
    let value: unknown;
    try {
      value = getStrings()?.[key];
    } catch {
      value = undefined;
    }
    return formatString(typeof value === 'string' && value !== '' ? value : DEFAULT_STRINGS[key], vars);
  };
}

/** The English defaults, for code running without a Flex manager (tests, the node build). */
export const defaultTranslate: Translate = makeTranslate(() => undefined);

/** Adds the plugin's strings to `manager.strings`, keeping any already set. Call once, at start-up. */
export function registerStrings(manager: { strings?: unknown }): void {
  const current = (manager.strings ?? {}) as Record<string, unknown>;
  const missing = (Object.keys(DEFAULT_STRINGS) as StringKey[]).filter((k) => typeof current[k] !== 'string');
  if (missing.length === 0) return;
  const added: Record<string, string> = {};
  for (const k of missing) added[k] = DEFAULT_STRINGS[k];
  manager.strings = { ...current, ...added } as never;
}
