import React from 'react';
import type * as FlexNS from '@twilio/flex-ui';
import { EscalationClient } from './api/client';
import { AgentCalls } from './calls';
import { CONFIG_KEY, configuredLanguage, readConfig, type PluginConfig } from './config';
import { EscalationStore } from './escalationStore';
import { registerTaskEndListeners } from './lifecycle';
import { selectAgentTaskTab } from './flexInternals';
import { configNotificationText, NOTIFICATION_IDS, problemNotificationText } from './notifications';
import type { PluginServices } from './services';
import { makeTranslate, registerStrings, type FlexTemplates, type Language, type Translate } from './strings';
import { isAssignedChatTask, isChatTask, taskVideoAttributes, type TaskHelperLike, type TaskLike } from './task';
import { SupervisorVideoTab } from './components/SupervisorVideoTab';
import { FlexString, flexUiOf, type FlexUi } from './components/ui';
import { VideoBadge } from './components/VideoBadge';
import { VideoEscalationButton } from './components/VideoEscalationButton';
import { VideoTab } from './components/VideoTab';
import { VideoSessions } from './video/session';

export const VIDEO_TAB_NAME = 'video-escalation';
/** The Video tab of the supervisor's task canvas (Teams view). */
export const SUPERVISOR_VIDEO_TAB_NAME = 'video-escalation-supervisor';

type Flex = typeof FlexNS;

/** Shows `notificationContext.message`: Flex passes showNotification's context to the element. */
function NotificationText(props: { notificationContext?: { message?: string } }): JSX.Element {
  return <span>{props.notificationContext?.message ?? ''}</span>;
}

function registerNotifications(flex: Flex): void {
  const { Notifications, NotificationType } = flex;
  const register = (id: string, type: unknown, timeout?: number) => {
    try {
      Notifications.registerNotification({
        id,
        type: type as FlexNS.NotificationType,
        closeButton: true,
        ...(timeout !== undefined ? { timeout } : {}),
        content: <NotificationText />,
      });
    } catch (err) {
      // Flex throws "Notification already registered" for an id it has (the plugin set up twice): keep that one.
      console.warn(`[video-escalation] notification ${id} not registered:`, err instanceof Error ? err.message : err);
    }
  };
  register(NOTIFICATION_IDS.error, NotificationType.error, 10_000);
  register(NOTIFICATION_IDS.configMissing, NotificationType.warning);
  register(NOTIFICATION_IDS.reconnecting, NotificationType.warning, 0);
  register(NOTIFICATION_IDS.reconnected, NotificationType.success, 5_000);
  register(NOTIFICATION_IDS.disconnected, NotificationType.error, 0);
  register(NOTIFICATION_IDS.info, NotificationType.information ?? 'information', 8_000);
}

/**
 * Flex's `withTheme` (emotion's, from Flex's own bundle, so it reads the
 * theme Flex provides): the plugin's components get `theme` and take their
 * colours from `theme.tokens`. Without it (a page without Flex), unchanged.
 */
function themed<P>(flex: Flex, component: React.ComponentType<P>): React.ComponentType<P> {
  const withTheme = (flex as unknown as { withTheme?: (c: React.ComponentType<P>) => React.ComponentType<P> }).withTheme;
  return typeof withTheme === 'function' ? withTheme(component) : component;
}

/** The Supervisor namespace's task canvas tabs (Teams view), where this Flex has them. */
function supervisorTaskTabs(flex: Flex): { add: (el: React.ReactElement, opts?: Record<string, unknown>) => unknown } | undefined {
  const content = (flex as unknown as { Supervisor?: { TaskCanvasTabs?: { Content?: { add?: unknown } } } }).Supervisor?.TaskCanvasTabs
    ?.Content;
  return content && typeof content.add === 'function'
    ? (content as { add: (el: React.ReactElement, opts?: Record<string, unknown>) => unknown })
    : undefined;
}

/** Flex's TaskHelper (chat-based tasks, their Conversation), where this Flex has it. */
function taskHelperOf(flex: Flex): TaskHelperLike | undefined {
  let helper: TaskHelperLike | undefined;
  try {
    helper = (flex as unknown as { TaskHelper?: TaskHelperLike }).TaskHelper;
  } catch {
    // A module namespace without the name (a test's partial Flex) throws; the page's Flex does not.
    helper = undefined;
  }
  return helper && (typeof helper === 'function' || typeof helper === 'object') ? helper : undefined;
}

/** The plugin's strings through Flex's templates (read at every call), else `manager.strings`, else `language`'s defaults. */
function translateFor(flex: Flex, manager: FlexNS.Manager, language: Language): Translate {
  return makeTranslate(
    () => (manager as unknown as { strings?: Record<string, unknown> }).strings,
    () => (flex as unknown as { templates?: FlexTemplates }).templates,
    language,
  );
}

function uiAttributesOf(manager: FlexNS.Manager): unknown {
  return (manager.serviceConfiguration as { ui_attributes?: unknown } | undefined)?.ui_attributes;
}

