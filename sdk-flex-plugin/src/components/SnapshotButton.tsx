import React, { useEffect, useRef, useState } from 'react';
import { ProblemError } from '../api/errors';
import { NoFrameError, snapshotRefusal, SnapshotSaveError, takeSnapshot, type AnnotatorStrings, type SnapshotRefusal } from '../snapshot';
import type { StringKey, Translate } from '../strings';
import type { SessionSnapshot, VideoSession } from '../video/session';
import { ActionButton, Str, useUi } from './ui';

/** How long "Snapshot saved" stays. */
export const SAVED_NOTICE_MS = 6_000;

const REFUSALS: Record<SnapshotRefusal, StringKey> = {
  disabled: 'VideoEscalationSnapshotDisabled',
  limit: 'VideoEscalationSnapshotLimit',
  too_large: 'VideoEscalationSnapshotTooLarge',
  not_an_image: 'VideoEscalationSnapshotNotAnImage',
  ended: 'VideoEscalationSnapshotEnded',
  offline: 'VideoEscalationSnapshotOffline',
  failed: 'VideoEscalationSnapshotFailed',
};

export function annotatorStrings(t: Translate): AnnotatorStrings {
  return {
    title: t('VideoEscalationSnapshotTitle'),
    arrow: t('VideoEscalationSnapshotArrow'),
    circle: t('VideoEscalationSnapshotCircle'),
    freehand: t('VideoEscalationSnapshotFreehand'),
    text: t('VideoEscalationSnapshotText'),
    textLabel: t('VideoEscalationSnapshotTextLabel'),
    undo: t('VideoEscalationSnapshotUndo'),
    cancel: t('VideoEscalationSnapshotCancel'),
    save: t('VideoEscalationSnapshotSave'),
    saving: t('VideoEscalationSnapshotSaving'),
  };
}

/** The customer's camera as it plays now: a live video track of a customer whose camera is on. */
export function customerVideoTrack(snapshot: SessionSnapshot): MediaStreamTrack | undefined {
  for (const r of snapshot.remotes) {
    if (r.role !== 'customer' || !r.video) continue;
    const track = r.stream?.getVideoTracks().find((t) => t.readyState === 'live');
    if (track) return track;
  }
  return undefined;
}

export interface SnapshotButtonProps {
  session: VideoSession;
  snapshot: SessionSnapshot;
  t: Translate;
  /** Saves the picture to the escalation (the API's createSnapshot); rejects with its ProblemError. */
  save: (picture: Blob) => Promise<unknown>;
}

/**
 * "Take snapshot" while a customer's video plays: a still at its full
 * resolution, annotated over the page (src/snapshot), saved to the
 * escalation, then the customers are told (their page says so) and a short
 * "Snapshot saved" shows here. A refusal is said in the annotator; a video
 * that gives no frame, here.
 */
export function SnapshotButton({ session, snapshot, t, save }: SnapshotButtonProps): JSX.Element | null {
  const { palette } = useUi();
  const [busy, setBusy] = useState(false);
  const taking = useRef(false);
  const [note, setNote] = useState<{ key: StringKey; alert: boolean } | undefined>();
  const mounted = useRef(true);
  useEffect(
    () => () => {
      mounted.current = false;
    },
    [],
  );
  useEffect(() => {
    if (!note || note.alert) return undefined;
    const timer = setTimeout(() => setNote(undefined), SAVED_NOTICE_MS);
    return () => clearTimeout(timer);
  }, [note]);

  const track = customerVideoTrack(snapshot);
  if (!track && !busy && !note) return null;

  const take = async () => {
    // A ref, not the state: two clicks in one render must not open two annotators.
    if (!track || taking.current) return;
    taking.current = true;
    setBusy(true);
    setNote(undefined);
    try {
      const saved = await takeSnapshot({
        track,
        strings: annotatorStrings(t),
        describe: (refusal) => t(REFUSALS[refusal]),
        upload: (picture) =>
          save(picture).catch((err: unknown) => {
            throw new SnapshotSaveError(err instanceof ProblemError ? snapshotRefusal(err.status, err.code) : 'failed');
          }),
      });
      if (saved === undefined) return;
      // The customer must hear of it; if their page cannot be told (a
      // Twilio call whose data track is not up), the agent should say so.
      const told = session.tellSnapshotTaken();
      if (mounted.current) {
        setNote(told ? { key: 'VideoEscalationSnapshotSaved', alert: false } : { key: 'VideoEscalationSnapshotSavedUntold', alert: true });
      }
    } catch (err) {
      if (mounted.current) setNote({ key: err instanceof NoFrameError ? 'VideoEscalationSnapshotNoVideo' : 'VideoEscalationSnapshotFailed', alert: true });
    } finally {
      taking.current = false;
      if (mounted.current) setBusy(false);
    }
  };

  return (
    <>
      {track ? (
        // Not disabled while the annotator is open: it gives focus back to this button when it closes.
        <ActionButton onClick={() => void take()} busy={busy} data-testid="take-snapshot">
          <Str k="VideoEscalationTakeSnapshot" />
        </ActionButton>
      ) : null}
      {note ? (
        <span role={note.alert ? 'alert' : 'status'} data-testid={note.alert ? 'snapshot-problem' : 'snapshot-saved'} style={note.alert ? { color: palette.error } : undefined}>
          <Str k={note.key} />
        </span>
      ) : null}
    </>
  );
}
