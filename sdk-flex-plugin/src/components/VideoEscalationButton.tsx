import React, { useEffect } from 'react';
import { useTaskEscalation } from '../hooks';
import type { PluginServices } from '../services';
import { defaultTranslate } from '../strings';
import type { TaskLike } from '../task';
import { Spinner, VideoIcon } from './icons';

export interface VideoEscalationButtonProps {
  /** Injected by Flex into TaskCanvasHeader children. */
  task?: TaskLike;
  services: PluginServices;
}

const style: React.CSSProperties = {
  display: 'inline-flex',
  alignItems: 'center',
  justifyContent: 'center',
  width: 32,
  height: 32,
  padding: 0,
  border: 'none',
  borderRadius: 4,
  background: 'transparent',
  color: 'inherit',
  cursor: 'pointer',
};

/** The video icon in a chat task's header: creates (or reuses) the task's escalation. */
export function VideoEscalationButton({ task, services }: VideoEscalationButtonProps): JSX.Element | null {
  const state = useTaskEscalation(services.store, task?.taskSid);
  const taskSid = task?.taskSid;
  useEffect(() => {
    if (task) void services.store.load(task);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [taskSid, services]);
  if (!task) return null;
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

  return (
    <button
      type="button"
      aria-label={t('VideoEscalationSwitchToVideo')}
      title={title}
      disabled={busy}
      aria-busy={busy}
      aria-pressed={open}
      data-phase={state.phase}
      style={{ ...style, cursor: busy ? 'progress' : 'pointer', opacity: busy ? 0.6 : 1 }}
      onClick={onClick}
    >
      {busy ? <Spinner label={t('VideoEscalationStarting')} /> : <VideoIcon />}
    </button>
  );
}