function appConfigOf(manager: FlexNS.Manager): unknown {
  const fromManager = (manager as unknown as { configuration?: unknown }).configuration;
  const fromWindow = typeof window !== 'undefined' ? (window as unknown as { appConfig?: unknown }).appConfig : undefined;
  const a = (fromManager ?? {}) as Record<string, unknown>;
  return a.videoEscalation ? a : fromWindow;
}

function agentName(manager: FlexNS.Manager): string | undefined {
  const attrs = manager.workerClient?.attributes as Record<string, unknown> | undefined;
  const name = attrs?.full_name ?? manager.user?.identity;
  return typeof name === 'string' && name ? name.slice(0, 200) : undefined;
}

/** The agent's tasks as Flex's store holds them (a Map keyed by reservation sid). */
function workerTasks(manager: FlexNS.Manager): TaskLike[] {
  try {
    const tasks = (manager.store.getState() as any)?.flex?.worker?.tasks;
    if (!tasks) return [];
    return typeof tasks.values === 'function' ? [...tasks.values()] : Object.values(tasks);
  } catch {
    return [];
  }
}

/** The freshest attributes Flex holds for the task (re-read before writing ours). */
function latestAttributes(manager: FlexNS.Manager, task: TaskLike): Record<string, unknown> | undefined {
  const fresh = workerTasks(manager).find((t) => t?.taskSid === task.taskSid);
  const attrs = fresh?.attributes;
  return attrs && typeof attrs === 'object' ? attrs : undefined;
}

/** The task of a SelectTask payload (`{ sid }` is the reservation sid, `{ task }` when Flex has it). */
function selectedTaskSid(manager: FlexNS.Manager, payload: any): string | undefined {
  const fromTask = payload?.task?.taskSid;
  if (typeof fromTask === 'string') return fromTask;
  const sid = payload?.sid;
  if (typeof sid !== 'string') return undefined;
  if (sid.startsWith('WT')) return sid;
  return workerTasks(manager).find((t) => t?.sid === sid)?.taskSid;
}

let loggedOnce = false;

/** One console line per page for the plugin staying out (it is set up once per page; tests reset it). */
function logOnce(level: 'info' | 'warn', line: string): void {
  if (loggedOnce) return;
  loggedOnce = true;
  console[level](line);
}

/**
 * Everything the plugin does at start-up. Returns the services (for tests), or
 * undefined when the plugin stays out: `enabled: false` (one info line in the
 * console), or not configured at all or configured wrongly (a Flex warning
 * notification saying what to set, and one warning line in the console).
 */
