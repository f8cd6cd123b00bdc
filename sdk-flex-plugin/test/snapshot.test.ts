/**
 * src/snapshot: the still at the track's resolution, the annotator (a modal
 * dialog drawn on with a pointer and the keyboard), the JPEG, and
 * takeSnapshot's save and refusals. jsdom has no canvas: the pens record
 * what is drawn (fakeCanvas.ts).
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  Annotator,
  captureStill,
  encodeJpeg,
  MAX_BYTES,
  NoFrameError,
  SaveRefused,
  snapshotRefusal,
  SnapshotSaveError,
  takeSnapshot,
  TooLargeError,
  type AnnotatorStrings,
  type SnapshotRefusal,
} from '../src/snapshot';
import { drawShapes, isShape, penSizes, type Shape } from '../src/snapshot/draw';
import { FakeMediaStream, FakeMediaStreamTrack } from './fakeMedia';
import { FakeBitmap, FakePen, installCanvasFakes, installImageCapture, pointer, setVideoSize, showAt, type CanvasFakes } from './fakeCanvas';

const STRINGS: AnnotatorStrings = {
  title: 'Snapshot',
  arrow: 'Arrow',
  circle: 'Circle',
  freehand: 'Draw',
  text: 'Text',
  textLabel: 'Text to add',
  undo: 'Undo',
  cancel: 'Cancel',
  save: 'Save snapshot',
  saving: 'Saving…',
};

const track = () => new FakeMediaStreamTrack('video') as unknown as MediaStreamTrack;
const flushTimers = () => new Promise((r) => setTimeout(r, 0));

let canvas: CanvasFakes;
beforeEach(() => {
  canvas = installCanvasFakes();
});
afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
  document.body.textContent = '';
});

/** A still of `width` × `height`, as captureStill gives it. */
function still(width = 1920, height = 1080): HTMLCanvasElement {
  const c = document.createElement('canvas');
  c.width = width;
  c.height = height;
  return c;
}

describe('drawShapes', () => {
  it('draws in the picture’s pixels, a line as wide as the picture is large, a text as text', () => {
    const pen = new FakePen(still());
    const shapes: Shape[] = [
      { kind: 'arrow', from: { x: 100, y: 100 }, to: { x: 400, y: 100 } },
      { kind: 'circle', from: { x: 10, y: 20 }, to: { x: 110, y: 220 } },
      { kind: 'freehand', points: [{ x: 1, y: 1 }, { x: 2, y: 3 }, { x: 5, y: 8 }] },
      { kind: 'text', at: { x: 50, y: 60 }, text: '<img src=x onerror=alert(1)>' },
    ];
    drawShapes(pen as never, shapes, 1920, 1080, '#ff2d2d');
    expect(penSizes(1920, 1080)).toEqual({ line: 7, head: 35, font: 68 });
    expect(penSizes(320, 240)).toEqual({ line: 3, head: 15, font: 16 });
    // The arrow: its shaft, then two strokes of its head back from the tip.
    const [shaft, ...head] = pen.of('lineTo').slice(0, 3);
    expect(shaft).toEqual([400, 100]);
    for (const [x] of head as number[][]) expect(x).toBeLessThan(400);
    expect(pen.of('ellipse')).toEqual([[60, 120, 50, 100, 0, 0, 2 * Math.PI]]);
    expect(pen.of('fillText')).toEqual([['<img src=x onerror=alert(1)>', 50, 60, 'bold 68px sans-serif']]);
    expect(pen.of('stroke').every(([colour, width]) => colour === '#ff2d2d' && width === 7)).toBe(true);
  });

  it('keeps a text short and drops shapes that are only a click', () => {
    const pen = new FakePen(still());
    drawShapes(pen as never, [{ kind: 'text', at: { x: 0, y: 0 }, text: 'x'.repeat(200) }], 1920, 1080, 'red');
    expect((pen.of('fillText')[0][0] as string).length).toBe(80);
    expect(isShape({ kind: 'arrow', from: { x: 1, y: 1 }, to: { x: 2, y: 2 } })).toBe(false);
    expect(isShape({ kind: 'circle', from: { x: 1, y: 1 }, to: { x: 20, y: 2 } })).toBe(true);
    expect(isShape({ kind: 'freehand', points: [{ x: 1, y: 1 }] })).toBe(false);
    expect(isShape({ kind: 'text', at: { x: 1, y: 1 }, text: '  ' })).toBe(false);
  });
});

