import { describe, expect, it, vi } from 'vitest';
import { AGENT_TASK_TABS_STATE, SET_COMPONENT_STATE_ACTION, selectAgentTaskTab } from '../src/flexInternals';

/** Flex's store and its SetComponentState as Flex 2.x has them (componentViewStates per component name). */
function flexLike() {
  const componentViewStates: Record<string, unknown> = {};
  return {
    componentViewStates,
    invokeAction: vi.fn(async (name: string, payload: { name: string; state: unknown }) => {
      if (name !== SET_COMPONENT_STATE_ACTION) throw new Error(`no action ${name}`);
      componentViewStates[payload.name] = payload.state;
    }),
    getState: () => ({ flex: { view: { componentViewStates } } }),
  };
}

describe('selectAgentTaskTab', () => {
  it('selects the tab through the internal names and checks Flex’s state says so', async () => {
    const f = flexLike();
    expect(await selectAgentTaskTab(f, 'video-escalation')).toBe(true);
    expect(f.invokeAction).toHaveBeenCalledWith('SetComponentState', {
      name: 'AgentTaskCanvasTabs',
      state: { selectedTabName: 'video-escalation' },
    });
    expect(f.componentViewStates[AGENT_TASK_TABS_STATE]).toEqual({ selectedTabName: 'video-escalation' });
  });

  it('is false, never throws, when the action is gone (rejects or throws at once)', async () => {
    const f = flexLike();
    f.invokeAction.mockRejectedValueOnce(new Error('unknown action'));
    expect(await selectAgentTaskTab(f, 'video-escalation')).toBe(false);
    const throwing = { ...f, invokeAction: () => { throw new Error('sync'); } };
    expect(await selectAgentTaskTab(throwing, 'video-escalation')).toBe(false);
  });

  it('is false when the action changed nothing (the component-state name moved) or the state cannot be read', async () => {
    const renamed = { ...flexLike(), invokeAction: vi.fn(async () => undefined) };
    expect(await selectAgentTaskTab(renamed, 'video-escalation')).toBe(false);
    const otherTab = flexLike();
    otherTab.invokeAction.mockImplementationOnce(async () => {
      otherTab.componentViewStates[AGENT_TASK_TABS_STATE] = { selectedTabName: 'info' };
    });
    expect(await selectAgentTaskTab(otherTab, 'video-escalation')).toBe(false);
    const unreadable = { ...flexLike(), getState: () => { throw new Error('no store'); } };
    expect(await selectAgentTaskTab(unreadable, 'video-escalation')).toBe(false);
  });
});