export function setupPlugin(flex: Flex, manager: FlexNS.Manager): PluginServices | undefined {
  const sources = { uiAttributes: uiAttributesOf(manager), appConfig: appConfigOf(manager) };
  const result = readConfig(sources);
  if (!result.ok && result.reason === 'disabled') {
    // Turned off on purpose: nothing to tell anyone.
    logOnce('info', `[video-escalation] ${CONFIG_KEY}.enabled is false: the plugin adds nothing`);
    return undefined;
  }

  // The contact center's language; where the configuration is not usable, still the configured one if it is valid.
  const language = result.ok ? result.config.language : configuredLanguage(sources);
  registerStrings(manager as unknown as { strings?: unknown }, language);
  registerNotifications(flex);
  const t = translateFor(flex, manager, language);

  if (!result.ok) {
    // Installed but not (or wrongly) configured: say what to set, in Flex and (once) in the console.
    const errors =
      result.reason === 'not-configured'
        ? [`ui_attributes.${CONFIG_KEY} is not set (no serviceBaseUrl or contactCenterId)`]
        : result.errors;
    logOnce('warn', `[video-escalation] not configured, the plugin adds nothing: ${errors.join('; ')}`);
    flex.Notifications.showNotification(NOTIFICATION_IDS.configMissing, {
      message: configNotificationText(errors, t),
    });
    return undefined;
  }
  const config: PluginConfig = result.config;
  const taskHelper = taskHelperOf(flex);
  const ui: FlexUi = flexUiOf(flex);

  const client = new EscalationClient({
    baseUrl: config.serviceBaseUrl,
    getToken: () => manager.user?.token ?? manager.store.getState().flex?.session?.ssoTokenPayload?.token,
  });
  const store = new EscalationStore({
    client,
    contactCenterId: config.contactCenterId,
    agentName: () => agentName(manager),
    taskHelper,
    latestAttributes: (task) => latestAttributes(manager, task),
    onError: (error, action) => {
      flex.Notifications.showNotification(NOTIFICATION_IDS.error, {
        message: problemNotificationText(error, action, t),
        title: error.title,
        detail: error.detail,
        code: error.code,
      });
    },
  });
  // A Twilio call's quality samples go to the API (built-in calls send theirs over their signalling).
  const sessions = new VideoSessions({ postQuality: (taskSid, sample) => store.reportQuality(taskSid, sample) });
  const calls = new AgentCalls({
    store,
    sessions,
    t,
    whenTaskHidden: config.whenTaskHidden,
    notify: (id, message) => flex.Notifications.showNotification(id, { message }),
    dismiss: (id) => (flex.Notifications as { dismissNotificationById?: (id: string) => unknown }).dismissNotificationById?.(id),
  });
  const services: PluginServices = {
    store,
    sessions,
    calls,
    t,
    ui,
    onEscalated: () => {
      // Show the Video tab: Flex has no public API for it (see flexInternals.ts);
      // when that did not work, say where the call is.
      void selectAgentTaskTab(
        { invokeAction: (name, payload) => flex.Actions.invokeAction(name, payload), getState: () => manager.store.getState() },
        VIDEO_TAB_NAME,
      ).then((shown) => {
        if (!shown) flex.Notifications.showNotification(NOTIFICATION_IDS.info, { message: t('VideoEscalationStartedOpenTab') });
      });
    },
  };

  // Chat tasks as Flex tells them (TaskHelper.isChatBasedTask, so a tenant's own chat channels count), not email.
  const chat = (props: { task?: unknown }) => isChatTask(props.task as TaskLike | undefined, taskHelper);
  // The header button: on a chat task the agent holds (not reserved or pending, not wrapping).
  const assignedChat = (props: { task?: unknown }) => isAssignedChatTask(props.task as TaskLike | undefined, taskHelper);
  // The Video tab: only once the task has a video call (the agent clicked the video icon), as long as
  // the task names it. Flex evaluates `if` each time it renders the task canvas: the task's
  // attributes are in Flex's store, so recording the escalation in them (done right after creating
  // it, see EscalationStore) re-renders the canvas with the tab, as does selecting the tab after
  // escalating (onEscalated); the store's own state answers at once for a call Flex has not seen
  // recorded yet.
  const withVideoCall = (props: { task?: unknown }) => {
    const task = props.task as TaskLike | undefined;
    if (!assignedChat(props) || !task) return false;
    const state = store.get(task.taskSid);
    if (state.escalation !== undefined || state.phase === 'creating') return true;
    return typeof taskVideoAttributes(task).escalationId === 'string';
  };

  const HeaderButton = themed(flex, VideoEscalationButton);
  flex.TaskCanvasHeader.Content.add(<HeaderButton key="video-escalation-button" services={services} />, {
    sortOrder: -1,
    if: assignedChat,
  });

  // The tab's label: Flex's Template of VideoEscalationTabLabel, read from Flex's templates when the tab
  // header renders, not at start-up (a string set by a plugin loaded later shows).
  const tabLabel = <FlexString ui={ui} t={t} k="VideoEscalationTabLabel" />;
  const TabContent = flex.withTaskContext(themed(flex, VideoTab) as React.ComponentType<any>);
  flex.TaskCanvasTabs.Content.add(
    <flex.Tab key="video-escalation-tab" uniqueName={VIDEO_TAB_NAME} label={tabLabel}>
      <TabContent services={services} />
    </flex.Tab>,
    { if: withVideoCall },
  );

  // "On video" on the task list item of the task whose call is live (renders nothing otherwise).
  const Badge = themed(flex, VideoBadge);
  flex.TaskListItem.Content.add(<Badge key="video-escalation-badge" services={services} />, { if: chat });

  // Supervisors: a Video tab on an agent's chat task in the Teams view (Flex.Supervisor.TaskCanvasTabs).
  const supervisorTabs = supervisorTaskTabs(flex);
  if (supervisorTabs) {
    const SupervisorContent = flex.withTaskContext(themed(flex, SupervisorVideoTab) as React.ComponentType<any>);
    supervisorTabs.add(
      <flex.Tab key="video-escalation-supervisor-tab" uniqueName={SUPERVISOR_VIDEO_TAB_NAME} label={tabLabel}>
        <SupervisorContent services={services} />
      </flex.Tab>,
      { if: chat },
    );
  } else {
    console.info('[video-escalation] this Flex has no Supervisor.TaskCanvasTabs: no Video tab in the Teams view');
  }

  registerTaskEndListeners(flex.Actions, (manager as unknown as { events?: any }).events, ({ taskSid, task }) => {
    calls.taskEnded(taskSid);
    sessions.leave(taskSid);
    if (!config.endVideoOnTaskEnd) return;
    const state = store.get(taskSid);
    if (state.phase === 'open' && task) void store.complete(task as TaskLike, { quiet: true });
  });

  flex.Actions.addListener('afterSelectTask', (payload: unknown) => calls.taskSelected(selectedTaskSid(manager, payload)));

  window.addEventListener('beforeunload', () => {
    calls.dispose();
    sessions.leaveAll();
  });
  return services;
}

/** For tests: the "not configured" / "disabled" console line is written once per page. */
export function resetSetupLogForTests(): void {
  loggedOnce = false;
}
