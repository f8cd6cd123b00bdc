import { describe, expect, it, vi } from 'vitest';
import {
  ATTRIBUTE_WRITE_ATTEMPTS,
  conversationSidOf,
  isAssignedChatTask,
  isChatTask,
  isRevisionConflict,
  mergeTaskVideoAttributes,
  type TaskHelperLike,
} from '../src/task';
import { makeTask } from './helpers';

/** Flex's TaskHelper as a tenant with its own chat channel sees it. */
function helper(over: Partial<Record<keyof TaskHelperLike, (task: any) => unknown>> = {}): TaskHelperLike & Record<string, ReturnType<typeof vi.fn>> {
  return {
    isChatBasedTask: vi.fn((task) => task.taskChannelUniqueName !== 'voice'),
    isEmailTask: vi.fn((task) => task.channelType === 'email'),
    getTaskConversationSid: vi.fn((task) => String(task.attributes.conversationSid ?? task.attributes.channelSid ?? '').trim()),
    ...over,
  } as never;
}

describe('chat tasks, as Flex tells them (TaskHelper.isChatBasedTask)', () => {
  it('counts a custom chat channel Flex calls chat-based (no channel list of the plugin’s own)', () => {
    const h = helper();
    const custom = makeTask({ taskChannelUniqueName: 'acme-webchat', attributes: { conversationSid: 'CH1' } });
    expect(isChatTask(custom, h)).toBe(true);
    expect(isAssignedChatTask(custom, h)).toBe(true);
    expect(h.isChatBasedTask).toHaveBeenCalledWith(custom);
  });

  it('follows Flex when it says a task is not chat-based, whatever its channel is called', () => {
    const h = helper({ isChatBasedTask: () => false });
    expect(isChatTask(makeTask({ taskChannelUniqueName: 'chat' }), h)).toBe(false);
  });

  it('leaves out email tasks (Flex’s isEmailTask, or the email channel), though they carry a Conversation', () => {
    const h = helper({ isChatBasedTask: () => true });
    expect(isChatTask(makeTask({ channelType: 'email', taskChannelUniqueName: 'acme-mail' }), h)).toBe(false);
    expect(isChatTask(makeTask({ taskChannelUniqueName: 'email' }), h)).toBe(false);
  });

  it('needs a Conversation to send the link to, even on a chat-based task', () => {
    const h = helper({ isChatBasedTask: () => true, getTaskConversationSid: () => '' });
    expect(isChatTask(makeTask(), h)).toBe(false);
  });

  it('without TaskHelper on the Flex object (or when it throws), uses Flex’s base rule: the task names a Conversation', () => {
    expect(isChatTask(makeTask({ taskChannelUniqueName: 'acme-webchat', attributes: { conversationSid: 'CH1' } }))).toBe(true);
    expect(isChatTask(makeTask({ taskChannelUniqueName: 'custom', attributes: { channelSid: 'CH2' } }))).toBe(true);
    expect(isChatTask(makeTask({ taskChannelUniqueName: 'voice', attributes: { call_sid: 'CA1' } }))).toBe(false);
    expect(isChatTask(makeTask({ taskChannelUniqueName: 'email', attributes: { conversationSid: 'CH1' } }))).toBe(false);
    const throwing = helper({
      isChatBasedTask: () => {
        throw new Error('FlexModule not initialized');
      },
    });
    expect(isChatTask(makeTask({ taskChannelUniqueName: 'acme-webchat' }), throwing)).toBe(true);
    expect(isChatTask(undefined, helper())).toBe(false);
  });
});

describe('the task’s Conversation (TaskHelper.getTaskConversationSid)', () => {
  it('is Flex’s answer, with no prefix required', () => {
    const h = helper({ getTaskConversationSid: () => ' CHfromflex ' });
    expect(conversationSidOf(makeTask({ attributes: { conversationSid: 'CHother' } }), h)).toBe('CHfromflex');
    // A SID without the CH prefix is passed on as Flex gives it (the service checks it).
    const plain = helper({ getTaskConversationSid: (task) => task.attributes.conversationSid });
    expect(conversationSidOf(makeTask({ attributes: { conversationSid: 'IS0123' } }), plain)).toBe('IS0123');
  });

  it('is undefined when Flex finds none', () => {
    expect(conversationSidOf(makeTask(), helper({ getTaskConversationSid: () => '' }))).toBeUndefined();
  });

  it('without TaskHelper: conversationSid, else channelSid, trimmed, as Flex’s base helper reads them', () => {
    expect(conversationSidOf(makeTask({ attributes: { conversationSid: ' CH1 ', channelSid: 'CH2' } }))).toBe('CH1');
    expect(conversationSidOf(makeTask({ attributes: { channelSid: 'CH2' } }))).toBe('CH2');
    expect(conversationSidOf(makeTask({ attributes: { conversationSid: 'XX9' } }))).toBe('XX9');
    expect(conversationSidOf(makeTask({ attributes: {} }))).toBeUndefined();
  });
});

