/**
 * `window.EscalateSnapshot`, the staff test call's snapshots
 * (src/web/snapshot.ts, bundled into dashboard/assets/snapshot.js by
 * `npm run build:web`): the picture posted with the admin's session and CSRF
 * token, the page's words, and the committed bundle.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { take } from '../src/web/snapshot';
import { FakeBitmap, installCanvasFakes, installImageCapture } from './fakeCanvas';
import { FakeMediaStream, FakeMediaStreamTrack } from './fakeMedia';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const SNAPSHOT_JS = join(root, '..', 'dashboard', 'assets', 'snapshot.js');
const withDashboard = existsSync(dirname(SNAPSHOT_JS));

/** The join page's dataset in staff mode (its data-t-snapshot-* words). */
const PAGE = {
  tSnapshotTitle: 'Foto del vídeo del cliente',
  tSnapshotArrow: 'Flecha',
  tSnapshotCircle: 'Círculo',
  tSnapshotFreehand: 'Dibujar',
  tSnapshotText: 'Texto',
  tSnapshotTextLabel: 'Texto que añadir',
  tSnapshotUndo: 'Deshacer',
  tSnapshotCancel: 'Cancelar',
  tSnapshotSave: 'Guardar la foto',
  tSnapshotSaving: 'Guardando la foto…',
  tSnapshotDisabled: 'Las fotos están desactivadas en este centro de contacto.',
  tSnapshotLimit: 'Esta llamada ya tiene todas las fotos que puede guardar (20).',
  tSnapshotTooLarge: 'Esta foto es demasiado grande para guardarla.',
  tSnapshotNotAnImage: 'No se ha podido guardar esta foto como imagen.',
  tSnapshotEnded: 'La llamada ha terminado: la foto no se ha guardado.',
  tSnapshotOffline: 'No se ha podido conectar con el servicio.',
  tSnapshotFailed: 'No se ha podido guardar la foto. Inténtalo de nuevo.',
};

const URL = '/v1/escalations/e1/snapshots';

function customerVideo() {
  const track = new FakeMediaStreamTrack('video');
  const video = document.createElement('video');
  video.srcObject = new FakeMediaStream([track]) as never;
  return { video, track };
}

const dialog = async () => {
  for (let i = 0; i < 20 && !document.querySelector('[role="dialog"]'); i++) await new Promise((r) => setTimeout(r, 0));
  return document.querySelector<HTMLElement>('[role="dialog"]')!;
};
const button = (d: HTMLElement, name: string) => [...d.querySelectorAll('button')].find((b) => b.textContent === name)!;
const settle = async () => {
  for (let i = 0; i < 5; i++) await new Promise((r) => setTimeout(r, 0));
};

beforeEach(() => {
  installCanvasFakes();
  installImageCapture(async () => new FakeBitmap(1280, 720));
});
afterEach(() => {
  vi.unstubAllGlobals();
  document.body.textContent = '';
});

describe('EscalateSnapshot.take', () => {
  it('posts the JPEG with the session cookie and X-CSRF-Token, and answers with the saved snapshot', async () => {
    const saved = { id: 's1', width: 1280, height: 720 };
    const fetchImpl = vi.fn(async () => new Response(JSON.stringify(saved), { status: 201, headers: { 'Content-Type': 'application/json' } }));
    vi.stubGlobal('fetch', fetchImpl);
    const taking = take({ video: customerVideo().video, url: URL, csrf: 'csrf-1', strings: PAGE });
    const d = await dialog();
    expect(document.getElementById(d.getAttribute('aria-labelledby')!)!.textContent).toBe('Foto del vídeo del cliente');
    expect([...d.querySelectorAll('button')].map((b) => b.textContent)).toEqual(['Flecha', 'Círculo', 'Dibujar', 'Texto', 'Deshacer', 'Cancelar', 'Guardar la foto']);
    button(d, 'Guardar la foto').click();
    expect(await taking).toEqual(saved);
    const [url, init] = fetchImpl.mock.calls[0] as unknown as [string, RequestInit];
    expect(url).toBe(URL);
    expect(init).toMatchObject({ method: 'POST', credentials: 'same-origin' });
    expect(init.headers).toEqual({ 'Content-Type': 'image/jpeg', Accept: 'application/json', 'X-CSRF-Token': 'csrf-1' });
    expect((init.body as Blob).type).toBe('image/jpeg');
  });

  it('says the service’s refusals in the page’s words; a cancelled snapshot answers null', async () => {
    const answers = [
      [409, 'snapshot_limit_reached', PAGE.tSnapshotLimit],
      [413, 'snapshot_too_large', PAGE.tSnapshotTooLarge],
      [415, 'snapshot_not_an_image', PAGE.tSnapshotNotAnImage],
      [409, 'escalation_not_open', PAGE.tSnapshotEnded],
      [409, 'snapshots_disabled', PAGE.tSnapshotDisabled],
      [503, 'unavailable', PAGE.tSnapshotFailed],
    ] as const;
    for (const [status, code, words] of answers) {
      vi.stubGlobal(
        'fetch',
        vi.fn(async () => new Response(JSON.stringify({ title: 'No', status, code }), { status, headers: { 'Content-Type': 'application/problem+json' } })),
      );
      const taking = take({ video: customerVideo().video, url: URL, csrf: 'c', strings: PAGE });
      const d = await dialog();
      button(d, 'Guardar la foto').click();
      await settle();
      expect(d.querySelector('[role="alert"]')!.textContent).toBe(words);
      button(d, 'Cancelar').click();
      expect(await taking).toBeNull();
    }
  });

  it('says it when the service cannot be reached', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => Promise.reject(new TypeError('Failed to fetch'))));
    const taking = take({ video: customerVideo().video, url: URL, csrf: 'c', strings: PAGE });
    const d = await dialog();
    button(d, 'Guardar la foto').click();
    await settle();
    expect(d.querySelector('[role="alert"]')!.textContent).toBe(PAGE.tSnapshotOffline);
    expect((button(d, 'Guardar la foto') as HTMLButtonElement).disabled).toBe(false);
    button(d, 'Cancelar').click();
    expect(await taking).toBeNull();
  });

  it('rejects with { reason: "no_video" } when the video has no live track, or gives no frame', async () => {
    const empty = document.createElement('video');
    await expect(take({ video: empty, url: URL, csrf: 'c', strings: PAGE })).rejects.toEqual({ reason: 'no_video' });
    const { video, track } = customerVideo();
    track.stop();
    await expect(take({ video, url: URL, csrf: 'c', strings: PAGE })).rejects.toEqual({ reason: 'no_video' });
    expect(document.querySelector('[role="dialog"]')).toBeNull();
  });
});

describe.skipIf(!withDashboard)('the committed dashboard/assets/snapshot.js', () => {
  it('is a generated IIFE that sets window.EscalateSnapshot = { take }', () => {
    const code = readFileSync(SNAPSHOT_JS, 'utf8');
    expect(code.split('\n')[0]).toMatch(/^\/\/ Generated from sdk-flex-plugin\/src\/web\/snapshot\.ts by `npm run build:web`: do not edit by hand/);
    expect(/^[\x00-\x7f]*$/.test(code)).toBe(true);
    const win = window as unknown as { EscalateSnapshot?: { take?: unknown } };
    delete win.EscalateSnapshot;
    new Function(code)();
    const api = win.EscalateSnapshot as { take?: unknown } | undefined;
    expect(Object.keys(api ?? {})).toEqual(['take']);
    expect(typeof api?.take).toBe('function');
  });
});
