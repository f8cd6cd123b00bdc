import React from 'react';
import { act, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import * as Flex from '@twilio/flex-ui';
import VideoEscalationPlugin from '../src/VideoEscalationPlugin';
import * as Video from 'twilio-video';
import { resetSetupLogForTests, setupPlugin, SUPERVISOR_VIDEO_TAB_NAME, VIDEO_TAB_NAME } from '../src/setup';
import { SupervisorVideoTab } from '../src/components/SupervisorVideoTab';
import { VideoBadge } from '../src/components/VideoBadge';
import { VideoEscalationButton } from '../src/components/VideoEscalationButton';
import { VideoTab } from '../src/components/VideoTab';
import { FakeRoom } from './fakeVideo';
import { NOTIFICATION_IDS } from '../src/notifications';
import { CC, jsonResponse, makeEscalation, makeTask, problemResponse } from './helpers';
import { DARK_THEME, type FlexDoubleExtras } from './flexDouble';

// Flex at its boundary: what the plugin calls on the Flex global (test/flexDouble.ts).
vi.mock('@twilio/flex-ui', async () => (await import('./flexDouble')).createFlexDouble());

vi.mock('twilio-video', () => ({ connect: vi.fn(), createLocalVideoTrack: vi.fn() }));

const flex = Flex as unknown as typeof Flex & FlexDoubleExtras;
const mocked = {
  register: vi.mocked(Flex.Notifications.registerNotification),
  show: vi.mocked(Flex.Notifications.showNotification),
  headerAdd: vi.mocked(Flex.TaskCanvasHeader.Content.add),
  tabsAdd: vi.mocked(Flex.TaskCanvasTabs.Content.add),
  listItemAdd: vi.mocked(Flex.TaskListItem.Content.add),
  supervisorTabsAdd: vi.mocked(Flex.Supervisor.TaskCanvasTabs.Content.add),
};

function manager(
  videoEscalation: unknown = { serviceBaseUrl: 'https://video.example.com', contactCenterId: CC },
  strings: Record<string, string> = {},
) {
  const eventListeners: Record<string, Array<(t: unknown) => void>> = {};
  return {
    eventListeners,
    strings,
    serviceConfiguration: { ui_attributes: videoEscalation === null ? {} : { videoEscalation } },
    user: { token: 'flex-token-abc', identity: 'alice' },
    workerClient: { attributes: { full_name: 'Alice Agent' } },
    store: { getState: () => ({ flex: {} }) },
    events: {
      addListener: vi.fn((name: string, fn: (t: unknown) => void) => {
        (eventListeners[name] ??= []).push(fn);
      }),
    },
  } as unknown as Flex.Manager & { eventListeners: Record<string, Array<(t: unknown) => void>> };
}

let fetchMock: ReturnType<typeof vi.fn>;
beforeEach(() => {
  fetchMock = vi.fn();
  vi.stubGlobal('fetch', fetchMock);
  for (const k of Object.keys(flex.__actionListeners)) delete flex.__actionListeners[k];
  for (const m of Object.values(mocked)) m.mockClear();
  vi.mocked(Flex.Actions.addListener).mockClear();
  vi.mocked(Flex.Actions.invokeAction).mockReset().mockImplementation(() => Promise.resolve());
  flex.__theme.current = undefined;
  vi.mocked(Video.connect).mockReset();
});
afterEach(() => {
  vi.unstubAllGlobals();
});

function renderHeaderButton(task = makeTask()) {
  const [element] = mocked.headerAdd.mock.calls[0] as [React.ReactElement, unknown];
  render(React.cloneElement(element, { task }));
  return { task, button: screen.getByRole('button', { name: 'Switch to video' }) };
}

describe('VideoEscalationPlugin', () => {
  it('is a FlexPlugin whose init sets everything up', async () => {
    Object.assign(globalThis, {
      __FPB_PLUGIN_UNIQUE_NAME: 'plugin-video-escalation',
      __FPB_PLUGIN_VERSION: '0.0.0',
      __FPB_FLEX_PLUGIN_SCRIPTS_VERSION: 'test',
      __FPB_FLEX_PLUGIN_VERSION: 'test',
      __FPB_FLEX_UI_VERSION: 'test',
      __FPB_REACT_VERSION: 'test',
      __FPB_REACT_DOM_VERSION: 'test',
    });
    vi.spyOn(console, 'log').mockImplementation(() => undefined);
    const plugin = new VideoEscalationPlugin();
    expect(plugin.name).toBe('VideoEscalationPlugin');
    await plugin.init(Flex, manager());
    expect(mocked.headerAdd).toHaveBeenCalledTimes(1);
    expect(mocked.tabsAdd).toHaveBeenCalledTimes(1);
  });
});

describe('setupPlugin', () => {
  it('adds the header button and the Video tab for assigned chat tasks only', () => {
    setupPlugin(Flex, manager());
    const [, headerOpts] = mocked.headerAdd.mock.calls[0] as [unknown, { if: (p: unknown) => boolean }];
    const [tab, tabOpts] = mocked.tabsAdd.mock.calls[0] as [React.ReactElement, { if: (p: unknown) => boolean }];
    for (const opts of [headerOpts, tabOpts]) {
      expect(opts.if({ task: makeTask() })).toBe(true);
      expect(opts.if({ task: makeTask({ taskChannelUniqueName: 'sms', attributes: { conversationSid: 'CH9' } }) })).toBe(true);
      expect(opts.if({ task: makeTask({ taskChannelUniqueName: 'voice', attributes: {} }) })).toBe(false);
      // An email task carries a conversationSid too: not a chat.
      expect(opts.if({ task: makeTask({ taskChannelUniqueName: 'email', attributes: { conversationSid: 'CH9' } }) })).toBe(false);
      // Not yet (or no longer) the agent's.
      expect(opts.if({ task: makeTask({ status: 'pending', taskStatus: 'reserved' }) })).toBe(false);
      expect(opts.if({ task: makeTask({ status: 'wrapping', taskStatus: 'wrapping' }) })).toBe(false);
      expect(opts.if({ task: makeTask({ status: 'completed', taskStatus: 'completed' }) })).toBe(false);
      expect(opts.if({ task: makeTask({ status: 'accepted', taskStatus: 'wrapping' }) })).toBe(false);
      expect(opts.if({ task: undefined })).toBe(false);
    }
    expect(tab.props).toMatchObject({ uniqueName: VIDEO_TAB_NAME, label: 'Video' });
    expect(mocked.register.mock.calls.map(([n]) => (n as { id: string }).id)).toEqual([
      NOTIFICATION_IDS.error,
      NOTIFICATION_IDS.configMissing,
      NOTIFICATION_IDS.reconnecting,
      NOTIFICATION_IDS.reconnected,
      NOTIFICATION_IDS.disconnected,
      NOTIFICATION_IDS.info,
    ]);
  });

  it('shows a warning notification and adds nothing when the configuration is malformed', () => {
    vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    expect(setupPlugin(Flex, manager({ serviceBaseUrl: 'https://video.example.com' }))).toBeUndefined();
    expect(mocked.headerAdd).not.toHaveBeenCalled();
    expect(mocked.show).toHaveBeenCalledWith(NOTIFICATION_IDS.configMissing, {
      message: expect.stringContaining('videoEscalation.contactCenterId is missing'),
    });
  });

  it('adds nothing, shows no notification and logs once at info level when not configured at all', () => {
    resetSetupLogForTests();
    const info = vi.spyOn(console, 'info').mockImplementation(() => undefined);
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    expect(setupPlugin(Flex, manager(null))).toBeUndefined();
    expect(setupPlugin(Flex, manager(null))).toBeUndefined();
    for (const m of Object.values(mocked)) expect(m).not.toHaveBeenCalled();
    expect(Flex.Actions.addListener).not.toHaveBeenCalled();
    expect(info).toHaveBeenCalledTimes(1);
    expect(String(info.mock.calls[0][0])).toMatch(/not configured/);
    expect(warn).not.toHaveBeenCalled();
  });

  it('adds nothing and shows no notification when enabled is false', () => {
    resetSetupLogForTests();
    const info = vi.spyOn(console, 'info').mockImplementation(() => undefined);
    expect(
      setupPlugin(Flex, manager({ enabled: false, serviceBaseUrl: 'https://video.example.com', contactCenterId: CC })),
    ).toBeUndefined();
    expect(mocked.headerAdd).not.toHaveBeenCalled();
    expect(mocked.show).not.toHaveBeenCalled();
    expect(String(info.mock.calls[0][0])).toMatch(/enabled is false/);
  });

  it('registers its strings in manager.strings once, keeps the tenant’s, and the components read them from there', async () => {
    const m = manager(undefined, { VideoEscalationSwitchToVideo: 'Passer en vidéo' });
    setupPlugin(Flex, m);
    const strings = (m as unknown as { strings: Record<string, string> }).strings;
    expect(strings.VideoEscalationSwitchToVideo).toBe('Passer en vidéo');
    expect(strings.VideoEscalationJoin).toBe('Join Video Room');
    expect(strings.VideoEscalationOnVideo).toBe('On video');

    const [element] = mocked.headerAdd.mock.calls[0] as [React.ReactElement, unknown];
    render(React.cloneElement(element, { task: makeTask() }));
    expect(screen.getByRole('button', { name: 'Passer en vidéo' })).toBeTruthy();

    // Changed later (e.g. a localisation loaded after): read at render time.
    strings.VideoEscalationTabLabel = 'Vidéo';
    strings.VideoEscalationNoCallYet = 'Pas encore d’appel vidéo.';
    const [tab] = mocked.tabsAdd.mock.calls[0] as [React.ReactElement];
    render(React.cloneElement(tab.props.children as React.ReactElement, { task: makeTask() }));
    expect(screen.getByText('Pas encore d’appel vidéo.')).toBeTruthy();
  });

  it('escalates with the agent’s Flex token and name, then opens the Video tab', async () => {
    setupPlugin(Flex, manager());
    fetchMock.mockResolvedValue(jsonResponse(201, makeEscalation()));
    const { button, task } = renderHeaderButton();
    fireEvent.click(button);
    await waitFor(() => expect(button.getAttribute('data-phase')).toBe('open'));
    const [url, init] = fetchMock.mock.calls[0];
    expect(url).toBe(`https://video.example.com/v1/contact-centers/${CC}/escalations`);
    expect(init.headers.Authorization).toBe('Bearer flex-token-abc');
    expect(JSON.parse(init.body)).toEqual({
      task_sid: task.taskSid,
      conversation_sid: 'CH0123456789abcdef0123456789abcdef',
      agent_name: 'Alice Agent',
    });
    expect(Flex.Actions.invokeAction).toHaveBeenCalledWith('SetComponentState', {
      name: 'AgentTaskCanvasTabs',
      state: { selectedTabName: VIDEO_TAB_NAME },
    });
  });

  it('shows the problem’s title and detail in an error notification', async () => {
    setupPlugin(Flex, manager());
    fetchMock.mockResolvedValue(
      problemResponse(422, {
        title: 'Validation failed',
        detail: 'conversation_sid must name a Conversation (CH…).',
        code: 'validation_failed',
        request_id: 'req-7',
      }),
    );
    const { button } = renderHeaderButton();
    fireEvent.click(button);
    await waitFor(() => expect(mocked.show).toHaveBeenCalled());
    const [id, context] = mocked.show.mock.calls[0] as [string, Record<string, string>];
    expect(id).toBe(NOTIFICATION_IDS.error);
    expect(context).toMatchObject({ title: 'Validation failed', detail: 'conversation_sid must name a Conversation (CH…).' });
    expect(context.message).toBe(
      'Could not start the video call: Validation failed — conversation_sid must name a Conversation (CH…). (request req-7)',
    );

    // The registered notification shows that message.
    const registered = mocked.register.mock.calls.find(([n]) => (n as { id: string }).id === id)![0] as {
      content: React.ReactElement;
      type: string;
    };
    expect(registered.type).toBe('error');
    render(React.cloneElement(registered.content, { notificationContext: context }));
    expect(screen.getByText(context.message)).toBeTruthy();
  });

  it('disconnects (and ends the escalation) when the task is wrapped up', async () => {
    const m = manager();
    const services = setupPlugin(Flex, m)!;
    fetchMock.mockResolvedValueOnce(jsonResponse(201, makeEscalation()));
    const task = makeTask();
    await services.store.escalate(task);
    const leave = vi.spyOn(services.sessions, 'leave');
    fetchMock.mockResolvedValueOnce(jsonResponse(200, makeEscalation({ status: 'completed' })));

    await act(async () => {
      for (const fn of flex.__actionListeners.afterWrapupTask) fn({ task, sid: task.taskSid });
    });
    expect(leave).toHaveBeenCalledWith(task.taskSid);
    await waitFor(() => expect(services.store.get(task.taskSid).phase).toBe('ended'));
    expect(fetchMock.mock.calls[1][0]).toBe(`https://video.example.com/v1/escalations/${makeEscalation().id}/complete`);

    // CompleteTask and the task events disconnect too
    for (const fn of flex.__actionListeners.afterCompleteTask) fn({ task });
    for (const fn of m.eventListeners.taskCompleted) fn(task);
    for (const fn of m.eventListeners.taskCanceled) fn(task);
    expect(leave).toHaveBeenCalledTimes(4);
    expect(fetchMock).toHaveBeenCalledTimes(2); // already ended: no second complete
  });

  it('only disconnects on task end when endVideoOnTaskEnd is false', async () => {
    const services = setupPlugin(
      Flex,
      manager({ serviceBaseUrl: 'https://video.example.com', contactCenterId: CC, endVideoOnTaskEnd: false }),
    )!;
    fetchMock.mockResolvedValueOnce(jsonResponse(201, makeEscalation()));
    const task = makeTask();
    await services.store.escalate(task);
    const leave = vi.spyOn(services.sessions, 'leave');
    for (const fn of flex.__actionListeners.afterWrapupTask) fn({ task });
    expect(leave).toHaveBeenCalledWith(task.taskSid);
    expect(fetchMock).toHaveBeenCalledTimes(1);
  });

  const endings: Array<[string, 'action' | 'event', (task: ReturnType<typeof makeTask>) => unknown]> = [
    ['afterWrapupTask', 'action', (task) => ({ task, sid: task.sid })],
    ['afterCompleteTask', 'action', (task) => ({ task })],
    ['afterTransferTask', 'action', (task) => ({ task, targetSid: 'WKother', options: { mode: 'COLD' } })],
    ['taskWrapup', 'event', (task) => task],
    ['taskCompleted', 'event', (task) => task],
    ['taskCanceled', 'event', (task) => task],
    ['taskRejected', 'event', (task) => task],
    ['taskRescinded', 'event', (task) => task],
    ['taskTimeout', 'event', (task) => task],
    ['taskUpdated', 'event', (task) => ({ ...task, status: 'wrapping', taskStatus: 'wrapping' })],
  ];
  for (const [name, kind, payload] of endings) {
    it(`ends the escalation and leaves the call on ${name}`, async () => {
      const m = manager();
      const services = setupPlugin(Flex, m)!;
      fetchMock.mockResolvedValueOnce(jsonResponse(201, makeEscalation()));
      const task = makeTask();
      await services.store.escalate(task);
      const leave = vi.spyOn(services.sessions, 'leave');
      const ended = vi.spyOn(services.calls, 'taskEnded');
      fetchMock.mockResolvedValueOnce(jsonResponse(200, makeEscalation({ status: 'completed' })));
      const listeners = kind === 'action' ? flex.__actionListeners[name] : m.eventListeners[name];
      expect(listeners, name).toBeDefined();
      await act(async () => {
        for (const fn of listeners) fn(payload(task));
      });
      expect(leave).toHaveBeenCalledWith(task.taskSid);
      expect(ended).toHaveBeenCalledWith(task.taskSid);
      await waitFor(() => expect(services.store.get(task.taskSid).phase).toBe('ended'));
      expect(fetchMock.mock.calls[1][0]).toBe(`https://video.example.com/v1/escalations/${makeEscalation().id}/complete`);
    });
  }

  it('does not end anything on a warm transfer or on a taskUpdated of a task still assigned', async () => {
    const m = manager();
    const services = setupPlugin(Flex, m)!;
    fetchMock.mockResolvedValueOnce(jsonResponse(201, makeEscalation()));
    const task = makeTask();
    await services.store.escalate(task);
    const leave = vi.spyOn(services.sessions, 'leave');
    for (const fn of flex.__actionListeners.afterTransferTask) fn({ task, targetSid: 'WK2', options: { mode: 'WARM' } });
    for (const fn of m.eventListeners.taskUpdated) fn(task);
    expect(leave).not.toHaveBeenCalled();
    expect(fetchMock).toHaveBeenCalledTimes(1);
    expect(services.store.get(task.taskSid).phase).toBe('open');
  });

  it('adds the "on video" badge to the task list items of chat tasks', () => {
    const services = setupPlugin(Flex, manager())!;
    const [badge, opts] = mocked.listItemAdd.mock.calls[0] as [React.ReactElement, { if: (p: unknown) => boolean }];
    expect(badge.props.services).toBe(services);
    expect(opts.if({ task: makeTask() })).toBe(true);
    expect(opts.if({ task: makeTask({ taskChannelUniqueName: 'email', attributes: { conversationSid: 'CH9' } }) })).toBe(false);
    // Nothing shown without a live call.
    const { container } = render(React.cloneElement(badge, { task: makeTask() }));
    expect(container.textContent).toBe('');
  });

  it('passes the selected task to the calls (SelectTask), by task or by reservation sid', () => {
    const m = manager();
    const task = makeTask({ sid: 'WR1' });
    (m as unknown as { store: unknown }).store = {
      getState: () => ({ flex: { worker: { tasks: new Map([['WR1', task]]) } } }),
    };
    const services = setupPlugin(Flex, m)!;
    const selected = vi.spyOn(services.calls, 'taskSelected');
    for (const fn of flex.__actionListeners.afterSelectTask) fn({ task });
    for (const fn of flex.__actionListeners.afterSelectTask) fn({ sid: 'WR1' });
    expect(selected.mock.calls).toEqual([[task.taskSid], [task.taskSid]]);
  });

  it('re-reads the task’s attributes from Flex before writing, and writes no join URL or token', async () => {
    const m = manager();
    const stale = makeTask({ sid: 'WR1' });
    // Flex's store already has newer attributes (e.g. another plugin wrote one meanwhile).
    const fresh = { ...stale, attributes: { ...stale.attributes, survey: 'opt-in', videoEscalation: { joinUrl: 'https://old/join/X' } } };
    (m as unknown as { store: unknown }).store = {
      getState: () => ({ flex: { worker: { tasks: new Map([['WR1', fresh]]) } } }),
    };
    const services = setupPlugin(Flex, m)!;
    fetchMock.mockResolvedValueOnce(jsonResponse(201, makeEscalation()));
    await services.store.escalate(stale);
    expect(stale.setAttributes).toHaveBeenCalledTimes(1);
    const written = stale.setAttributes.mock.calls[0][0] as Record<string, unknown>;
    expect(written.survey).toBe('opt-in');
    expect(written.videoEscalation).toEqual({ escalationId: makeEscalation().id, status: 'open' });
    const text = JSON.stringify(written);
    for (const secret of ['join', 'ABCD2345EFGH', 'agent-video-token', 'flex-token-abc']) expect(text).not.toContain(secret);
  });
});

describe('Flex-native look', () => {
  it('uses Flex’s own IconButton and Button from the Flex global (nothing bundled), and the header button is not a toggle', () => {
    setupPlugin(Flex, manager());
    const { button } = renderHeaderButton();
    expect(button.getAttribute('data-flex')).toBe('IconButton');
    expect(button.getAttribute('data-icon')).toBe('Video');
    expect(button.getAttribute('title')).toBe('Switch to video');
    expect(button.hasAttribute('aria-pressed')).toBe(false);

    const [tab] = mocked.tabsAdd.mock.calls[0] as [React.ReactElement];
    render(React.cloneElement(tab.props.children as React.ReactElement, { task: makeTask() }));
    const start = screen.getAllByRole('button', { name: 'Switch to video' }).find((b) => b.getAttribute('data-flex') === 'Button')!;
    expect(start.getAttribute('data-flex-variant')).toBe('primary');
    expect(start.getAttribute('style')).toBeNull();
  });

  it('wraps every component in Flex’s withTheme and colours them from the theme’s tokens, with fallbacks without one', async () => {
    const services = setupPlugin(Flex, manager())!;
    const wrapped = vi.mocked(flex.withTheme).mock.calls.map(([c]) => c);
    for (const c of [VideoEscalationButton, VideoTab, VideoBadge, SupervisorVideoTab]) expect(wrapped).toContain(c);

    // A live call, so the "On video" badge shows.
    vi.mocked(Video.connect).mockResolvedValue(new FakeRoom('esc-e5a1d6b2') as unknown as Video.Room);
    fetchMock.mockResolvedValueOnce(jsonResponse(201, makeEscalation()));
    const task = makeTask();
    await services.store.escalate(task);
    await act(async () => {
      await services.calls.join(task.taskSid);
    });
    const [badge] = mocked.listItemAdd.mock.calls[0] as [React.ReactElement];

    flex.__theme.current = DARK_THEME;
    const dark = render(React.cloneElement(badge, { task }));
    const darkStyle = (dark.getByTestId('video-badge') as HTMLElement).style;
    expect(darkStyle.background).toBe('rgb(1, 2, 3)');
    expect(darkStyle.color).toBe('rgb(7, 8, 9)');
    dark.unmount();

    // No theme provider: emotion's withTheme gives {}; Paste's default values stand in.
    flex.__theme.current = undefined;
    const plain = render(React.cloneElement(badge, { task }));
    const plainStyle = (plain.getByTestId('video-badge') as HTMLElement).style;
    expect(plainStyle.background).toBe('rgb(2, 99, 224)');
    expect(plainStyle.color).toBe('rgb(255, 255, 255)');
    services.sessions.leaveAll();
  });
});

describe('showing the Video tab (internal Flex names, isolated in flexInternals.ts)', () => {
  function managerWithViewState() {
    const m = manager();
    const view = { componentViewStates: {} as Record<string, unknown> };
    (m as unknown as { store: unknown }).store = { getState: () => ({ flex: { view } }) };
    return { m, view };
  }

  async function escalateFromHeader() {
    fetchMock.mockResolvedValue(jsonResponse(201, makeEscalation()));
    const { button } = renderHeaderButton();
    fireEvent.click(button);
    await waitFor(() => expect(button.getAttribute('data-phase')).toBe('open'));
    await act(async () => undefined);
  }

  const infoShown = () => mocked.show.mock.calls.filter(([id]) => id === NOTIFICATION_IDS.info);

  it('selects the tab with SetComponentState and, when Flex’s state shows it selected, says nothing more', async () => {
    const { m, view } = managerWithViewState();
    vi.mocked(Flex.Actions.invokeAction).mockImplementation((async (name: string, payload: { name: string; state: unknown }) => {
      if (name === 'SetComponentState') view.componentViewStates[payload.name] = payload.state;
    }) as never);
    setupPlugin(Flex, m);
    await escalateFromHeader();
    expect(view.componentViewStates.AgentTaskCanvasTabs).toEqual({ selectedTabName: VIDEO_TAB_NAME });
    expect(infoShown()).toEqual([]);
  });

  it('falls back to a notification naming the tab when the action fails', async () => {
    const { m } = managerWithViewState();
    vi.mocked(Flex.Actions.invokeAction).mockRejectedValue(new Error('no such action: SetComponentState'));
    setupPlugin(Flex, m);
    await escalateFromHeader();
    await waitFor(() => expect(infoShown()).toEqual([[NOTIFICATION_IDS.info, { message: 'Video call started: open the Video tab' }]]));
  });

  it('falls back to the notification when the action changes nothing (Flex renamed its tab state)', async () => {
    const { m, view } = managerWithViewState();
    setupPlugin(Flex, m);
    await escalateFromHeader();
    expect(Flex.Actions.invokeAction).toHaveBeenCalledWith('SetComponentState', expect.anything());
    expect(view.componentViewStates).toEqual({});
    await waitFor(() => expect(infoShown()).toHaveLength(1));
  });
});

describe('supervisors in the Teams view', () => {
  const supervised = (attrs: Record<string, unknown> = {}, over: Record<string, unknown> = {}) =>
    makeTask({
      taskSid: 'WTsupervised0000000000000000000000',
      status: undefined,
      attributes: { conversationSid: 'CH0123456789abcdef0123456789abcdef', ...attrs },
      ...over,
    });

  it('adds a Video tab to Flex.Supervisor.TaskCanvasTabs for chat tasks', () => {
    setupPlugin(Flex, manager());
    expect(mocked.supervisorTabsAdd).toHaveBeenCalledTimes(1);
    const [tab, opts] = mocked.supervisorTabsAdd.mock.calls[0] as [React.ReactElement, { if: (p: unknown) => boolean }];
    expect(tab.props).toMatchObject({ uniqueName: SUPERVISOR_VIDEO_TAB_NAME, label: 'Video' });
    expect(opts.if({ task: supervised() })).toBe(true);
    expect(opts.if({ task: supervised({}, { taskChannelUniqueName: 'voice', attributes: {} }) })).toBe(false);
    expect(opts.if({ task: supervised({}, { taskChannelUniqueName: 'email' }) })).toBe(false);

    render(React.cloneElement(tab.props.children as React.ReactElement, { task: supervised() }));
    expect(screen.getByText('There is no video call on this task.')).toBeTruthy();
    expect(fetchMock).not.toHaveBeenCalled();
  });

  it('shows a clear Flex notification when the service refuses the user (403)', async () => {
    setupPlugin(Flex, manager());
    const id = makeEscalation().id;
    fetchMock.mockImplementation(async (url: string) =>
      url.endsWith('/agent-token')
        ? problemResponse(403, {
            title: 'Forbidden',
            detail: 'this escalation belongs to another agent; a Flex supervisor or admin may join it',
            code: 'not_your_escalation',
            request_id: 'req-9',
          })
        : jsonResponse(200, makeEscalation({ agent_identity: 'agent:bob' })),
    );
    const [tab] = mocked.supervisorTabsAdd.mock.calls[0] as [React.ReactElement];
    render(React.cloneElement(tab.props.children as React.ReactElement, { task: supervised({ videoEscalation: { escalationId: id, status: 'open' } }) }));
    fireEvent.click(await screen.findByRole('button', { name: 'Monitor video' }));
    await waitFor(() => expect(mocked.show).toHaveBeenCalled());
    expect(mocked.show).toHaveBeenCalledWith(
      NOTIFICATION_IDS.error,
      expect.objectContaining({
        message: "Could not open this task's video call: only Flex supervisors and admins can join another agent's video call. (request req-9)",
      }),
    );
    expect(fetchMock.mock.calls.map(([u]) => u)).toEqual([
      `https://video.example.com/v1/escalations/${id}`,
      `https://video.example.com/v1/escalations/${id}/agent-token`,
    ]);
    expect(Video.connect).not.toHaveBeenCalled();
  });

  it('adds no supervisor tab, and fails nothing, on a Flex without the Supervisor namespace', () => {
    const info = vi.spyOn(console, 'info').mockImplementation(() => undefined);
    const services = setupPlugin({ ...Flex, Supervisor: undefined } as unknown as typeof Flex, manager());
    expect(services).toBeDefined();
    expect(mocked.supervisorTabsAdd).not.toHaveBeenCalled();
    expect(mocked.headerAdd).toHaveBeenCalledTimes(1);
    expect(String(info.mock.calls.at(-1)?.[0])).toMatch(/Supervisor\.TaskCanvasTabs/);
  });
});
