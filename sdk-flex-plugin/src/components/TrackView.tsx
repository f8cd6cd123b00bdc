import React, { useEffect, useRef } from 'react';

export interface AttachableTrack {
  attach(): HTMLMediaElement;
  detach(element?: HTMLMediaElement): HTMLMediaElement | HTMLMediaElement[];
}

/** Shows a twilio-video track (video or audio) while mounted. */
export function TrackView({ track, label }: { track: AttachableTrack; label: string }): JSX.Element {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = track.attach();
    el.style.width = '100%';
    el.style.borderRadius = '4px';
    ref.current?.appendChild(el);
    return () => {
      track.detach(el);
      el.remove();
    };
  }, [track]);
  return <div ref={ref} aria-label={label} data-testid={label} />;
}
