import React, { useEffect } from 'react';
import { useTaskEscalation } from '../hooks';
import type { PluginServices } from '../services';
import { defaultTranslate } from '../strings';
import type { TaskLike } from '../task';
import { Spinner, VideoIcon } from './icons';
import type { ThemeLike } from './theme';
import { UiScope, useUi } from './ui';

export interface VideoEscalationButtonProps {
  /** Injected by Flex into TaskCanvasHeader children. */
  task?: TaskLike;
  services: PluginServices;
  /** Flex's theme (withTheme). */
  theme?: ThemeLike;
}

/** Flex's icon for it (Flex 2.x icon set). */
export const FLEX_VIDEO_ICON = 'Video';

const fallbackStyle: React.CSSProperties = {
  display: 'inline-flex',
  alignItems: 'center',
  justifyContent: 'center',
  width: 32,
  height: 32,
  padding: 0,
  border: 'none',
  background: 'transparent',
  color: 'inherit',
  cursor: 'pointer',
};

/**
 * The video icon in a chat task's header: creates (or reuses) the task's
 * escalation. A plain button, not a toggle (no aria-pressed): pressing it
 * again never switches video off; its title says what state the call is in.
 */
export function VideoEscalationButton({ task, services, theme }: VideoEscalationButtonProps): JSX.Element | null {
  if (!task) return null;
  return (
    <UiScope ui={services.ui} theme={theme} t={services.t}>
      <HeaderButton task={task} services={services} />
    </UiScope>
  );
}

function HeaderButton({ task, services }: { task: TaskLike; services: PluginServices }): JSX.Element {
  const { ui, palette } = useUi();
  const state = useTaskEscalation(services.store, task.taskSid);
  const taskSid = task.taskSid;
  useEffect(() => {
    void services.store.load(task);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [taskSid, services]);
  const t = services.t ?? defaultTranslate;

  const busy = state.phase === 'creating' || state.phase === 'completing';
  const open = state.phase === 'open';
  const title = busy
    ? t('VideoEscalationStarting')
    : open
      ? t('VideoEscalationStartedOpenTab')
      : state.phase === 'error'
        ? t('VideoEscalationRetry')
        : t('VideoEscalationSwitchToVideo');

  const onClick = async () => {
    if (busy) return;
    const escalation = await services.store.escalate(task);
    if (escalation) services.onEscalated?.(task.taskSid);
  };

  const common = {
    'aria-label': t('VideoEscalationSwitchToVideo'),
    title,
    disabled: busy,
    'aria-busy': busy,
    'data-phase': state.phase,
    onClick: () => void onClick(),
  };
  if (ui.IconButton) {
    const FlexIconButton = ui.IconButton;
    return (
      <FlexIconButton
        {...common}
        type="button"
        variant="secondary"
        icon={busy ? <Spinner label={t('VideoEscalationStarting')} /> : FLEX_VIDEO_ICON}
      />
    );
  }
  return (
    <button
      {...common}
      type="button"
      style={{ ...fallbackStyle, borderRadius: palette.radius, cursor: busy ? 'progress' : 'pointer', opacity: busy ? 0.6 : 1 }}
    >
      {busy ? <Spinner label={t('VideoEscalationStarting')} /> : <VideoIcon />}
    </button>
  );
}
