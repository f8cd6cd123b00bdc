import React from 'react';
import type * as FlexNS from '@twilio/flex-ui';
import { EscalationClient } from './api/client';
import { readConfig, type PluginConfig } from './config';
import { EscalationStore } from './escalationStore';
import { registerTaskEndListeners } from './lifecycle';
import {
  configNotificationText,
  NOTIFICATION_IDS,
  problemNotificationText,
} from './notifications';
import type { PluginServices } from './services';
import { isChatTask, type TaskLike } from './task';
import { VideoEscalationButton } from './components/VideoEscalationButton';
import { VideoTab } from './components/VideoTab';
import { VideoSessions } from './video/session';

export const VIDEO_TAB_NAME = 'video-escalation';

type Flex = typeof FlexNS;

/** Shows `notificationContext.message`: Flex passes showNotification's context to the element. */
function NotificationText(props: { notificationContext?: { message?: string } }): JSX.Element {
  return <span>{props.notificationContext?.message ?? ''}</span>;
}

function registerNotifications(flex: Flex): void {
  const { Notifications, NotificationType } = flex;
  Notifications.registerNotification({
    id: NOTIFICATION_IDS.error,
    type: NotificationType.error,
    closeButton: true,
    timeout: 10_000,
    content: <NotificationText />,
  });
  Notifications.registerNotification({
    id: NOTIFICATION_IDS.configMissing,
    type: NotificationType.warning,
    closeButton: true,
    content: <NotificationText />,
  });
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

/**
 * Everything the plugin does at start-up. Returns the services (for tests),
 * or undefined when the configuration is missing (a notification says so).
 */
export function setupPlugin(flex: Flex, manager: FlexNS.Manager): PluginServices | undefined {
  registerNotifications(flex);

  const result = readConfig({ uiAttributes: uiAttributesOf(manager), appConfig: appConfigOf(manager) });
  if (!result.ok) {
    console.warn('[video-escalation] not configured:', result.errors.join('; '));
    flex.Notifications.showNotification(NOTIFICATION_IDS.configMissing, {
      message: configNotificationText(result.errors),
    });
    return undefined;
  }
  const config: PluginConfig = result.config;

  const client = new EscalationClient({
    baseUrl: config.serviceBaseUrl,
    getToken: () => manager.user?.token ?? manager.store.getState().flex?.session?.ssoTokenPayload?.token,
  });
  const store = new EscalationStore({
    client,
    contactCenterId: config.contactCenterId,
    agentName: () => agentName(manager),
    onError: (error, action) => {
      flex.Notifications.showNotification(NOTIFICATION_IDS.error, {
        message: problemNotificationText(error, action),
        title: error.title,
        detail: error.detail,
        code: error.code,
      });
    },
  });
  const sessions = new VideoSessions();
  const services: PluginServices = {
    store,
    sessions,
    onEscalated: () => {
      // Show the Video tab (best effort: the tab state's name is Flex's, not documented).
      Promise.resolve(
        flex.Actions.invokeAction('SetComponentState', {
          name: 'AgentTaskCanvasTabs',
          state: { selectedTabName: VIDEO_TAB_NAME },
        }),
      ).catch(() => undefined);
    },
  };

  const chatOnly = (props: { task?: unknown }) => isChatTask(props.task as TaskLike | undefined);

  flex.TaskCanvasHeader.Content.add(<VideoEscalationButton key="video-escalation-button" services={services} />, {
    sortOrder: -1,
    if: chatOnly,
  });

  const TabContent = flex.withTaskContext(VideoTab as React.ComponentType<any>);
  flex.TaskCanvasTabs.Content.add(
    <flex.Tab key="video-escalation-tab" uniqueName={VIDEO_TAB_NAME} label="Video">
      <TabContent services={services} />
    </flex.Tab>,
    { if: chatOnly },
  );

  registerTaskEndListeners(flex.Actions, (manager as unknown as { events?: any }).events, ({ taskSid, task }) => {
    sessions.leave(taskSid);
    if (!config.endVideoOnTaskEnd) return;
    const state = store.get(taskSid);
    if (state.phase === 'open' && task) void store.complete(task as TaskLike, { quiet: true });
  });

  window.addEventListener('beforeunload', () => sessions.leaveAll());
  return services;
}
