/**
 * The plugin against the REAL `@twilio/flex-ui` (the devDependency, 2.17.1),
 * not the hand-made double: it is loaded into jsdom, the plugin's `init` runs
 * with the real module and a Manager made from Flex's own `Manager` class, and
 * the test reads back from Flex what got registered (Flex's content stores,
 * notifications, actions, strings and templates) and renders the plugin's
 * parts with Flex's own components inside a Flex theme. A Flex release that
 * renames or drops something the plugin uses fails here.
 */
import React from 'react';
import { cleanup, render, screen, waitFor } from '@testing-library/react';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type * as FlexModule from '@twilio/flex-ui';
import VideoEscalationPlugin from '../src/VideoEscalationPlugin';
import { resetSetupLogForTests, SUPERVISOR_VIDEO_TAB_NAME, VIDEO_TAB_NAME } from '../src/setup';
import { NOTIFICATION_IDS } from '../src/notifications';
import { TASK_END_ACTIONS } from '../src/lifecycle';
import { CC, jsonResponse, makeEscalation, makeTask } from './helpers';

// No LocalDataTrack: these Twilio calls carry no asks or tells (the data track is tested in escalateCall.test.ts).
vi.mock('twilio-video', () => ({ connect: vi.fn(), createLocalVideoTrack: vi.fn(), LocalDataTrack: undefined }));

type Flex = typeof FlexModule;
let Flex: Flex;

beforeAll(async () => {
  // Flex's bundle sets up its sounds when it loads; jsdom has no media playback.
  const media = HTMLMediaElement.prototype as unknown as Record<string, unknown>;
  for (const name of ['play', 'pause', 'load']) {
    Object.defineProperty(media, name, {
      configurable: true,
      writable: true,
      value: name === 'play' ? () => Promise.resolve() : () => undefined,
    });
  }
  vi.spyOn(console, 'log').mockImplementation(() => undefined);
  Flex = (await import('@twilio/flex-ui')) as unknown as Flex;
  Object.assign(globalThis, {
    __FPB_PLUGIN_UNIQUE_NAME: 'plugin-video-escalation',
    __FPB_PLUGIN_VERSION: '0.0.0',
    __FPB_FLEX_PLUGIN_SCRIPTS_VERSION: 'test',
    __FPB_FLEX_PLUGIN_VERSION: 'test',
    __FPB_FLEX_UI_VERSION: Flex.VERSION,
    __FPB_REACT_VERSION: React.version,
    __FPB_REACT_DOM_VERSION: 'test',
  });
}, 120_000);

let fetchMock: ReturnType<typeof vi.fn>;
afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

/**
 * A Flex Manager as the plugin gets it: an instance of Flex's own `Manager`
 * class (so `manager.strings` is Flex's setter, and `loadInitialData()`
 * compiles the strings into Flex's `templates`), with the parts that need a
 * logged-in Flex (configuration, user, store, events) given here.
 */
function flexManager(videoEscalation: unknown, strings?: Record<string, string>) {
  const eventListeners: Record<string, Array<(t: unknown) => void>> = {};
  const manager = Object.create(Flex.Manager.prototype) as FlexModule.Manager & {
    eventListeners: typeof eventListeners;
  };
  Object.defineProperties(manager, {
    eventListeners: { value: eventListeners },
    serviceConfiguration: { value: { ui_attributes: videoEscalation === undefined ? {} : { videoEscalation } } },
    configuration: { value: {} },
    user: { value: { token: 'flex-token-abc', identity: 'alice', roles: ['admin'] } },
    workerClient: { value: { attributes: { full_name: 'Alice Agent' } } },
    store: { value: { getState: () => ({ flex: {} }) } },
    events: {
      value: {
        addListener: (name: string, fn: (t: unknown) => void) => {
          (eventListeners[name] ??= []).push(fn);
        },
      },
    },
  });
  if (strings) manager.strings = strings as never;
  return manager;
}

