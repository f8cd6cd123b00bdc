/**
 * Every agent-facing text of the plugin, as Flex strings: registered once in
 * `manager.strings` at start-up with the defaults of the contact center's
 * language (`videoEscalation.language`: English `DEFAULT_STRINGS`, the
 * default, or Spanish `ES_STRINGS`; a key already set, e.g. by a Flex admin's
 * localisation loaded earlier, is kept), and shown
 * through Flex's own templates: Flex compiles every `manager.strings` entry
 * into `templates[key]` (Handlebars, so `{{name}}` is a template variable
 * and its value is HTML-escaped), and the plugin renders them with Flex's
 * `Template` component (`<Template source={templates[key]} name="…" />`, see
 * `components/ui.tsx`) or, where a plain string is needed (attributes, a
 * notification's message), calls `templates[key](context)`, at render time,
 * never at start-up. A tenant localises or rewords them as any other Flex
 * string (`manager.strings = { ...manager.strings, VideoEscalationJoin: "…" }`).
 * Without Flex's templates (tests, the node build, or before Flex compiled
 * them) the plugin reads `manager.strings` (else the language's default) and
 * fills the `{{name}}` placeholders itself.
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
  // Why joining a call failed
  VideoEscalationCallUnsupported: 'This browser cannot make video calls (no WebRTC)',
  VideoEscalationCallUnreachable: 'The video service could not be reached',
  VideoEscalationCallRoomFull: 'The video room is full',
  VideoEscalationCallCompleted: 'The video call has already ended',
  VideoEscalationCallCredentialRefused: 'The video service refused the credential ({{detail}})',
  VideoEscalationCallRefused: 'The video service refused the connection ({{detail}})',
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

/** The languages the plugin has its own strings in (`videoEscalation.language`). */
export type Language = 'en' | 'es';
export const LANGUAGES: readonly Language[] = ['en', 'es'];
export const DEFAULT_LANGUAGE: Language = 'en';

/**
 * The Spanish defaults (Latin American, neutral): every key of
 * `DEFAULT_STRINGS` (the type makes a missing or unknown key a compile
 * error), every `{{placeholder}}` of the English string kept (checked by
 * test/strings.test.tsx). Buttons say what they do in the infinitive
 * ("Silenciar", "Tomar foto"); sentences address the agent as "tú".
 */
