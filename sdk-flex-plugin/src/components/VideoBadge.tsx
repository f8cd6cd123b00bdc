import React from 'react';
import { useVideoSession, useSessionSnapshot } from '../hooks';
import type { PluginServices } from '../services';
import { defaultTranslate } from '../strings';
import type { TaskLike } from '../task';
import { VideoIcon } from './icons';

export interface VideoBadgeProps {
  /** Injected by Flex into TaskListItem (and TaskCanvasHeader) children. */
  task?: TaskLike;
  services: PluginServices;
}

const style: React.CSSProperties = {
  display: 'inline-flex',
  alignItems: 'center',
  gap: 4,
  padding: '0 6px',
  borderRadius: 10,
  background: '#0263e0',
  color: '#fff',
  fontSize: 11,
  lineHeight: '18px',
  whiteSpace: 'nowrap',
};

/** "On video": shown on the task whose call is live, so the agent finds it among several tasks. */
export function VideoBadge({ task, services }: VideoBadgeProps): JSX.Element | null {
  const session = useVideoSession(services.sessions, task?.taskSid);
  const snapshot = useSessionSnapshot(session);
  if (!task || !session || !snapshot?.connected) return null;
  const t = services.t ?? defaultTranslate;
  return (
    <span style={style} data-testid="video-badge" role="status" data-status={snapshot.status}>
      <span style={{ display: 'inline-flex', transform: 'scale(0.7)' }}>
        <VideoIcon />
      </span>
      {t('VideoEscalationOnVideo')}
    </span>
  );
}
