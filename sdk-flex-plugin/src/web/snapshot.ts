/**
 * Snapshots on the dashboard's test call (the join page in staff mode, see
 * dashboard/templates/join.html and dashboard/assets/join.js), the same
 * capture and annotator as the Flex plugin's (src/snapshot):
 *
 *   EscalateSnapshot.take({ video, url, csrf, strings }) -> Promise<snapshot | null>
 *
 * `video` is the <video> playing the customer (its live video track is
 * taken, at the track's own resolution); the picture goes to `url` (POST, the
 * admin's session cookie, `csrf` as X-CSRF-Token); `strings` are the page's
 * words by their data-t-* names (the `dataset` of <main id="join">, see
 * WORDS). It resolves with the service's answer (201) once saved, null when
 * the agent cancelled, and rejects with `{ reason: 'no_video' }` when there
 * is no frame to take. The service's refusals are said in the annotator.
 * Telling the customer is the page's (call.tell('snapshot_taken')).
 *
 * `npm run build:web` bundles this file into dashboard/assets/snapshot.js,
 * which only the staff test call loads.
 */
import { NoFrameError, snapshotRefusal, SnapshotSaveError, takeSnapshot, type AnnotatorStrings, type SnapshotRefusal } from '../snapshot';

/** The annotator's words, by the page's data-t-* names (dataset keys). */
export const WORDS: Record<keyof AnnotatorStrings, string> = {
  title: 'tSnapshotTitle',
  arrow: 'tSnapshotArrow',
  circle: 'tSnapshotCircle',
  freehand: 'tSnapshotFreehand',
  text: 'tSnapshotText',
  textLabel: 'tSnapshotTextLabel',
  undo: 'tSnapshotUndo',
  cancel: 'tSnapshotCancel',
  save: 'tSnapshotSave',
  saving: 'tSnapshotSaving',
};

/** A refusal's words, likewise. */
export const REFUSAL_WORDS: Record<SnapshotRefusal, string> = {
  disabled: 'tSnapshotDisabled',
  limit: 'tSnapshotLimit',
  too_large: 'tSnapshotTooLarge',
  not_an_image: 'tSnapshotNotAnImage',
  ended: 'tSnapshotEnded',
  offline: 'tSnapshotOffline',
  failed: 'tSnapshotFailed',
};

export interface TakeOptions {
  video: HTMLVideoElement;
  url: string;
  csrf: string;
  strings: Record<string, string | undefined>;
}

/** Posts the picture as it is; a refusal as a SnapshotSaveError (by its problem code). */
async function upload(url: string, csrf: string, picture: Blob): Promise<unknown> {
  let resp: Response;
  try {
    resp = await fetch(url, {
      method: 'POST',
      credentials: 'same-origin',
      cache: 'no-store',
      headers: { 'Content-Type': picture.type, Accept: 'application/json', 'X-CSRF-Token': csrf },
      body: picture,
    });
  } catch {
    throw new SnapshotSaveError('offline');
  }
  const body = (await resp.json().catch(() => null)) as { code?: unknown } | null;
  if (resp.ok) return body ?? {};
  throw new SnapshotSaveError(snapshotRefusal(resp.status, typeof body?.code === 'string' ? body.code : undefined));
}

export async function take({ video, url, csrf, strings }: TakeOptions): Promise<unknown> {
  const stream = video.srcObject as MediaStream | null;
  const track = stream?.getVideoTracks().find((t) => t.readyState === 'live');
  if (!track) throw { reason: 'no_video' };
  const word = (key: string) => strings[key] ?? '';
  const annotator = Object.fromEntries(Object.entries(WORDS).map(([k, v]) => [k, word(v)])) as unknown as AnnotatorStrings;
  try {
    const saved = await takeSnapshot({
      track,
      video,
      strings: annotator,
      describe: (refusal) => word(REFUSAL_WORDS[refusal]),
      upload: (picture) => upload(url, csrf, picture),
    });
    return saved === undefined ? null : saved;
  } catch (err) {
    if (err instanceof NoFrameError) throw { reason: 'no_video' };
    throw err;
  }
}

(window as unknown as { EscalateSnapshot: unknown }).EscalateSnapshot = { take };
