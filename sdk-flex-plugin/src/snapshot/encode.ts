/**
 * The saved picture: the annotated canvas flattened into a JPEG. Quality
 * 0.9 keeps a camera's detail at a fraction of a PNG's size; a picture that
 * would still be over the service's bound is tried again a little coarser.
 */

/** The largest picture the service takes. */
export const MAX_BYTES = 4 * 1024 * 1024;
export const JPEG_QUALITIES: readonly number[] = [0.9, 0.8, 0.65];

/** Over the bound at every quality tried: the service would refuse it. */
export class TooLargeError extends Error {
  constructor(readonly bytes: number) {
    super(`The picture is ${bytes} bytes, over ${MAX_BYTES}`);
    this.name = 'TooLargeError';
  }
}

function toBlob(canvas: HTMLCanvasElement, quality: number): Promise<Blob> {
  return new Promise((resolve, reject) => {
    canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error('The browser could not encode the picture'))), 'image/jpeg', quality);
  });
}

export async function encodeJpeg(canvas: HTMLCanvasElement, qualities: readonly number[] = JPEG_QUALITIES): Promise<Blob> {
  let bytes = 0;
  for (const quality of qualities) {
    const blob = await toBlob(canvas, quality);
    if (blob.size <= MAX_BYTES) return blob;
    bytes = blob.size;
  }
  throw new TooLargeError(bytes);
}