describe('captureStill', () => {
  it('takes ImageCapture’s frame at the track’s size, not the size it is shown at', async () => {
    const bitmap = new FakeBitmap(1920, 1080);
    const { grabbed } = installImageCapture(async () => bitmap);
    const video = document.createElement('video');
    setVideoSize(video, 640, 360);
    const t = track();
    const picture = await captureStill(t, { video });
    expect(grabbed).toEqual([t]);
    expect([picture.width, picture.height]).toEqual([1920, 1080]);
    expect(canvas.penOf(picture)!.of('drawImage')).toEqual([[bitmap, 0, 0, 1920, 1080]]);
    expect(bitmap.close).toHaveBeenCalled();
  });

  it('without ImageCapture (or when it fails), draws the playing <video> at its videoWidth × videoHeight', async () => {
    installImageCapture(() => Promise.reject(new DOMException('no', 'InvalidStateError')));
    const t = track();
    const video = document.createElement('video');
    video.srcObject = new FakeMediaStream([t as never]) as never;
    setVideoSize(video, 1280, 720);
    const picture = await captureStill(t, { video });
    expect([picture.width, picture.height]).toEqual([1280, 720]);
    expect(canvas.penOf(picture)!.of('drawImage')).toEqual([[video, 0, 0, 1280, 720]]);
  });

  it('scales a picture over 4096 pixels a side down to it', async () => {
    installImageCapture(async () => new FakeBitmap(8192, 4608));
    const picture = await captureStill(track());
    expect([picture.width, picture.height]).toEqual([4096, 2304]);
  });

  it('rejects with NoFrameError when no frame comes, or the track has ended', async () => {
    vi.spyOn(HTMLMediaElement.prototype, 'play').mockResolvedValue(undefined);
    vi.spyOn(HTMLMediaElement.prototype, 'pause').mockImplementation(() => undefined);
    vi.useFakeTimers();
    const never = captureStill(track(), { timeoutMs: 1_000 }).catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(await never).toBeInstanceOf(NoFrameError);
    const ended = new FakeMediaStreamTrack('video');
    ended.stop();
    await expect(captureStill(ended as never)).rejects.toBeInstanceOf(NoFrameError);
  });

  it('gives up on a grabFrame that never answers and takes the <video> instead', async () => {
    installImageCapture(() => new Promise<FakeBitmap>(() => undefined));
    const t = track();
    const video = document.createElement('video');
    video.srcObject = new FakeMediaStream([t as never]) as never;
    setVideoSize(video, 640, 480);
    vi.useFakeTimers();
    const taking = captureStill(t, { video, timeoutMs: 500 });
    await vi.advanceTimersByTimeAsync(500);
    const picture = await taking;
    expect([picture.width, picture.height]).toEqual([640, 480]);
  });
});

describe('encodeJpeg', () => {
  it('is a JPEG at quality 0.9, coarser only when over 4 MiB, and refused when always over', async () => {
    const small = await encodeJpeg(still());
    expect(small.type).toBe('image/jpeg');
    expect(canvas.encoded).toEqual([{ type: 'image/jpeg', quality: 0.9 }]);

    vi.restoreAllMocks();
    canvas = installCanvasFakes((q) => (q === 0.9 ? MAX_BYTES + 1 : MAX_BYTES));
    const smaller = await encodeJpeg(still());
    expect(smaller.size).toBe(MAX_BYTES);
    expect(canvas.encoded.map((e) => e.quality)).toEqual([0.9, 0.8]);

    vi.restoreAllMocks();
    installCanvasFakes(() => MAX_BYTES + 1);
    await expect(encodeJpeg(still())).rejects.toBeInstanceOf(TooLargeError);
  });
});