export const ES_STRINGS: Record<StringKey, string> = {
  // Header button and task list badge
  VideoEscalationSwitchToVideo: 'Cambiar a video',
  VideoEscalationStarting: 'Iniciando video…',
  VideoEscalationStartedOpenTab: 'Videollamada iniciada: abre la pestaña Video',
  VideoEscalationRetry: 'Cambiar a video (falló el último intento, haz clic para reintentar)',
  VideoEscalationOnVideo: 'En video',
  // Video tab
  VideoEscalationTabLabel: 'Video',
  VideoEscalationNoCallYet: 'Aún no hay videollamada. Cambia este chat a video para enviarle al cliente un enlace para unirse.',
  VideoEscalationCreatingRoom: 'Creando la sala de video…',
  VideoEscalationLinkSent: 'Se envió al cliente un enlace para unirse.',
  VideoEscalationLinkSentTo: 'Se envió al cliente un enlace para unirse:',
  VideoEscalationJoin: 'Unirse a la sala de video',
  VideoEscalationJoining: 'Uniéndose…',
  VideoEscalationJoinFailed: 'No fue posible unirse a la sala de video: {{error}}',
  VideoEscalationOtherCallLive: 'Ya estás en una videollamada de otra tarea. Sal de esa llamada para unirte a esta.',
  VideoEscalationLeaveOtherAndJoin: 'Salir de la otra llamada y unirse',
  VideoEscalationRejoining: 'Se perdió la conexión: reconectando (intento {{attempt}} de {{max}})…',
  VideoEscalationReconnecting: 'Reconectando…',
  VideoEscalationMute: 'Silenciar',
  VideoEscalationUnmute: 'Activar micrófono',
  VideoEscalationCameraOff: 'Apagar cámara',
  VideoEscalationCameraOn: 'Encender cámara',
  VideoEscalationLeave: 'Salir',
  VideoEscalationEndVideo: 'Finalizar video',
  VideoEscalationEnded: 'La videollamada terminó.',
  VideoEscalationStartNew: 'Iniciar una nueva videollamada',
  VideoEscalationWaitingForCustomer: 'Esperando a que el cliente se una…',
  VideoEscalationConnectingTo: 'Conectando con {{name}}…',
  VideoEscalationCustomer: 'Cliente',
  VideoEscalationParticipantMuted: '{{name}} tiene el micrófono silenciado',
  VideoEscalationParticipantCameraOff: 'La cámara de {{name}} está apagada',
  VideoEscalationYourCameraOff: 'Tu cámara está apagada.',
  VideoEscalationYou: 'Tú',
  VideoEscalationYouMuted: 'Tú (micrófono silenciado)',
  VideoEscalationYourCameraLabel: 'Tu cámara',
  VideoEscalationVideoOf: 'Video de {{name}}',
  VideoEscalationMonitoring: 'Estás supervisando esta llamada: tu cámara y tu micrófono están apagados.',
  VideoEscalationRecording: 'Grabando',
  VideoEscalationRecordingLabel: 'Esta llamada se está grabando',
  // Devices and screen share
  VideoEscalationMicrophone: 'Micrófono',
  VideoEscalationCamera: 'Cámara',
  VideoEscalationMicrophoneN: 'Micrófono {{n}}',
  VideoEscalationCameraN: 'Cámara {{n}}',
  VideoEscalationDeviceFailed: 'No se pudo cambiar a ese dispositivo: {{error}}',
  VideoEscalationShareScreen: 'Compartir pantalla',
  VideoEscalationAskBackCamera: 'Pedir cámara trasera',
  VideoEscalationAskedBackCamera: 'Se le pidió al cliente que use su cámara trasera.',
  VideoEscalationStopSharing: 'Dejar de compartir',
  VideoEscalationShareFailed: 'No se pudo compartir tu pantalla: {{error}}',
  VideoEscalationYouAreSharing: 'Estás compartiendo tu pantalla.',
  VideoEscalationScreenOf: 'Pantalla de {{name}}',
  VideoEscalationSharingScreen: '{{name}} está compartiendo su pantalla',
  // Snapshots of the customer's video (the annotator's words too)
  VideoEscalationTakeSnapshot: 'Tomar foto',
  VideoEscalationSnapshotTitle: 'Foto del video del cliente',
  VideoEscalationSnapshotArrow: 'Flecha',
  VideoEscalationSnapshotCircle: 'Círculo',
  VideoEscalationSnapshotFreehand: 'Dibujar',
  VideoEscalationSnapshotText: 'Texto',
  VideoEscalationSnapshotTextLabel: 'Texto para agregar',
  VideoEscalationSnapshotUndo: 'Deshacer',
  VideoEscalationSnapshotCancel: 'Cancelar',
  VideoEscalationSnapshotSave: 'Guardar foto',
  VideoEscalationSnapshotSaving: 'Guardando la foto…',
  VideoEscalationSnapshotSaved: 'Foto guardada.',
  VideoEscalationSnapshotSavedUntold: 'Foto guardada, pero no se pudo avisar al cliente: dile que se tomó una foto.',
  VideoEscalationCallUnsupported: 'Este navegador no puede hacer videollamadas (no tiene WebRTC)',
  VideoEscalationCallUnreachable: 'No se pudo conectar con el servicio de video',
  VideoEscalationCallRoomFull: 'La sala de video está llena',
  VideoEscalationCallCompleted: 'La videollamada ya terminó',
  VideoEscalationCallCredentialRefused: 'El servicio de video rechazó la credencial ({{detail}})',
  VideoEscalationCallRefused: 'El servicio de video rechazó la conexión ({{detail}})',
  VideoEscalationSnapshotNoVideo: 'No se tomó la foto: el video del cliente no se está reproduciendo.',
  VideoEscalationSnapshotDisabled: 'Las fotos están desactivadas en este centro de contacto.',
  VideoEscalationSnapshotLimit: 'Esta llamada ya tiene el máximo de fotos permitido (20).',
  VideoEscalationSnapshotTooLarge: 'Esta foto es demasiado grande para guardarla.',
  VideoEscalationSnapshotNotAnImage: 'Esta foto no se pudo guardar como imagen.',
  VideoEscalationSnapshotEnded: 'La llamada terminó: la foto no se guardó.',
  VideoEscalationSnapshotOffline: 'No se pudo conectar con el servicio de video: revisa tu conexión e inténtalo de nuevo.',
  VideoEscalationSnapshotFailed: 'No se pudo guardar la foto. Inténtalo de nuevo.',
  // Supervisor: the Video tab of an agent's task in the Teams view
  VideoEscalationSupervisorNoCall: 'Esta tarea no tiene videollamada.',
  VideoEscalationSupervisorLoading: 'Cargando la videollamada de esta tarea…',
  VideoEscalationSupervisorEnded: 'La videollamada de esta tarea terminó.',
  VideoEscalationSupervisorLive: 'Esta tarea tiene una videollamada en curso.',
  VideoEscalationSupervisorJoin: 'Unirse al video',
  VideoEscalationSupervisorMonitor: 'Supervisar video',
  VideoEscalationSupervisorHint:
    'Unirse al video enciende tu cámara y tu micrófono. Supervisar video te permite ver y escuchar la llamada sin encenderlos.',
  VideoEscalationTryAgain: 'Reintentar',
  // Why a call ended
  VideoEscalationEndLeft: 'Saliste de la videollamada.',
  VideoEscalationEndCompleted: 'La videollamada finalizó (se completó el escalamiento).',
  VideoEscalationEndLost: 'Se perdió la conexión con la videollamada.',
  VideoEscalationEndExpired: 'Se perdió la conexión con la videollamada y tu token de video venció.',
  VideoEscalationEndReplaced: 'Te uniste a esta videollamada desde otra ventana, así que esta se desconectó.',
  VideoEscalationEndRoomFull: 'El servicio de video rechazó la conexión: la sala está llena.',
  VideoEscalationEndRefused: 'El servicio de video rechazó la conexión ({{reason}}).',
  // Notifications
  VideoEscalationNotifyReconnecting: 'Videollamada: se cortó la conexión, reconectando…',
  VideoEscalationNotifyReconnected: 'Videollamada: conexión restablecida.',
  VideoEscalationNotifyDisconnected: 'Videollamada desconectada. {{reason}}',
  VideoEscalationNotifyRejoining: 'Videollamada desconectada. {{reason}} Reconectando (intento {{attempt}} de {{max}})…',
  VideoEscalationNotifyRejoinFailed:
    'Videollamada desconectada. {{reason}} La reconexión falló {{max}} veces: usa Unirse a la sala de video en la pestaña Video de la tarea.',
  VideoEscalationErrorCreate: 'No se pudo iniciar la videollamada',
  VideoEscalationErrorComplete: 'No se pudo finalizar la videollamada',
  VideoEscalationErrorToken: 'No fue posible unirse a la sala de video',
  VideoEscalationErrorLoad: 'No se pudo cargar la videollamada',
  VideoEscalationErrorSupervise: 'No se pudo abrir la videollamada de esta tarea',
  VideoEscalationErrorNotSupervisor: 'solo los supervisores y administradores de Flex pueden unirse a la videollamada de otro agente.',
  VideoEscalationNotConfigured:
    'La escalación a video no está configurada: {{errors}}. Pide a tu administrador de Flex que configure ui_attributes.videoEscalation (serviceBaseUrl, contactCenterId) en la configuración de Flex, o que use Install in Flex en el panel de Escalate.',
};

