import React from 'react';
import type * as FlexNS from '@twilio/flex-ui';
import { EscalationClient } from './api/client';
import { AgentCalls } from './calls';
import { CONFIG_KEY, readConfig, type PluginConfig } from './config';
import { EscalationStore } from './escalationStore';
import { registerTaskEndListeners } from './lifecycle';
import { selectAgentTaskTab } from './flexInternals';
import { configNotificationText, NOTIFICATION_IDS, problemNotificationText } from './notifications';
import type { PluginServices } from './services';
import { makeTranslate, registerStrings } from './strings';
import { isAssignedChatTask, isChatTask, type TaskLike } from './task';
import { SupervisorVideoTab } from './components/SupervisorVideoTab';
import { flexUiOf } from './components/ui';
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
  const register = (id: string, type: unknown, timeout?: number) =>
    Notifications.registerNotification({
      id,
      type: type as FlexNS.NotificationType,
      closeButton: true,
      ...(timeout !== undefined ? { timeout } : {}),
      content: <NotificationText />,
    });
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

/**
 * Everything the plugin does at start-up. Returns the services (for tests), or
 * undefined when the plugin stays out: not configured at all or `enabled: false`
 * (one info line in the console), or configured wrongly (a warning notification
 * naming the setting).
 */
export function setupPlugin(flex: Flex, manager: FlexNS.Manager): PluginServices | undefined {
  const result = readConfig({ uiAttributes: uiAttributesOf(manager), appConfig: appConfigOf(manager) });
  if (!result.ok) {
    if (result.reason !== 'invalid') {
      if (!loggedOnce) {
        loggedOnce = true;
        console.info(
          result.reason === 'disabled'
            ? `[video-escalation] ${CONFIG_KEY}.enabled is false: the plugin adds nothing`
            : `[video-escalation] not configured (no ${CONFIG_KEY} in the Flex UI attributes): the plugin adds nothing`,
        );
      }
      return undefined;
    }
    registerStrings(manager as unknown as { strings?: unknown });
    registerNotifications(flex);
    const t = makeTranslate(() => (manager as unknown as { strings?: Record<string, unknown> }).strings);
    console.warn('[video-escalation] configuration is wrong:', result.errors.join('; '));
    flex.Notifications.showNotification(NOTIFICATION_IDS.configMissing, {
      message: configNotificationText(result.errors, t),
    });
    return undefined;
  }
  const config: PluginConfig = result.config;

  registerStrings(manager as unknown as { strings?: unknown });
  registerNotifications(flex);
  const t = makeTranslate(() => (manager as unknown as { strings?: Record<string, unknown> }).strings);

  const client = new EscalationClient({
    baseUrl: config.serviceBaseUrl,
    getToken: () => manager.user?.token ?? manager.store.getState().flex?.session?.ssoTokenPayload?.token,
  });
  const store = new EscalationStore({
    client,
    contactCenterId: config.contactCenterId,
    agentName: () => agentName(manager),
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
  const sessions = new VideoSessions();
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
    ui: flexUiOf(flex),
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

  // Only for a chat task the agent holds: not reserved or pending, not wrapping, not email.
  const assignedChat = (props: { task?: unknown }) => isAssignedChatTask(props.task as TaskLike | undefined);
  const chat = (props: { task?: unknown }) => isChatTask(props.task as TaskLike | undefined);

  const HeaderButton = themed(flex, VideoEscalationButton);
  flex.TaskCanvasHeader.Content.add(<HeaderButton key="video-escalation-button" services={services} />, {
    sortOrder: -1,
    if: assignedChat,
  });

  const TabContent = flex.withTaskContext(themed(flex, VideoTab) as React.ComponentType<any>);
  flex.TaskCanvasTabs.Content.add(
    <flex.Tab key="video-escalation-tab" uniqueName={VIDEO_TAB_NAME} label={t('VideoEscalationTabLabel')}>
      <TabContent services={services} />
    </flex.Tab>,
    { if: assignedChat },
  );

  // "On video" on the task list item of the task whose call is live (renders nothing otherwise).
  const Badge = themed(flex, VideoBadge);
  flex.TaskListItem.Content.add(<Badge key="video-escalation-badge" services={services} />, { if: chat });

  // Supervisors: a Video tab on an agent's chat task in the Teams view (Flex.Supervisor.TaskCanvasTabs).
  const supervisorTabs = supervisorTaskTabs(flex);
  if (supervisorTabs) {
    const SupervisorContent = flex.withTaskContext(themed(flex, SupervisorVideoTab) as React.ComponentType<any>);
    supervisorTabs.add(
      <flex.Tab key="video-escalation-supervisor-tab" uniqueName={SUPERVISOR_VIDEO_TAB_NAME} label={t('VideoEscalationTabLabel')}>
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

/** For tests: the "not configured" console line is written once per page. */
export function resetSetupLogForTests(): void {
  loggedOnce = false;
}
