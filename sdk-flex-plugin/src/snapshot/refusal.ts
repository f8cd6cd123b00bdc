/**
 * Why a snapshot was not saved, as the callers word it (the plugin's
 * strings, the test call's): the service's problem codes, by what the agent
 * can do about it.
 */

export type SnapshotRefusal =
  /** The contact center turned snapshots off (409 `snapshots_disabled`). */
  | 'disabled'
  /** The escalation holds as many as allowed (409 `snapshot_limit_reached`). */
  | 'limit'
  /** Over the size bound (413 `snapshot_too_large`, or too large to send at all). */
  | 'too_large'
  /** Not a picture the service takes (415 `snapshot_not_an_image`). */
  | 'not_an_image'
  /** The call is over (409 `escalation_not_open`, 410). */
  | 'ended'
  /** No answer: the network or the service. */
  | 'offline'
  /** Anything else (a 5xx, a refused credential, ...). */
  | 'failed';

/** Refusals that trying again cannot change: the picture is not offered for saving again. */
export const FINAL_REFUSALS: readonly SnapshotRefusal[] = ['disabled', 'limit', 'ended'];

/** The refusal an answer means: its status (0: no answer) and its problem `code`. */
export function snapshotRefusal(status: number, code?: string): SnapshotRefusal {
  switch (code) {
    case 'snapshots_disabled':
      return 'disabled';
    case 'snapshot_limit_reached':
      return 'limit';
    case 'snapshot_too_large':
      return 'too_large';
    case 'snapshot_not_an_image':
      return 'not_an_image';
    case 'escalation_not_open':
    case 'code_completed':
      return 'ended';
  }
  if (status === 0) return 'offline';
  if (status === 413) return 'too_large';
  if (status === 415) return 'not_an_image';
  if (status === 410) return 'ended';
  return 'failed';
}

/** A refused save: what a caller's `upload` throws (see takeSnapshot), which words it for the agent. */
export class SnapshotSaveError extends Error {
  constructor(
    readonly refusal: SnapshotRefusal,
    detail?: string,
  ) {
    super(detail ? `snapshot ${refusal}: ${detail}` : `snapshot ${refusal}`);
    this.name = 'SnapshotSaveError';
  }
}
