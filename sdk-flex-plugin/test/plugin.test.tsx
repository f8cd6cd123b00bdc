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
import { CC, deferred, jsonResponse, makeEscalation, makeTask, problemResponse } from './helpers';
import { DARK_THEME, type FlexDoubleExtras } from './flexDouble';

// Flex at its boundary: what the plugin calls on the Flex global (test/flexDouble.ts).
vi.mock('@twilio/flex-ui', async () => (await import('./flexDouble')).createFlexDouble());

// No LocalDataTrack: these Twilio calls carry no asks or tells (the data track is tested in escalateCall.test.ts).
vi.mock('twilio-video', () => ({ connect: vi.fn(), createLocalVideoTrack: vi.fn(), LocalDataTrack: undefined }));

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
    // The Video tab also needs a video call on the task (see "the Video tab shows once the task has a video call").
    const withCall = (attributes: Record<string, unknown> = makeTask().attributes) => ({
      ...attributes,
      videoEscalation: { escalationId: makeEscalation().id, status: 'open' },
    });
    const cases: Array<[{ if: (p: unknown) => boolean }, (a?: Record<string, unknown>) => Record<string, unknown>]> = [
      [headerOpts, (a = makeTask().attributes) => a],
      [tabOpts, withCall],
    ];
    for (const [opts, attrs] of cases) {
      expect(opts.if({ task: makeTask({ attributes: attrs() }) })).toBe(true);
      expect(opts.if({ task: makeTask({ taskChannelUniqueName: 'sms', attributes: attrs({ conversationSid: 'CH9' }) }) })).toBe(true);
      expect(opts.if({ task: makeTask({ taskChannelUniqueName: 'voice', attributes: attrs({}) }) })).toBe(false);
      // An email task carries a conversationSid too: not a chat.
      expect(opts.if({ task: makeTask({ taskChannelUniqueName: 'email', attributes: attrs({ conversationSid: 'CH9' }) }) })).toBe(false);
      // Not yet (or no longer) the agent's.
      expect(opts.if({ task: makeTask({ status: 'pending', taskStatus: 'reserved', attributes: attrs() }) })).toBe(false);
      expect(opts.if({ task: makeTask({ status: 'wrapping', taskStatus: 'wrapping', attributes: attrs() }) })).toBe(false);
      expect(opts.if({ task: makeTask({ status: 'completed', taskStatus: 'completed', attributes: attrs() }) })).toBe(false);
      expect(opts.if({ task: makeTask({ status: 'accepted', taskStatus: 'wrapping', attributes: attrs() }) })).toBe(false);
      expect(opts.if({ task: undefined })).toBe(false);
    }
    expect(tab.props).toMatchObject({ uniqueName: VIDEO_TAB_NAME });
    render(tab.props.label as React.ReactElement);
    expect(screen.getByText('Video')).toBeTruthy();
    expect(mocked.register.mock.calls.map(([n]) => (n as { id: string }).id)).toEqual([
      NOTIFICATION_IDS.error,
      NOTIFICATION_IDS.configMissing,
      NOTIFICATION_IDS.reconnecting,
      NOTIFICATION_IDS.reconnected,
      NOTIFICATION_IDS.disconnected,
      NOTIFICATION_IDS.info,
    ]);
  });

  it('finds chat tasks with Flex’s TaskHelper.isChatBasedTask, so a custom chat channel gets the video icon', () => {
    setupPlugin(Flex, manager());
    const [, headerOpts] = mocked.headerAdd.mock.calls[0] as [unknown, { if: (p: unknown) => boolean }];
    const [, badgeOpts] = mocked.listItemAdd.mock.calls[0] as [unknown, { if: (p: unknown) => boolean }];
    const custom = makeTask({ taskChannelUniqueName: 'acme-webchat', attributes: { conversationSid: 'CH7' } });
    expect(headerOpts.if({ task: custom })).toBe(true);
    expect(badgeOpts.if({ task: custom })).toBe(true);
    expect(Flex.TaskHelper.isChatBasedTask).toHaveBeenCalledWith(custom);
    // Flex says no: no icon, whatever the channel's name.
    vi.mocked(Flex.TaskHelper.isChatBasedTask).mockReturnValueOnce(false);
    expect(headerOpts.if({ task: makeTask({ taskChannelUniqueName: 'chat' }) })).toBe(false);
  });

  it('falls back to Flex’s base rule (the task names a Conversation) on a Flex object without TaskHelper', () => {
    setupPlugin({ ...Flex, TaskHelper: undefined } as unknown as typeof Flex, manager());
    const [, headerOpts] = mocked.headerAdd.mock.calls[0] as [unknown, { if: (p: unknown) => boolean }];
    expect(headerOpts.if({ task: makeTask({ taskChannelUniqueName: 'acme-webchat', attributes: { channelSid: 'CH8' } }) })).toBe(true);
    expect(headerOpts.if({ task: makeTask({ taskChannelUniqueName: 'voice', attributes: { call_sid: 'CA1' } }) })).toBe(false);
    expect(headerOpts.if({ task: makeTask({ taskChannelUniqueName: 'email', attributes: { conversationSid: 'CH9' } }) })).toBe(false);
  });

  it('sends the Conversation Flex’s TaskHelper.getTaskConversationSid names, with no CH prefix required', async () => {
    const getTaskConversationSid = vi.fn(() => 'CHfromFlexHelper');
    const withHelper = { ...Flex, TaskHelper: { ...Flex.TaskHelper, getTaskConversationSid } } as unknown as typeof Flex;
    const services = setupPlugin(withHelper, manager())!;
    fetchMock.mockResolvedValueOnce(jsonResponse(201, makeEscalation()));
    const task = makeTask({ attributes: { conversationSid: 'CHnotThisOne' } });
    await services.store.escalate(task);
    expect(getTaskConversationSid).toHaveBeenCalledWith(task);
    expect(JSON.parse(fetchMock.mock.calls[0][1].body).conversation_sid).toBe('CHfromFlexHelper');

    // A Conversation SID Flex gives without the CH prefix is passed on (the service checks it).
    getTaskConversationSid.mockReturnValue('  ISconversation1  ');
    fetchMock.mockResolvedValueOnce(jsonResponse(201, makeEscalation({ id: 'e5a1d6b2-0000-4000-8000-000000000002' })));
    await services.store.escalate(makeTask({ taskSid: 'WT2' }));
    expect(JSON.parse(fetchMock.mock.calls[1][1].body).conversation_sid).toBe('ISconversation1');
  });

  it('the Video tab shows once the task has a video call: after the video icon, or when the task names one', async () => {
    const services = setupPlugin(Flex, manager())!;
    const [, tabOpts] = mocked.tabsAdd.mock.calls[0] as [React.ReactElement, { if: (p: unknown) => boolean }];
    const task = makeTask();
    // A chat with no call: no Video tab (the header's video icon is how a call starts).
    expect(tabOpts.if({ task })).toBe(false);

    const d = deferred<Response>();
    fetchMock.mockReturnValueOnce(d.promise);
    const { button } = renderHeaderButton(task);
    fireEvent.click(button);
    // Creating: the tab is there for the call being made.
    await waitFor(() => expect(services.store.get(task.taskSid).phase).toBe('creating'));
    expect(tabOpts.if({ task })).toBe(true);
    await act(async () => {
      d.resolve(jsonResponse(201, makeEscalation()));
    });
    await waitFor(() => expect(button.getAttribute('data-phase')).toBe('open'));
    expect(tabOpts.if({ task })).toBe(true);
    // The call is recorded in the task's attributes: the change Flex sees (its store re-renders the
    // task canvas, evaluating `if` again), and what a reloaded page finds.
    expect(task.setAttributes).toHaveBeenCalledWith(expect.objectContaining({ videoEscalation: expect.objectContaining({ escalationId: makeEscalation().id }) }));
    setupPlugin(Flex, manager());
    const [, reloadedOpts] = mocked.tabsAdd.mock.calls[1] as [React.ReactElement, { if: (p: unknown) => boolean }];
    expect(reloadedOpts.if({ task: makeTask({ attributes: task.attributes }) })).toBe(true);
    expect(reloadedOpts.if({ task: makeTask() })).toBe(false);
  });

  it('shows no Video tab after a failed start (no call on the task)', async () => {
    vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const services = setupPlugin(Flex, manager())!;
    const [, tabOpts] = mocked.tabsAdd.mock.calls[0] as [React.ReactElement, { if: (p: unknown) => boolean }];
    fetchMock.mockResolvedValueOnce(problemResponse(403, { title: 'Forbidden', code: 'forbidden' }));
    const task = makeTask();
    await services.store.escalate(task);
    expect(services.store.get(task.taskSid).phase).toBe('error');
    expect(tabOpts.if({ task })).toBe(false);
  });

  it('shows a warning notification and adds nothing when the configuration is malformed', () => {
    vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    expect(setupPlugin(Flex, manager({ serviceBaseUrl: 'https://video.example.com' }))).toBeUndefined();
    expect(mocked.headerAdd).not.toHaveBeenCalled();
    expect(mocked.show).toHaveBeenCalledWith(NOTIFICATION_IDS.configMissing, {
      message: expect.stringContaining('videoEscalation.contactCenterId is missing'),
    });
  });

  it('adds nothing, tells the Flex admin what to configure in a notification, and logs it once, when not configured at all', () => {
    resetSetupLogForTests();
    const info = vi.spyOn(console, 'info').mockImplementation(() => undefined);
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const m = manager(null);
    expect(setupPlugin(Flex, m)).toBeUndefined();
    expect(setupPlugin(Flex, manager(null))).toBeUndefined();
    // Nothing of the plugin's in Flex.
    for (const add of [mocked.headerAdd, mocked.tabsAdd, mocked.listItemAdd, mocked.supervisorTabsAdd]) expect(add).not.toHaveBeenCalled();
    expect(Flex.Actions.addListener).not.toHaveBeenCalled();
    // A warning notification, registered with Flex, saying what to set.
    const registered = mocked.register.mock.calls.map(([n]) => n as { id: string; type: string });
    expect(registered.find((n) => n.id === NOTIFICATION_IDS.configMissing)?.type).toBe('warning');
    expect(mocked.show).toHaveBeenCalledWith(NOTIFICATION_IDS.configMissing, {
      message: expect.stringMatching(/not configured: ui_attributes\.videoEscalation is not set.*serviceBaseUrl, contactCenterId/),
    });
    expect((m as unknown as { strings: Record<string, string> }).strings.VideoEscalationNotConfigured).toBeDefined();
    // One console line for the page, however often Flex sets plugins up.
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0][0])).toMatch(/not configured.*ui_attributes\.videoEscalation/);
    expect(info).not.toHaveBeenCalled();
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

  it('speaks the configured language (es): Spanish defaults in manager.strings and the Video tab, the tenant’s strings still win', async () => {
    const m = manager(
      { serviceBaseUrl: 'https://video.example.com', contactCenterId: CC, language: 'es' },
      { VideoEscalationEndVideo: 'Terminar la videollamada' },
    );
    const services = setupPlugin(Flex, m)!;
    const strings = (m as unknown as { strings: Record<string, string> }).strings;
    expect(strings.VideoEscalationJoin).toBe('Unirse a la sala de video');
    expect(strings.VideoEscalationEndVideo).toBe('Terminar la videollamada');

    const task = makeTask();
    const [header] = mocked.headerAdd.mock.calls[0] as [React.ReactElement, unknown];
    render(React.cloneElement(header, { task }));
    expect(screen.getByRole('button', { name: 'Cambiar a video' })).toBeTruthy();

    fetchMock.mockResolvedValueOnce(jsonResponse(201, makeEscalation()));
    await services.store.escalate(task);
    const [tab] = mocked.tabsAdd.mock.calls[0] as [React.ReactElement];
    render(React.cloneElement(tab.props.children as React.ReactElement, { task }));
    expect(screen.getByRole('button', { name: 'Unirse a la sala de video' })).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Terminar la videollamada' })).toBeTruthy();
    expect(screen.queryByText('Join Video Room')).toBeNull();
    // The plain-string reading (notifications, attributes) is Spanish too.
    expect(services.t?.('VideoEscalationMute')).toBe('Silenciar');
  });

  it('says "not configured" in the configured language when the rest of the configuration is missing', () => {
    vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    expect(setupPlugin(Flex, manager({ serviceBaseUrl: 'https://video.example.com', language: 'es' }))).toBeUndefined();
    expect(mocked.show).toHaveBeenCalledWith(NOTIFICATION_IDS.configMissing, {
      message: expect.stringMatching(/^La escalación a video no está configurada: videoEscalation\.contactCenterId is missing\./),
    });
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

  it('keeps the call through a transfer until this agent’s reservation is really handed off', async () => {
    const m = manager();
    const services = setupPlugin(Flex, m)!;
    fetchMock.mockResolvedValueOnce(jsonResponse(201, makeEscalation()));
    const task = makeTask();
    await services.store.escalate(task);
    const leave = vi.spyOn(services.sessions, 'leave');
    const ended = vi.spyOn(services.calls, 'taskEnded');

    // TransferTask resolved: the transfer is asked for, the other agent has not taken the chat.
    for (const fn of flex.__actionListeners.afterTransferTask) fn({ task, targetSid: 'WKother', options: { mode: 'COLD' } });
    // Still this agent's meanwhile (and a declined transfer leaves it so).
    for (const fn of m.eventListeners.taskUpdated) fn({ ...task, status: 'accepted', taskStatus: 'reserved' });
    expect(leave).not.toHaveBeenCalled();
    expect(ended).not.toHaveBeenCalled();
    expect(fetchMock).toHaveBeenCalledTimes(1);
    expect(services.store.get(task.taskSid).phase).toBe('open');

    // The other agent accepted: Flex wraps this agent's reservation up.
    fetchMock.mockResolvedValueOnce(jsonResponse(200, makeEscalation({ status: 'completed' })));
    await act(async () => {
      for (const fn of m.eventListeners.taskWrapup) fn({ ...task, status: 'wrapping' });
    });
    expect(leave).toHaveBeenCalledWith(task.taskSid);
    expect(ended).toHaveBeenCalledWith(task.taskSid);
    await waitFor(() => expect(services.store.get(task.taskSid).phase).toBe('ended'));
    expect(fetchMock.mock.calls[1][0]).toBe(`https://video.example.com/v1/escalations/${makeEscalation().id}/complete`);
  });

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

describe('call quality', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('posts a Twilio call’s quality samples to the service for the task’s escalation, with the agent’s Flex token', async () => {
    vi.useFakeTimers();
    const services = setupPlugin(Flex, manager())!;
    const room = new FakeRoom('esc-e5a1d6b2');
    room.stats = [
      {
        localAudioTrackStats: [{ roundTripTime: 52 }],
        remoteAudioTrackStats: [{ packetsReceived: 200, packetsLost: 0, bytesReceived: 16_000 }],
      },
    ];
    vi.mocked(Video.connect).mockResolvedValue(room as unknown as Video.Room);
    fetchMock.mockResolvedValueOnce(jsonResponse(201, makeEscalation()));
    const task = makeTask();
    await services.store.escalate(task);
    await services.calls.join(task.taskSid);

    fetchMock.mockResolvedValue(new Response(null, { status: 204 }));
    await vi.advanceTimersByTimeAsync(5_000);
    const posts = fetchMock.mock.calls.filter(([url]) => String(url).endsWith('/quality'));
    expect(posts).toHaveLength(1);
    const [url, init] = posts[0];
    expect(`${init.method} ${url}`).toBe(`POST https://video.example.com/v1/escalations/${makeEscalation().id}/quality`);
    expect(init.headers.Authorization).toBe('Bearer flex-token-abc');
    expect(JSON.parse(init.body)).toEqual({ round_trip_ms: 52, packet_loss_percent: 0, relayed: false, reconnects: 0 });

    // The service refusing samples (the call ended a while ago) shows nothing to the agent.
    fetchMock.mockResolvedValue(problemResponse(409, { title: 'Conflict', code: 'escalation_not_open' }));
    await vi.advanceTimersByTimeAsync(5_000);
    expect(fetchMock.mock.calls.filter(([u]) => String(u).endsWith('/quality'))).toHaveLength(2);
    expect(mocked.show).not.toHaveBeenCalledWith(NOTIFICATION_IDS.error, expect.anything());
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
    expect(tab.props).toMatchObject({ uniqueName: SUPERVISOR_VIDEO_TAB_NAME });
    render(tab.props.label as React.ReactElement);
    expect(screen.getByText('Video')).toBeTruthy();
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
