/**
 * Every agent-facing text of the plugin, as Flex strings: registered once in
 * `manager.strings` at start-up with these English defaults (a key already
 * set, e.g. by a Flex admin's localisation loaded earlier, is kept), and shown
 * through Flex's own templates: Flex compiles every `manager.strings` entry
 * into `templates[key]` (Handlebars, so `{{name}}` is a template variable
 * and its value is HTML-escaped), and the plugin renders them with Flex's
 * `Template` component (`<Template source={templates[key]} name="…" />`, see
 * `components/ui.tsx`) or, where a plain string is needed (attributes, a
 * notification's message), calls `templates[key](context)`, at render time,
 * never at start-up. A tenant localises or rewords them as any other Flex
 * string (`manager.strings = { ...manager.strings, VideoEscalationJoin: "…" }`).
 * Without Flex's templates (tests, the node build, or before Flex compiled
 * them) the plugin reads `manager.strings` (else the default) and fills the
 * `{{name}}` placeholders itself.
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
  VideoEscalationAskBackCamera: 'Ask for back camera',
  VideoEscalationAskedBackCamera: 'Asked the customer to show you with their back camera.',
  VideoEscalationStopSharing: 'Stop sharing',
  VideoEscalationShareFailed: 'Could not share your screen: {{error}}',
  VideoEscalationYouAreSharing: 'You are sharing your screen.',
  VideoEscalationScreenOf: "{{name}}'s screen",
  VideoEscalationSharingScreen: '{{name}} is sharing their screen',
  // Snapshots of the customer's video (the annotator's words too)
  VideoEscalationTakeSnapshot: 'Take snapshot',
  VideoEscalationSnapshotTitle: "Snapshot of the customer's video",
  VideoEscalationSnapshotArrow: 'Arrow',
  VideoEscalationSnapshotCircle: 'Circle',
  VideoEscalationSnapshotFreehand: 'Draw',
  VideoEscalationSnapshotText: 'Text',
  VideoEscalationSnapshotTextLabel: 'Text to add',
  VideoEscalationSnapshotUndo: 'Undo',
  VideoEscalationSnapshotCancel: 'Cancel',
  VideoEscalationSnapshotSave: 'Save snapshot',
  VideoEscalationSnapshotSaving: 'Saving the snapshot…',
  VideoEscalationSnapshotSaved: 'Snapshot saved.',
  VideoEscalationSnapshotSavedUntold: 'Snapshot saved, but the customer could not be told: please tell them a photo was taken.',
  VideoEscalationSnapshotNoVideo: "No snapshot: the customer's video is not playing.",
  VideoEscalationSnapshotDisabled: 'Snapshots are turned off for this contact center.',
  VideoEscalationSnapshotLimit: 'This call has as many snapshots as it may keep (20).',
  VideoEscalationSnapshotTooLarge: 'This snapshot is too large to save.',
  VideoEscalationSnapshotNotAnImage: 'This snapshot could not be saved as a picture.',
  VideoEscalationSnapshotEnded: 'The call has ended: the snapshot was not saved.',
  VideoEscalationSnapshotOffline: 'Could not reach the video service: check your connection and try again.',
  VideoEscalationSnapshotFailed: 'The snapshot could not be saved. Try again.',
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
    'Video escalation is not configured: {{errors}}. Ask your Flex admin to set ui_attributes.videoEscalation (serviceBaseUrl, contactCenterId) in the Flex configuration, or to use Install in Flex in the Escalate dashboard.',
} as const;

export type StringKey = keyof typeof DEFAULT_STRINGS;
export type StringVars = Record<string, string | number>;
/** Looks a string up (Flex's compiled template of the tenant's string, else the default) and fills in its variables: plain text. */
export type Translate = (key: StringKey, vars?: StringVars) => string;
/** Flex's `templates`: the compiled template of every `manager.strings` key (a Handlebars function of the context). */
export type FlexTemplates = Record<string, ((context?: Record<string, unknown>) => string) | undefined>;

export function formatString(template: string, vars: StringVars = {}): string {
  return template.replace(/\{\{\s*([A-Za-z0-9_]+)\s*\}\}/g, (whole, name: string) =>
    Object.prototype.hasOwnProperty.call(vars, name) ? String(vars[name]) : whole,
  );
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0' };

/**
 * The text of a template's HTML output (Handlebars escapes `&<>"'\`=` in
 * values; a tenant's string may hold markup): what Flex's Template shows,
 * as a plain string for an attribute or a notification's message.
 */
export function htmlToText(html: string): string {
  if (!/[<&]/.test(html)) return html;
  if (typeof DOMParser !== 'undefined') {
    // An inert document: nothing in it runs or loads.
    return new DOMParser().parseFromString(html, 'text/html').documentElement.textContent ?? '';
  }
  return html
    .replace(/<[^>]*>/g, '')
    .replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z]+);/gi, (whole, e: string) => {
      if (e[0] === '#') {
        const code = e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
        return Number.isFinite(code) ? String.fromCodePoint(code) : whole;
      }
      return ENTITIES[e.toLowerCase()] ?? whole;
    });
}

/** Flex's compiled template for `key`, read now (Flex replaces it when `manager.strings` is set again). */
export function flexTemplateOf(getTemplates: (() => FlexTemplates | undefined) | undefined, key: string) {
  try {
    const source = getTemplates?.()?.[key];
    return typeof source === 'function' ? source : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A Translate that, at every call, takes Flex's compiled template of the key
 * (`getTemplates`, e.g. `() => flex.templates`) and evaluates it with `vars`;
 * where Flex has none for the key, the string from `getStrings()` (e.g.
 * `() => manager.strings`), else the default, with its placeholders filled in.
 */
export function makeTranslate(
  getStrings: () => Record<string, unknown> | undefined,
  getTemplates?: () => FlexTemplates | undefined,
): Translate {
  return (key, vars) => {
    const compiled = flexTemplateOf(getTemplates, key);
    if (compiled) {
      try {
        return htmlToText(compiled({ ...(vars ?? {}) }));
      } catch {
        // A tenant's template that does not evaluate: the plugin's own reading below.
      }
    }
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

/**
 * Adds the plugin's strings to `manager.strings`, keeping any already set (a
 * Flex admin's or a localisation plugin's override wins). Assigns
 * `manager.strings` as a whole: Flex's setter is what compiles the strings
 * into its templates once Flex is initialised (before, Flex compiles them
 * all when it initialises). Call once, at start-up.
 */
export function registerStrings(manager: { strings?: unknown }): void {
  let current: Record<string, unknown>;
  try {
    current = (manager.strings ?? {}) as Record<string, unknown>;
  } catch {
    // Flex's getter throws "Strings not set" before it has any.
    current = {};
  }
  const missing = (Object.keys(DEFAULT_STRINGS) as StringKey[]).filter((k) => typeof current[k] !== 'string');
  if (missing.length === 0) return;
  const added: Record<string, string> = {};
  for (const k of missing) added[k] = DEFAULT_STRINGS[k];
  manager.strings = { ...current, ...added } as never;
}