describe('writing the task’s attributes (only the plugin’s key, on the latest revision)', () => {
  /** A Flex ITask whose TaskRouter Task (`source`) holds newer attributes than Flex's copy. */
  function taskWithSource(serverAttributes: Record<string, unknown>[]) {
    const task = makeTask({ attributes: { conversationSid: 'CH1', stale: true } });
    let version = 0;
    const source = {
      attributes: {} as Record<string, unknown>,
      version: '0',
      fetchLatestVersion: vi.fn(async () => {
        source.attributes = serverAttributes[Math.min(version, serverAttributes.length - 1)];
        source.version = String(version++);
        return source;
      }),
    };
    task.source = source;
    return { task, source };
  }

  const conflict = () => new Error('Request failed with status code 412. The task was modified.');

  it('re-reads the task from TaskRouter right before writing and changes only its own key', async () => {
    const { task, source } = taskWithSource([{ conversationSid: 'CH1', survey: 'opt-in', videoEscalation: { joinUrl: 'https://old/join/X' } }]);
    const latest = vi.fn(() => ({ fromFlexStore: true }));
    await mergeTaskVideoAttributes(task, { escalationId: 'e1', status: 'open' }, latest);
    expect(source.fetchLatestVersion).toHaveBeenCalledTimes(1);
    expect(source.fetchLatestVersion.mock.invocationCallOrder[0]).toBeLessThan(task.setAttributes.mock.invocationCallOrder[0]);
    expect(task.setAttributes).toHaveBeenCalledWith({
      conversationSid: 'CH1',
      survey: 'opt-in',
      // An older plugin's join URL is dropped: only the escalation id and state are kept.
      videoEscalation: { escalationId: 'e1', status: 'open' },
    });
    // TaskRouter's copy was at hand: Flex's store copy was not needed.
    expect(latest).not.toHaveBeenCalled();
  });

  it('on a revision conflict (412) reads the task again and merges onto the newer attributes', async () => {
    const { task, source } = taskWithSource([
      { conversationSid: 'CH1' },
      { conversationSid: 'CH1', wrapupNote: 'written meanwhile' },
    ]);
    task.setAttributes.mockRejectedValueOnce(conflict());
    await mergeTaskVideoAttributes(task, { escalationId: 'e1', status: 'open' });
    expect(source.fetchLatestVersion).toHaveBeenCalledTimes(2);
    expect(task.setAttributes).toHaveBeenCalledTimes(2);
    expect(task.setAttributes.mock.calls[1][0]).toEqual({
      conversationSid: 'CH1',
      wrapupNote: 'written meanwhile',
      videoEscalation: { escalationId: 'e1', status: 'open' },
    });
  });

  it(`gives up after ${ATTRIBUTE_WRITE_ATTEMPTS} conflicts, and never retries another error`, async () => {
    const { task } = taskWithSource([{ conversationSid: 'CH1' }]);
    task.setAttributes.mockRejectedValue(conflict());
    await expect(mergeTaskVideoAttributes(task, { status: 'completed' })).rejects.toThrow(/412/);
    expect(task.setAttributes).toHaveBeenCalledTimes(ATTRIBUTE_WRITE_ATTEMPTS);

    const other = taskWithSource([{ conversationSid: 'CH1' }]).task;
    other.setAttributes.mockRejectedValue(new Error('Request failed with status code 403. Forbidden'));
    await expect(mergeTaskVideoAttributes(other, { status: 'completed' })).rejects.toThrow(/403/);
    expect(other.setAttributes).toHaveBeenCalledTimes(1);
  });

  it('without TaskRouter’s task (or when it cannot be read): Flex’s store copy, else the task’s own attributes', async () => {
    const task = makeTask({ attributes: { conversationSid: 'CH1' } });
    await mergeTaskVideoAttributes(task, { escalationId: 'e1' }, () => ({ conversationSid: 'CH1', survey: 'opt-in' }));
    expect(task.setAttributes).toHaveBeenLastCalledWith({ conversationSid: 'CH1', survey: 'opt-in', videoEscalation: { escalationId: 'e1' } });

    const unreadable = makeTask({ attributes: { conversationSid: 'CH1', mine: 1 } });
    unreadable.source = { fetchLatestVersion: vi.fn().mockRejectedValue(new Error('Network error')) };
    vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    await mergeTaskVideoAttributes(unreadable, { escalationId: 'e2' });
    expect(unreadable.setAttributes).toHaveBeenLastCalledWith({ conversationSid: 'CH1', mine: 1, videoEscalation: { escalationId: 'e2' } });
  });

  it('tells a revision conflict from other errors', () => {
    expect(isRevisionConflict(conflict())).toBe(true);
    expect(isRevisionConflict({ status: 412 })).toBe(true);
    expect(isRevisionConflict({ response: { status: 412 } })).toBe(true);
    expect(isRevisionConflict(new Error('Precondition Failed'))).toBe(true);
    expect(isRevisionConflict(new Error('Request failed with status code 4120'))).toBe(false);
    expect(isRevisionConflict(new Error('Network error'))).toBe(false);
    expect(isRevisionConflict(undefined)).toBe(false);
  });
});