const CONFIG = { serviceBaseUrl: 'https://video.example.com', contactCenterId: CC };

/** What a content store holds for the plugin: the fragment whose child has `key`. */
function fragmentOf(content: { fragments: unknown[] }, key: string) {
  const fragments = content.fragments as Array<{ props: { children: React.ReactElement; if?: (p: unknown) => boolean; sortOrder?: number } }>;
  const found = fragments.find((f) => f.props.children?.key === key);
  expect(found, `a fragment ${key}`).toBeDefined();
  return found!.props;
}

/** Flex's theme provider, dark: the theme Flex builds with its createTheme. */
function InFlexTheme({ children }: { children: React.ReactNode }) {
  return <Flex.StorelessThemeProvider themeConf={{ isLight: false }}>{children}</Flex.StorelessThemeProvider>;
}

/** A colour as jsdom normalises it in a style. */
function cssColor(value: string): string {
  const el = document.createElement('span');
  el.style.color = value;
  return el.style.color;
}

describe('the plugin in the real @twilio/flex-ui', () => {
  it('finds every Flex name it uses in @twilio/flex-ui', () => {
    const flex = Flex as unknown as Record<string, any>;
    const used: Array<[string, unknown, string]> = [
      ['TaskHelper.isChatBasedTask', flex.TaskHelper?.isChatBasedTask, 'function'],
      ['TaskHelper.isEmailTask', flex.TaskHelper?.isEmailTask, 'function'],
      ['TaskHelper.getTaskConversationSid', flex.TaskHelper?.getTaskConversationSid, 'function'],
      ['TaskCanvasHeader.Content.add', flex.TaskCanvasHeader?.Content?.add, 'function'],
      ['TaskCanvasTabs.Content.add', flex.TaskCanvasTabs?.Content?.add, 'function'],
      ['TaskListItem.Content.add', flex.TaskListItem?.Content?.add, 'function'],
      ['Supervisor.TaskCanvasTabs.Content.add', flex.Supervisor?.TaskCanvasTabs?.Content?.add, 'function'],
      ['Tab', flex.Tab, 'function'],
      ['withTaskContext', flex.withTaskContext, 'function'],
      ['withTheme', flex.withTheme, 'function'],
      ['Button', flex.Button, 'object'],
      ['IconButton', flex.IconButton, 'object'],
      ['Template', flex.Template, 'function'],
      ['templates', flex.templates, 'object'],
      ['Notifications.registerNotification', flex.Notifications?.registerNotification, 'function'],
      ['Notifications.showNotification', flex.Notifications?.showNotification, 'function'],
      ['Notifications.dismissNotificationById', flex.Notifications?.dismissNotificationById, 'function'],
      ['Actions.addListener', flex.Actions?.addListener, 'function'],
      ['Actions.invokeAction', flex.Actions?.invokeAction, 'function'],
      ['Manager.loadInitialData', flex.Manager?.prototype?.loadInitialData, 'function'],
      ['createTheme', flex.createTheme, 'function'],
    ];
    for (const [name, value, type] of used) expect(typeof value, name).toBe(type);
    expect(Object.values(flex.NotificationType)).toEqual(expect.arrayContaining(['error', 'warning', 'success', 'information']));
  });

  it('registers the header icon, the Video tab, the badge, the supervisor tab, its notifications, strings and action listeners', async () => {
    fetchMock = vi.fn();
    vi.stubGlobal('fetch', fetchMock);
    const addListener = vi.spyOn(Flex.Actions, 'addListener');
    const manager = flexManager(CONFIG, { VideoEscalationJoin: 'Rejoindre la vidéo' });
    await new VideoEscalationPlugin().init(Flex, manager);

    // The video icon in the task canvas header, the Video tab, the "On video" badge, the supervisor's tab.
    const header = fragmentOf(Flex.TaskCanvasHeader.Content as never, 'video-escalation-button');
    expect(header.sortOrder).toBe(-1);
    const tabs = fragmentOf(Flex.TaskCanvasTabs.Content as never, 'video-escalation-tab');
    expect(tabs.children.props.uniqueName).toBe(VIDEO_TAB_NAME);
    expect(tabs.children.type).toBe(Flex.Tab);
    const badge = fragmentOf(Flex.TaskListItem.Content as never, 'video-escalation-badge');
    const supervisor = fragmentOf(Flex.Supervisor.TaskCanvasTabs.Content as never, 'video-escalation-supervisor-tab');
    expect(supervisor.children.props.uniqueName).toBe(SUPERVISOR_VIDEO_TAB_NAME);
    for (const f of [header, tabs, badge, supervisor]) expect(typeof f.if).toBe('function');

    // Its notifications, registered with Flex with Flex's types.
    const registered = (Flex.Notifications as unknown as { registeredNotifications: Map<string, { type: string }> }).registeredNotifications;
    for (const id of Object.values(NOTIFICATION_IDS)) expect(registered.get(id), id).toBeDefined();
    expect(registered.get(NOTIFICATION_IDS.configMissing)!.type).toBe(Flex.NotificationType.warning);
    expect(registered.get(NOTIFICATION_IDS.error)!.type).toBe(Flex.NotificationType.error);

    // The task-end and task-selection listeners on Flex's actions.
    const names = addListener.mock.calls.map(([n]) => n);
    for (const n of [...TASK_END_ACTIONS, 'afterSelectTask']) expect(names).toContain(n);
    expect(Object.keys(manager.eventListeners)).toEqual(expect.arrayContaining(['taskWrapup', 'taskCompleted', 'taskCanceled', 'taskUpdated']));

    // Its strings in manager.strings (the admin's kept), compiled by Flex into its templates when Flex initialises.
    const strings = () => manager.strings as unknown as Record<string, string>;
    expect(strings().VideoEscalationJoin).toBe('Rejoindre la vidéo');
    expect(strings().VideoEscalationTabLabel).toBe('Video');
    await manager.loadInitialData();
    const templates = Flex.templates as unknown as Record<string, (c?: object) => string>;
    expect(templates.VideoEscalationJoinFailed({ error: 'x' })).toBe('Could not join the video room: x');

    // The tab label is Flex's Template, read when Flex renders the tab bar, not when the plugin started.
    const label = render(tabs.children.props.label as React.ReactElement);
    expect(label.container.querySelector('span.Twilio')?.textContent).toBe('Video');
    label.unmount();
    // A string set after the plugin started (e.g. a localisation plugin loaded later) shows.
    manager.strings = { ...strings(), VideoEscalationTabLabel: 'Vidéo' } as never;
    const relabelled = render(tabs.children.props.label as React.ReactElement);
    expect(relabelled.container.querySelector('span.Twilio')?.textContent).toBe('Vidéo');
    relabelled.unmount();
    manager.strings = { ...strings(), VideoEscalationTabLabel: 'Video' } as never;

    // With Flex's TaskHelper: a custom chat channel it calls chat-based gets the icon.
    const isChat = vi.spyOn(Flex.TaskHelper, 'isChatBasedTask').mockImplementation((task) => task.taskChannelUniqueName !== 'voice');
    const custom = makeTask({ taskChannelUniqueName: 'acme-webchat', attributes: { conversationSid: 'CH7' } });
    expect(header.if!({ task: custom })).toBe(true);
    expect(isChat).toHaveBeenCalledWith(custom);
    expect(header.if!({ task: makeTask({ taskChannelUniqueName: 'voice' }) })).toBe(false);
    // The Video tab only once the task has a call.
    expect(tabs.if!({ task: custom })).toBe(false);
    isChat.mockRestore();
    // This Flex is not initialised, so its isChatBasedTask throws: the plugin falls back to Flex's base rule.
    expect(() => Flex.TaskHelper.isChatBasedTask(custom as never)).toThrow();
    expect(header.if!({ task: custom })).toBe(true);

    // Rendered inside Flex's theme: the header's icon is Flex's IconButton with Flex's Video icon ...
    const task = makeTask();
    render(<InFlexTheme>{React.cloneElement(header.children, { task })}</InFlexTheme>);
    const icon = screen.getByRole('button', { name: 'Switch to video' });
    expect(icon.className).toContain('Twilio-IconButton');
    expect(icon.querySelector('.Twilio-Icon-Video')).not.toBeNull();
    expect(icon.hasAttribute('aria-pressed')).toBe(false);
    cleanup();

    // ... the Video tab's buttons are Flex's Button, their labels Flex's Template (the admin's string) ...
    fetchMock.mockResolvedValueOnce(jsonResponse(201, makeEscalation({ join_url: undefined })));
    render(<InFlexTheme>{React.cloneElement(tabs.children.props.children as React.ReactElement, { task })}</InFlexTheme>);
    const start = screen.getByRole('button', { name: 'Switch to video' });
    expect(start.className).toContain('Twilio-Button');
    expect(start.querySelector('span.Twilio')?.textContent).toBe('Switch to video');
    start.click();
    const join = await screen.findByRole('button', { name: 'Rejoindre la vidéo' });
    expect(join.className).toContain('Twilio-Button');
    // Flex's Conversation SID (TaskHelper.getTaskConversationSid) went to the service.
    expect(JSON.parse(fetchMock.mock.calls[0][1].body).conversation_sid).toBe('CH0123456789abcdef0123456789abcdef');
    // And now the task has a call: the Video tab shows.
    expect(tabs.if!({ task })).toBe(true);
    cleanup();

    // ... and the plugin's own colours come from the tokens of the theme Flex made (createTheme, dark).
    const dark = Flex.createTheme({} as never, false) as unknown as { tokens: { textColors: { colorText: string } } };
    render(
      <InFlexTheme>
        {React.cloneElement(supervisor.children.props.children as React.ReactElement, {
          task: makeTask({ taskSid: 'WTsupervised', status: undefined }),
        })}
      </InFlexTheme>,
    );
    const panel = await screen.findByTestId('supervisor-video');
    expect(panel.style.color).toBe(cssColor(dark.tokens.textColors.colorText));
    expect(panel.style.color).not.toBe(cssColor('rgb(18, 28, 45)')); // Paste's light default text colour
    expect(panel.textContent).toBe('There is no video call on this task.');
  });

  it('tells the Flex admin what to configure with a Flex notification when the plugin is not configured', async () => {
    resetSetupLogForTests();
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const show = vi.spyOn(Flex.Notifications, 'showNotification');
    const manager = flexManager(undefined);
    await new VideoEscalationPlugin().init(Flex, manager);
    expect(show).toHaveBeenCalledWith(NOTIFICATION_IDS.configMissing, { message: expect.stringMatching(/ui_attributes\.videoEscalation/) });
    const active = (Flex.Notifications as unknown as { activeNotifications: Array<{ id: string; content: React.ReactElement; context?: Record<string, unknown> }> })
      .activeNotifications;
    const shown = active.find((n) => n.id === NOTIFICATION_IDS.configMissing);
    expect(shown).toBeDefined();
    // What Flex shows for it (its content element gets the context as notificationContext).
    render(React.cloneElement(shown!.content, { notificationContext: shown!.context }));
    await waitFor(() => expect(screen.getByText(/Video escalation is not configured/).textContent).toMatch(/serviceBaseUrl, contactCenterId/));
    // One console line about it (the other warnings: the notifications the previous test registered are kept).
    expect(warn.mock.calls.filter(([line]) => /not configured/.test(String(line)))).toHaveLength(1);
  });
});
