/**
 * `@twilio/flex-ui` at its boundary: what the plugin calls on the Flex global.
 * Used as `vi.mock('@twilio/flex-ui', () => createFlexDouble())`.
 *
 * Button and IconButton stand in for Flex's own (MUI-based, Paste-styled):
 * they render a `<button>` marked `data-flex`, pass the other props through,
 * and, as Flex's do (checked against @twilio/flex-ui 2.17.1), mark a disabled
 * button `aria-disabled` rather than `disabled`. `withTheme` gives the component `__theme.current`, or `{}`
 * as emotion's withTheme does without a theme provider. `TaskHelper` answers as Flex 2.17.1's
 * (its `BaseTaskHelper`): a task is chat-based when its attributes name a Conversation
 * (`conversationSid` or `channelSid`), an email task when its `channelType` is `email`, and its
 * Conversation SID is `conversationSid`, else `channelSid`, trimmed (`''` without one).
 */
import React from 'react';
import { vi } from 'vitest';

export interface FlexDoubleExtras {
  __actionListeners: Record<string, Array<(p: unknown) => void>>;
  __theme: { current: unknown };
}

export function createFlexDouble() {
  const actionListeners: Record<string, Array<(p: unknown) => void>> = {};
  const theme: { current: unknown } = { current: undefined };
  const Button = ({ variant, disabled, children, ...rest }: Record<string, any>) =>
    React.createElement(
      'button',
      { ...rest, 'data-flex': 'Button', 'data-flex-variant': variant, 'aria-disabled': disabled ? 'true' : 'false' },
      children,
    );
  const IconButton = ({ icon, variant, disabled, ...rest }: Record<string, any>) =>
    React.createElement(
      'button',
      {
        ...rest,
        'data-flex': 'IconButton',
        'data-flex-variant': variant,
        'data-icon': typeof icon === 'string' ? icon : 'element',
        'aria-disabled': disabled ? 'true' : 'false',
      },
      typeof icon === 'string' ? null : icon,
    );
  const conversationSid = (task: { attributes?: Record<string, unknown> }) => {
    const a = task?.attributes ?? {};
    const v = (typeof a.conversationSid === 'string' && a.conversationSid) || (typeof a.channelSid === 'string' && a.channelSid) || '';
    return v.trim();
  };
  const TaskHelper = {
    isChatBasedTask: vi.fn((task: { attributes?: Record<string, unknown> }) => !!task?.attributes?.channelSid || !!task?.attributes?.conversationSid),
    isEmailTask: vi.fn((task: { channelType?: string }) => task?.channelType === 'email'),
    getTaskConversationSid: vi.fn(conversationSid),
  };
  return {
    __actionListeners: actionListeners,
    TaskHelper,
    __theme: theme,
    Notifications: { registerNotification: vi.fn(), showNotification: vi.fn(), dismissNotificationById: vi.fn() },
    NotificationType: { error: 'error', warning: 'warning', information: 'information', success: 'success' },
    Actions: {
      addListener: vi.fn((name: string, fn: (p: unknown) => void) => {
        (actionListeners[name] ??= []).push(fn);
      }),
      invokeAction: vi.fn(() => Promise.resolve()),
    },
    TaskCanvasHeader: { Content: { add: vi.fn() } },
    TaskCanvasTabs: { Content: { add: vi.fn() } },
    TaskListItem: { Content: { add: vi.fn() } },
    Supervisor: { TaskCanvasTabs: { Content: { add: vi.fn() } } },
    Tab: (props: { children?: React.ReactNode }) => React.createElement('div', { 'data-tab': 'video' }, props.children),
    withTaskContext: (C: React.ComponentType) => C,
    withTheme: vi.fn(
      (C: React.ComponentType<any>) =>
        function Themed(props: Record<string, unknown>) {
          return React.createElement(C, { ...props, theme: theme.current ?? {} });
        },
    ),
    Button,
    IconButton,
  };
}

/** Paste tokens as a dark Flex theme would give them (a few). */
export const DARK_THEME = {
  isLight: false,
  tokens: {
    backgroundColors: {
      colorBackgroundPrimary: 'rgb(1, 2, 3)',
      colorBackgroundDestructive: 'rgb(4, 5, 6)',
      colorBackgroundBody: 'rgb(13, 19, 28)',
    },
    textColors: {
      colorText: 'rgb(244, 244, 246)',
      colorTextWeak: 'rgb(200, 200, 210)',
      colorTextInverse: 'rgb(7, 8, 9)',
      colorTextError: 'rgb(250, 100, 100)',
    },
    borderColors: { colorBorderWeak: 'rgb(60, 60, 70)' },
    radii: { borderRadius20: '6px' },
  },
};
