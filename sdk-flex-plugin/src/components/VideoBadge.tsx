import React from 'react';
import { useVideoSession, useSessionSnapshot } from '../hooks';
import type { PluginServices } from '../services';
import { defaultTranslate } from '../strings';
import type { TaskLike } from '../task';
import { VideoIcon } from './icons';
import { badgeStyle, paletteOf, recordingDotStyle, type ThemeLike } from './theme';
import { FlexString } from './ui';

export interface VideoBadgeProps {
  /** Injected by Flex into TaskListItem (and TaskCanvasHeader) children. */
  task?: TaskLike;
  services: PluginServices;
  /** Flex's theme (withTheme): the badge takes its colours from the theme's tokens. */
  theme?: ThemeLike;
}

/** "On video": shown on the task whose call is live, so the agent finds it among several tasks. */
export function VideoBadge({ task, services, theme }: VideoBadgeProps): JSX.Element | null {
  const session = useVideoSession(services.sessions, task?.taskSid);
  const snapshot = useSessionSnapshot(session);
  if (!task || !session || !snapshot?.connected) return null;
  const t = services.t ?? defaultTranslate;
  const palette = paletteOf(theme);
  return (
    <span
      style={badgeStyle(palette)}
      data-testid="video-badge"
      role="status"
      data-status={snapshot.status}
      data-recording={String(snapshot.recording)}
    >
      <span style={{ display: 'inline-flex', transform: 'scale(0.7)' }}>
        <VideoIcon />
      </span>
      <FlexString ui={services.ui} t={t} k="VideoEscalationOnVideo" />
      {/* A recorded call: a small red dot, named for screen readers. */}
      {snapshot.recording ? (
        <span
          role="img"
          aria-label={t('VideoEscalationRecordingLabel')}
          title={t('VideoEscalationRecordingLabel')}
          data-testid="video-badge-recording"
          style={recordingDotStyle(palette, 7, palette.onPrimary)}
        />
      ) : null}
    </span>
  );
}
