import React, { useEffect, useRef } from 'react';
import { VIDEO_BACKGROUND } from './theme';
import { useUi } from './ui';

/**
 * Shows a MediaStream while mounted: `<video autoplay playsinline muted>`.
 * Always muted: the remote audio plays from the session's audio sink, outside
 * the Video tab (so it goes on when Flex unmounts the tab), and the agent's
 * own preview must not play their microphone back to them.
 */
export function MediaView({
  stream,
  label,
  testId,
  local = false,
}: {
  stream: MediaStream;
  /** What a screen reader says (a Flex string). */
  label: string;
  testId: string;
  local?: boolean;
}): JSX.Element {
  const { palette } = useUi();
  const ref = useRef<HTMLVideoElement>(null);
  useEffect(() => {
    const el = ref.current;
    if (!el) return undefined;
    // Not a React prop: React 17 sets `muted` during rendering, which media
    // elements answer with an event mid-render. Set it before the stream plays.
    el.muted = true;
    el.setAttribute('muted', '');
    el.srcObject = stream;
    return () => {
      el.srcObject = null;
    };
  }, [stream, local]);
  return (
    <video
      ref={ref}
      autoPlay
      playsInline
      aria-label={label}
      data-testid={testId}
      style={{ width: '100%', borderRadius: palette.radius, background: VIDEO_BACKGROUND, transform: local ? 'scaleX(-1)' : undefined }}
    />
  );
}
