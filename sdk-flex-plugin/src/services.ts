import type { AgentCalls } from './calls';
import type { FlexUi } from './components/ui';
import type { EscalationStore } from './escalationStore';
import type { Translate } from './strings';
import type { VideoSessions } from './video/session';

/** What the plugin's components need; built once in the plugin's init. */
export interface PluginServices {
  store: EscalationStore;
  sessions: VideoSessions;
  /** Joining, one call per agent, rejoin and connection notifications. */
  calls: AgentCalls;
  /** The agent-facing strings, read from `manager.strings` (the configured language's defaults without one; English without a language). */
  t?: Translate;
  /** After the header button created (or found) the task's escalation: e.g. show the Video tab. */
  onEscalated?: (taskSid: string) => void;
  /** Flex's Button and IconButton (from the Flex global); plain buttons without them. */
  ui?: FlexUi;
}