describe('the annotator', () => {
  function open(save: (picture: HTMLCanvasElement) => Promise<void> = async () => undefined) {
    const opener = document.createElement('button');
    document.body.appendChild(opener);
    opener.focus();
    const image = still();
    const a = new Annotator({ image, strings: STRINGS, save });
    showAt(a.canvas, 960, 540); // shown at half its size
    const button = (name: string) => [...a.element.querySelectorAll('button')].find((b) => b.textContent === name)!;
    const key = (key: string, init: KeyboardEventInit = {}, target: Element = document.activeElement ?? a.element) =>
      target.dispatchEvent(new KeyboardEvent('keydown', { key, bubbles: true, cancelable: true, ...init }));
    const drag = (from: [number, number], to: [number, number]) => {
      a.canvas.dispatchEvent(pointer('pointerdown', ...from));
      a.canvas.dispatchEvent(pointer('pointermove', (from[0] + to[0]) / 2, (from[1] + to[1]) / 2));
      a.canvas.dispatchEvent(pointer('pointermove', ...to));
      a.canvas.dispatchEvent(pointer('pointerup', ...to));
    };
    return { a, opener, image, button, key, drag };
  }

  it('is a labelled modal dialog over the page, its buttons named by the caller’s words, the arrow chosen and focused', () => {
    const { a, button } = open();
    const dialog = document.querySelector('[role="dialog"]')!;
    expect(dialog).toBe(a.element);
    expect(dialog.getAttribute('aria-modal')).toBe('true');
    expect(document.getElementById(dialog.getAttribute('aria-labelledby')!)!.textContent).toBe('Snapshot');
    expect([...dialog.querySelectorAll('button')].map((b) => b.textContent)).toEqual(['Arrow', 'Circle', 'Draw', 'Text', 'Undo', 'Cancel', 'Save snapshot']);
    expect(button('Arrow').getAttribute('aria-pressed')).toBe('true');
    expect(button('Circle').getAttribute('aria-pressed')).toBe('false');
    expect(document.activeElement).toBe(button('Arrow'));
    expect((button('Undo') as HTMLButtonElement).disabled).toBe(true);
    // The picture at its own size, whatever it is shown at; the still itself untouched.
    expect([a.canvas.width, a.canvas.height]).toEqual([1920, 1080]);
    expect(a.element.style.position).toBe('fixed');
  });

  it('draws where the pointer went, in the picture’s pixels; a click draws nothing; undo takes the last shape off', () => {
    const { a, button, drag } = open();
    drag([100, 50], [300, 50]);
    expect(a.shapes).toEqual([{ kind: 'arrow', from: { x: 200, y: 100 }, to: { x: 600, y: 100 } }]);
    button('Circle').click();
    a.canvas.dispatchEvent(pointer('pointerdown', 10, 10));
    a.canvas.dispatchEvent(pointer('pointerup', 11, 10));
    expect(a.shapes).toHaveLength(1);
    drag([10, 10], [60, 40]);
    button('Draw').click();
    drag([0, 0], [20, 20]);
    expect(a.shapes.map((s) => s.kind)).toEqual(['arrow', 'circle', 'freehand']);
    expect((a.shapes[2] as { points: unknown[] }).points).toHaveLength(3);
    button('Undo').click();
    expect(a.shapes.map((s) => s.kind)).toEqual(['arrow', 'circle']);
    // Drawn over the still on every change.
    const pen = canvas.penOf(a.canvas)!;
    expect(pen.of('drawImage').at(-1)![0]).toBeInstanceOf(HTMLCanvasElement);
  });

  it('places a text where the picture is clicked, or with Enter in the middle; Ctrl+Z undoes', () => {
    const { a, button, key } = open();
    button('Text').click();
    const field = a.element.querySelector('input')!;
    expect(document.activeElement).toBe(field);
    expect(field.closest('label')!.textContent).toContain('Text to add');
    field.value = 'Loose cable';
    key('Enter', {}, field);
    expect(a.shapes).toEqual([{ kind: 'text', at: { x: 960, y: 540 }, text: 'Loose cable' }]);
    field.value = 'here';
    a.canvas.dispatchEvent(pointer('pointerdown', 100, 100));
    expect(a.shapes.at(-1)).toEqual({ kind: 'text', at: { x: 200, y: 200 }, text: 'here' });
    expect(field.value).toBe('');
    key('z', { ctrlKey: true }, button('Undo'));
    expect(a.shapes).toHaveLength(1);
  });

  it('Escape empties the text field first, then cancels: the dialog goes, focus goes back', async () => {
    const { a, opener, button, key } = open();
    button('Text').click();
    const field = a.element.querySelector('input')!;
    field.value = 'oops';
    key('Escape', {}, field);
    expect(field.value).toBe('');
    expect(a.element.isConnected).toBe(true);
    key('Escape', {}, field);
    expect(await a.done).toBe(false);
    expect(a.element.isConnected).toBe(false);
    expect(document.activeElement).toBe(opener);
  });

  it('keeps Tab within the dialog', () => {
    const { a, button, key } = open();
    button('Save snapshot').focus();
    key('Tab');
    expect(document.activeElement).toBe(button('Arrow'));
    key('Tab', { shiftKey: true });
    expect(document.activeElement).toBe(button('Save snapshot'));
    expect(a.element.contains(document.activeElement)).toBe(true);
  });

  it('saves the drawn picture and closes; a refusal is said and leaves Save on, a final one off', async () => {
    let answer: () => Promise<void> = () => Promise.reject(new SaveRefused('Could not save. Try again.'));
    const save = vi.fn((_picture: HTMLCanvasElement) => answer());
    const { a, button, drag, key } = open(save);
    drag([100, 50], [300, 50]);
    const saveButton = button('Save snapshot') as HTMLButtonElement;
    saveButton.click();
    expect(a.element.querySelector('[role="status"]')!.textContent).toBe('Saving…');
    expect(saveButton.disabled).toBe(true);
    await flushTimers();
    expect(save).toHaveBeenCalledWith(a.canvas);
    expect(a.element.querySelector('[role="alert"]')!.textContent).toBe('Could not save. Try again.');
    expect(saveButton.disabled).toBe(false);

    answer = () => Promise.reject(new SaveRefused('Snapshots are turned off.', true));
    saveButton.click();
    await flushTimers();
    expect(a.element.querySelector('[role="alert"]')!.textContent).toBe('Snapshots are turned off.');
    expect(saveButton.disabled).toBe(true);
    expect((button('Cancel') as HTMLButtonElement).disabled).toBe(false);
    expect(document.activeElement).toBe(button('Cancel'));
    // Escape works wherever focus went (a disabled button lets it go to the page).
    key('Escape', {}, document.body);
    expect(await a.done).toBe(false);

    const second = open(async () => undefined);
    second.button('Save snapshot').click();
    expect(await second.a.done).toBe(true);
    expect(document.querySelector('[role="dialog"]')).toBeNull();
  });
});

