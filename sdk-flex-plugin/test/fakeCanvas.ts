/**
 * Canvas fakes for jsdom (which has no 2D context): getContext('2d') gives a
 * FakePen that records what is drawn, toBlob a JPEG-typed Blob of a size the
 * test picks; ImageCapture and a <video>'s frame size are the test's too.
 */
import { vi } from 'vitest';

export class FakePen {
  /** Every drawing call, in order: [name, ...arguments]. */
  readonly calls: unknown[][] = [];
  strokeStyle: unknown = '#000';
  fillStyle: unknown = '#000';
  lineWidth = 1;
  lineCap = 'butt';
  lineJoin = 'miter';
  font = '10px sans-serif';
  textBaseline = 'alphabetic';
  constructor(readonly canvas: HTMLCanvasElement) {}
  private record(name: string, args: unknown[]) {
    this.calls.push([name, ...args]);
  }
  beginPath() {
    this.record('beginPath', []);
  }
  moveTo(...a: number[]) {
    this.record('moveTo', a);
  }
  lineTo(...a: number[]) {
    this.record('lineTo', a);
  }
  stroke() {
    this.record('stroke', [this.strokeStyle, this.lineWidth]);
  }
  ellipse(...a: number[]) {
    this.record('ellipse', a);
  }
  fillText(...a: unknown[]) {
    this.record('fillText', [...a, this.font]);
  }
  strokeText(...a: unknown[]) {
    this.record('strokeText', a);
  }
  save() {
    this.record('save', []);
  }
  restore() {
    this.record('restore', []);
  }
  drawImage(...a: unknown[]) {
    this.record('drawImage', a);
  }
  /** The calls of one kind. */
  of(name: string): unknown[][] {
    return this.calls.filter((c) => c[0] === name).map((c) => c.slice(1));
  }
}

export interface CanvasFakes {
  /** The pen of a canvas (made on its first getContext). */
  penOf(canvas: HTMLCanvasElement): FakePen | undefined;
  /** Every toBlob call: its type and quality. */
  encoded: { type?: string; quality?: number }[];
}

/** Installs the fakes until the test's mocks are restored; `blobBytes(quality)` sizes each encoded picture. */
export function installCanvasFakes(blobBytes: (quality: number | undefined) => number = () => 1_000): CanvasFakes {
  const pens = new Map<HTMLCanvasElement, FakePen>();
  const encoded: CanvasFakes['encoded'] = [];
  vi.spyOn(HTMLCanvasElement.prototype, 'getContext').mockImplementation(function (this: HTMLCanvasElement, kind: string) {
    if (kind !== '2d') return null;
    let pen = pens.get(this);
    if (!pen) pens.set(this, (pen = new FakePen(this)));
    return pen as never;
  } as never);
  vi.spyOn(HTMLCanvasElement.prototype, 'toBlob').mockImplementation(function (callback: BlobCallback, type?: string, quality?: unknown) {
    encoded.push({ type, quality: quality as number | undefined });
    const size = blobBytes(quality as number | undefined);
    setTimeout(() => callback(new Blob([new Uint8Array(size)], { type: type ?? 'image/png' })), 0);
  });
  return { penOf: (c) => pens.get(c), encoded };
}

/** A frame as ImageCapture.grabFrame gives it. */
export class FakeBitmap {
  close = vi.fn();
  constructor(
    readonly width: number,
    readonly height: number,
  ) {}
}

/** `window.ImageCapture`, grabbing `frame()` (a bitmap, or a rejection). */
export function installImageCapture(frame: () => Promise<FakeBitmap>) {
  const grabbed: MediaStreamTrack[] = [];
  class ImageCapture {
    constructor(readonly track: MediaStreamTrack) {}
    grabFrame() {
      grabbed.push(this.track);
      return frame();
    }
  }
  vi.stubGlobal('ImageCapture', ImageCapture);
  return { grabbed };
}

/** Gives a <video> the decoded frame size a playing one has. */
export function setVideoSize(video: HTMLVideoElement, width: number, height: number): void {
  Object.defineProperty(video, 'videoWidth', { configurable: true, value: width });
  Object.defineProperty(video, 'videoHeight', { configurable: true, value: height });
}

/** A pointer event as jsdom can make one (it has no PointerEvent). */
export function pointer(type: string, clientX: number, clientY: number): MouseEvent {
  const ev = new MouseEvent(type, { clientX, clientY, bubbles: true, cancelable: true });
  Object.defineProperty(ev, 'pointerId', { value: 1 });
  return ev;
}

/** Shows `canvas` at `width` × `height` CSS pixels from the page's top left. */
export function showAt(canvas: HTMLCanvasElement, width: number, height: number): void {
  canvas.getBoundingClientRect = () => ({ left: 0, top: 0, width, height, right: width, bottom: height, x: 0, y: 0, toJSON: () => ({}) }) as DOMRect;
}
