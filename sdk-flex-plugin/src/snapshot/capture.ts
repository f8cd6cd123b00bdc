/**
 * A still of a video track at the track's own resolution, not at the size
 * the page shows it: ImageCapture.grabFrame() where the browser has it
 * (Chromium), else the frame a playing <video> of the track shows, drawn on
 * a canvas of its videoWidth × videoHeight. A side over MAX_SIDE (the
 * service's bound) is scaled down to it.
 */

/** The largest side the service takes, in pixels. */
export const MAX_SIDE = 4096;

/** Why there is no still: no frame came (the video is not playing, or was never decoded). */
export class NoFrameError extends Error {
  constructor() {
    super('No frame of the video could be had');
    this.name = 'NoFrameError';
  }
}

type Frame = CanvasImageSource & { close?: () => void };
type ImageCaptureLike = { grabFrame(): Promise<ImageBitmap> };
type ImageCaptureConstructor = new (track: MediaStreamTrack) => ImageCaptureLike;

export interface CaptureOptions {
  /** A <video> already playing the track (the call view's): used instead of a hidden one of our own. */
  video?: HTMLVideoElement | null;
  /** How long a frame may take to come (ImageCapture's, or a hidden <video>'s first). */
  timeoutMs?: number;
}

/** The still as a canvas of its size. Rejects with NoFrameError when no frame comes. */
export async function captureStill(track: MediaStreamTrack, { video, timeoutMs = 3_000 }: CaptureOptions = {}): Promise<HTMLCanvasElement> {
  if (track.readyState === 'ended') throw new NoFrameError();
  const bitmap = await grabFrame(track, timeoutMs);
  if (bitmap) {
    try {
      return toCanvas(bitmap, bitmap.width, bitmap.height);
    } finally {
      bitmap.close?.();
    }
  }
  const playing = video && video.videoWidth > 0 && plays(video, track) ? video : undefined;
  if (playing) return toCanvas(playing, playing.videoWidth, playing.videoHeight);
  return fromHiddenVideo(track, timeoutMs);
}

/**
 * ImageCapture's frame, or undefined where there is none (no ImageCapture, a
 * track it refuses, or no frame within a while: grabFrame waits for the next
 * frame, and a muted track sends none).
 */
async function grabFrame(track: MediaStreamTrack, timeoutMs: number): Promise<(ImageBitmap & Frame) | undefined> {
  // Typed here: the DOM library lacks grabFrame.
  const ImageCapture = (globalThis as unknown as { ImageCapture?: ImageCaptureConstructor }).ImageCapture;
  if (typeof ImageCapture !== 'function') return undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const grabbing = new ImageCapture(track).grabFrame();
  try {
    const bitmap = await Promise.race([grabbing, new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), timeoutMs)))]);
    if (!bitmap) {
      // A frame that comes later is of no use: let it go.
      grabbing.then((late) => late.close(), () => undefined);
      return undefined;
    }
    if (bitmap.width > 0 && bitmap.height > 0) return bitmap;
    bitmap.close();
    return undefined;
  } catch {
    return undefined;
  } finally {
    clearTimeout(timer);
  }
}

function plays(video: HTMLVideoElement, track: MediaStreamTrack): boolean {
  const stream = video.srcObject as MediaStream | null;
  return !!stream && typeof stream.getVideoTracks === 'function' && stream.getVideoTracks().includes(track);
}

/** A muted, unattached <video> of the track, long enough for one frame. */
function fromHiddenVideo(track: MediaStreamTrack, timeoutMs: number): Promise<HTMLCanvasElement> {
  const video = document.createElement('video');
  video.muted = true;
  video.playsInline = true;
  video.srcObject = new MediaStream([track]);
  return new Promise<HTMLCanvasElement>((resolve, reject) => {
    // Every way out lets go of the element: no listener, no playback, no stream.
    const release = () => {
      clearTimeout(timer);
      video.removeEventListener('loadeddata', ready);
      video.removeEventListener('resize', ready);
      video.pause();
      video.srcObject = null;
    };
    const done = (result?: HTMLCanvasElement) => {
      release();
      if (result) resolve(result);
      else reject(new NoFrameError());
    };
    const ready = () => {
      if (video.videoWidth > 0 && video.videoHeight > 0) {
        try {
          done(toCanvas(video, video.videoWidth, video.videoHeight));
        } catch (err) {
          release();
          reject(err);
        }
      }
    };
    const timer = setTimeout(() => done(), timeoutMs);
    video.addEventListener('loadeddata', ready);
    video.addEventListener('resize', ready);
    const played = video.play();
    if (played && typeof played.catch === 'function') played.catch(() => undefined);
    ready();
  });
}

/** `source` drawn on a canvas of its size (scaled down to MAX_SIDE). */
export function toCanvas(source: CanvasImageSource, width: number, height: number): HTMLCanvasElement {
  const scale = Math.min(1, MAX_SIDE / Math.max(width, height));
  const canvas = document.createElement('canvas');
  canvas.width = Math.max(1, Math.round(width * scale));
  canvas.height = Math.max(1, Math.round(height * scale));
  const pen = canvas.getContext('2d');
  if (!pen) throw new Error('This browser cannot draw on a canvas');
  pen.drawImage(source, 0, 0, canvas.width, canvas.height);
  return canvas;
}
