/**
 * The one place the plugin uses Flex names that are not public API.
 *
 * Flex 2.x has no public way to select a task canvas tab. Flex itself does it
 * with the action `SetComponentState` (its payload type is marked `@package`
 * in the typings) and the component-state name `AgentTaskCanvasTabs` (only
 * in Flex's bundle, not in its typings); the state lands in
 * `flex.view.componentViewStates`, which the public `ViewState` type
 * documents. Either name may change in a Flex release without notice, so the
 * plugin checks that the tab really was selected, and the caller falls back to
 * telling the agent where the call is (a Flex notification).
 */

export const SET_COMPONENT_STATE_ACTION = 'SetComponentState';
/** The component-state name of the agent's task canvas tabs. */
export const AGENT_TASK_TABS_STATE = 'AgentTaskCanvasTabs';

export interface FlexInternalsDeps {
  /** `flex.Actions.invokeAction`. */
  invokeAction(name: string, payload?: unknown): unknown;
  /** `manager.store.getState`. */
  getState(): unknown;
}

function selectedTab(state: unknown, component: string): unknown {
  const views = (state as { flex?: { view?: { componentViewStates?: Record<string, unknown> } } } | undefined)?.flex?.view
    ?.componentViewStates;
  const own = views?.[component] as { selectedTabName?: unknown } | undefined;
  return own?.selectedTabName;
}

/**
 * Selects the tab `tabName` of the agent's task canvas. Resolves true only
 * when Flex's state then says that tab is selected; false when the action
 * failed, does not exist, or changed nothing (a Flex release renamed either
 * internal name). Never rejects.
 */
export async function selectAgentTaskTab(deps: FlexInternalsDeps, tabName: string): Promise<boolean> {
  try {
    await deps.invokeAction(SET_COMPONENT_STATE_ACTION, {
      name: AGENT_TASK_TABS_STATE,
      state: { selectedTabName: tabName },
    });
  } catch {
    return false;
  }
  try {
    return selectedTab(deps.getState(), AGENT_TASK_TABS_STATE) === tabName;
  } catch {
    return false;
  }
}
