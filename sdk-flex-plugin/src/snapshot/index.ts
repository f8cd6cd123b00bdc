/**
 * Snapshots of a customer's video: a still at the track's full resolution
 * (capture.ts), annotated (annotator.ts, draw.ts), flattened into a JPEG
 * (encode.ts) and handed to the caller to upload; the caller then tells the
 * customers (Call.tell 'snapshot_taken'). Framework-free, for the Flex
 * plugin's call panel and the dashboard's test call (web/snapshot.ts, bundled
 * into dashboard/assets/snapshot.js) alike; every word comes from the caller.
 */
import { annotate, SaveRefused, type AnnotatorStrings } from './annotator';
import { captureStill } from './capture';
import { encodeJpeg, TooLargeError } from './encode';
import { FINAL_REFUSALS, SnapshotSaveError, type SnapshotRefusal } from './refusal';

export { Annotator, annotate, SaveRefused, DEFAULT_COLOUR, type AnnotatorOptions, type AnnotatorStrings } from './annotator';
export { captureStill, MAX_SIDE, NoFrameError } from './capture';
export { encodeJpeg, MAX_BYTES, TooLargeError } from './encode';
export { FINAL_REFUSALS, snapshotRefusal, SnapshotSaveError, type SnapshotRefusal } from './refusal';
export type { Shape, Tool } from './draw';

export interface TakeSnapshotOptions<T> {
  /** The customer's video track. */
  track: MediaStreamTrack;
  /** A <video> playing it, if the page has one (see captureStill). */
  video?: HTMLVideoElement | null;
  strings: AnnotatorStrings;
  /** The words for a refused save, shown in the annotator. */
  describe: (refusal: SnapshotRefusal) => string;
  /**
   * Sends the picture (a JPEG of `width` × `height`); throws a
   * SnapshotSaveError for a refusal (anything else counts as `failed`).
   */
  upload: (picture: Blob, size: { width: number; height: number }) => Promise<T>;
  /** Where the annotator goes (default: the document's body). */
  parent?: HTMLElement;
  colour?: string;
}

/**
 * Takes a still, lets the agent annotate it and saves it: `upload`'s answer
 * once saved, undefined when the agent cancelled. Rejects with NoFrameError
 * when the video gives no frame (nothing is shown then).
 */
export async function takeSnapshot<T>(options: TakeSnapshotOptions<T>): Promise<T | undefined> {
  const image = await captureStill(options.track, { video: options.video });
  let saved: T | undefined;
  const refused = (refusal: SnapshotRefusal) => new SaveRefused(options.describe(refusal), FINAL_REFUSALS.includes(refusal));
  const done = await annotate({
    image,
    strings: options.strings,
    parent: options.parent,
    colour: options.colour,
    save: async (picture) => {
      let jpeg: Blob;
      try {
        jpeg = await encodeJpeg(picture);
      } catch (err) {
        throw refused(err instanceof TooLargeError ? 'too_large' : 'failed');
      }
      try {
        saved = await options.upload(jpeg, { width: picture.width, height: picture.height });
      } catch (err) {
        throw refused(err instanceof SnapshotSaveError ? err.refusal : 'failed');
      }
    },
  });
  return done ? saved : undefined;
}