describe('takeSnapshot', () => {
  const WORDS: Record<SnapshotRefusal, string> = {
    disabled: 'Snapshots are turned off for this contact center.',
    limit: 'This call has as many snapshots as it may keep.',
    too_large: 'Too large.',
    not_an_image: 'Not a picture.',
    ended: 'The call has ended.',
    offline: 'No connection.',
    failed: 'Could not save the snapshot.',
  };

  function take(upload: (picture: Blob, size: { width: number; height: number }) => Promise<{ id: string }>) {
    installImageCapture(async () => new FakeBitmap(1280, 720));
    return takeSnapshot({ track: track(), strings: STRINGS, describe: (r) => WORDS[r], upload });
  }

  const dialog = async () => {
    for (let i = 0; i < 20 && !document.querySelector('[role="dialog"]'); i++) await flushTimers();
    return document.querySelector<HTMLElement>('[role="dialog"]')!;
  };
  const click = (d: HTMLElement, name: string) => [...d.querySelectorAll('button')].find((b) => b.textContent === name)!.click();

  it('uploads the annotated picture as a JPEG of its size and answers with what the upload answered', async () => {
    const upload = vi.fn(async (_picture: Blob, _size: { width: number; height: number }) => ({ id: 'snap-1' }));
    const taking = take(upload);
    click(await dialog(), 'Save snapshot');
    expect(await taking).toEqual({ id: 'snap-1' });
    const [picture, size] = upload.mock.calls[0];
    expect(picture.type).toBe('image/jpeg');
    expect(size).toEqual({ width: 1280, height: 720 });
  });

  it('says a refusal in the caller’s words (a final one leaves Save off); cancelled, it answers nothing', async () => {
    const upload = vi.fn(async (): Promise<{ id: string }> => {
      throw new SnapshotSaveError('limit');
    });
    const taking = take(upload);
    const d = await dialog();
    click(d, 'Save snapshot');
    for (let i = 0; i < 5; i++) await flushTimers();
    expect(d.querySelector('[role="alert"]')!.textContent).toBe(WORDS.limit);
    expect(([...d.querySelectorAll('button')].find((b) => b.textContent === 'Save snapshot') as HTMLButtonElement).disabled).toBe(true);
    click(d, 'Cancel');
    expect(await taking).toBeUndefined();

    const broken = take(async () => {
      throw new TypeError('Failed to fetch');
    });
    const again = await dialog();
    click(again, 'Save snapshot');
    for (let i = 0; i < 5; i++) await flushTimers();
    expect(again.querySelector('[role="alert"]')!.textContent).toBe(WORDS.failed);
    click(again, 'Cancel');
    expect(await broken).toBeUndefined();
  });

  it('rejects with NoFrameError before showing anything when the video gives no frame', async () => {
    const ended = new FakeMediaStreamTrack('video');
    ended.stop();
    await expect(takeSnapshot({ track: ended as never, strings: STRINGS, describe: (r) => WORDS[r], upload: vi.fn() })).rejects.toBeInstanceOf(NoFrameError);
    expect(document.querySelector('[role="dialog"]')).toBeNull();
  });
});

describe('snapshotRefusal', () => {
  it('reads the service’s problem codes, then the status', () => {
    expect(snapshotRefusal(409, 'snapshots_disabled')).toBe('disabled');
    expect(snapshotRefusal(409, 'snapshot_limit_reached')).toBe('limit');
    expect(snapshotRefusal(413, 'snapshot_too_large')).toBe('too_large');
    expect(snapshotRefusal(413)).toBe('too_large');
    expect(snapshotRefusal(415, 'snapshot_not_an_image')).toBe('not_an_image');
    expect(snapshotRefusal(409, 'escalation_not_open')).toBe('ended');
    expect(snapshotRefusal(410)).toBe('ended');
    expect(snapshotRefusal(0, 'network_error')).toBe('offline');
    expect(snapshotRefusal(500, 'internal')).toBe('failed');
    expect(snapshotRefusal(403, 'csrf_failed')).toBe('failed');
  });
});
