import type { EscalationStore } from './escalationStore';
import type { VideoSessions } from './video/session';

/** What the plugin's components need; built once in the plugin's init. */
export interface PluginServices {
  store: EscalationStore;
  sessions: VideoSessions;
  /** After the header button created (or found) the task's escalation: e.g. show the Video tab. */
  onEscalated?: (taskSid: string) => void;
}