/** Each language's defaults. */
export const STRINGS_BY_LANGUAGE: Readonly<Record<Language, Readonly<Record<StringKey, string>>>> = {
  en: DEFAULT_STRINGS,
  es: ES_STRINGS,
};

/** The defaults of `language` (English for none, or for one the plugin has no strings in). */
export function defaultStringsOf(language: Language = DEFAULT_LANGUAGE): Readonly<Record<StringKey, string>> {
  return Object.prototype.hasOwnProperty.call(STRINGS_BY_LANGUAGE, language) ? STRINGS_BY_LANGUAGE[language] : DEFAULT_STRINGS;
}
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
 * `() => manager.strings`), else the default of `language` (English unless
 * given), with its placeholders filled in.
 */
export function makeTranslate(
  getStrings: () => Record<string, unknown> | undefined,
  getTemplates?: () => FlexTemplates | undefined,
  language: Language = DEFAULT_LANGUAGE,
): Translate {
  const defaults = defaultStringsOf(language);
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
    return formatString(typeof value === 'string' && value !== '' ? value : defaults[key], vars);
  };
}

/** The English defaults, for code running without a Flex manager (tests, the node build). */
export const defaultTranslate: Translate = makeTranslate(() => undefined);

/**
 * Adds the plugin's strings to `manager.strings`, in `language` (English
 * unless given), keeping any already set (a Flex admin's or a localisation
 * plugin's override wins). Assigns
 * `manager.strings` as a whole: Flex's setter is what compiles the strings
 * into its templates once Flex is initialised (before, Flex compiles them
 * all when it initialises). Call once, at start-up.
 */
export function registerStrings(manager: { strings?: unknown }, language: Language = DEFAULT_LANGUAGE): void {
  const defaults = defaultStringsOf(language);
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
  for (const k of missing) added[k] = defaults[k];
  manager.strings = { ...current, ...added } as never;
}
