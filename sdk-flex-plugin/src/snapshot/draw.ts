/**
 * What an agent draws on a snapshot, and how it is drawn: shapes in the
 * picture's own pixels (so they land where they were drawn whatever size the
 * picture is shown at), stroked in one colour with a width that follows the
 * picture's size (a 4K still and a 720p one look alike). A text is data:
 * drawn with fillText, never made into markup.
 */

export interface Point {
  x: number;
  y: number;
}

export type Shape =
  | { kind: 'arrow'; from: Point; to: Point }
  /** The ellipse inside the box `from`–`to` (a circle when the box is square). */
  | { kind: 'circle'; from: Point; to: Point }
  | { kind: 'freehand'; points: Point[] }
  | { kind: 'text'; at: Point; text: string };

export type Tool = Shape['kind'];
export const TOOLS: readonly Tool[] = ['arrow', 'circle', 'freehand', 'text'];

/** A text is a short label, not a note: longer input is cut here. */
export const MAX_TEXT_LENGTH = 80;

/** The part of CanvasRenderingContext2D this file uses (tests pass a recorder). */
export type Pen = Pick<
  CanvasRenderingContext2D,
  | 'beginPath'
  | 'moveTo'
  | 'lineTo'
  | 'stroke'
  | 'ellipse'
  | 'fillText'
  | 'strokeText'
  | 'save'
  | 'restore'
  | 'strokeStyle'
  | 'fillStyle'
  | 'lineWidth'
  | 'lineCap'
  | 'lineJoin'
  | 'font'
  | 'textBaseline'
>;

/** Sizes for a picture of `width` × `height`. */
export function penSizes(width: number, height: number): { line: number; head: number; font: number } {
  const side = Math.min(width, height);
  const line = Math.max(3, Math.round(side / 160));
  return { line, head: line * 5, font: Math.max(16, Math.round(side / 16)) };
}

/** Whether a shape drawn so far is worth keeping (a click is not an arrow). */
export function isShape(shape: Shape, minPixels = 4): boolean {
  switch (shape.kind) {
    case 'arrow':
    case 'circle':
      return Math.hypot(shape.to.x - shape.from.x, shape.to.y - shape.from.y) >= minPixels;
    case 'freehand':
      return shape.points.length > 1;
    case 'text':
      return shape.text.trim() !== '';
  }
}

/** Draws `shapes` over what `pen` has (the picture), in `colour`. */
export function drawShapes(pen: Pen, shapes: readonly Shape[], width: number, height: number, colour: string): void {
  const { line, head, font } = penSizes(width, height);
  pen.save();
  pen.strokeStyle = colour;
  pen.fillStyle = colour;
  pen.lineWidth = line;
  pen.lineCap = 'round';
  pen.lineJoin = 'round';
  for (const shape of shapes) {
    switch (shape.kind) {
      case 'arrow': {
        const { from, to } = shape;
        const angle = Math.atan2(to.y - from.y, to.x - from.x);
        pen.beginPath();
        pen.moveTo(from.x, from.y);
        pen.lineTo(to.x, to.y);
        for (const side of [-1, 1]) {
          const a = angle + Math.PI - side * (Math.PI / 7);
          pen.moveTo(to.x, to.y);
          pen.lineTo(to.x + head * Math.cos(a), to.y + head * Math.sin(a));
        }
        pen.stroke();
        break;
      }
      case 'circle': {
        const { from, to } = shape;
        pen.beginPath();
        pen.ellipse((from.x + to.x) / 2, (from.y + to.y) / 2, Math.abs(to.x - from.x) / 2, Math.abs(to.y - from.y) / 2, 0, 0, 2 * Math.PI);
        pen.stroke();
        break;
      }
      case 'freehand': {
        const [first, ...rest] = shape.points;
        if (!first) break;
        pen.beginPath();
        pen.moveTo(first.x, first.y);
        for (const p of rest) pen.lineTo(p.x, p.y);
        pen.stroke();
        break;
      }
      case 'text': {
        // A dark outline keeps the text readable on any picture.
        const text = shape.text.slice(0, MAX_TEXT_LENGTH);
        pen.save();
        pen.font = `bold ${font}px sans-serif`;
        pen.textBaseline = 'middle';
        pen.lineWidth = Math.max(2, Math.round(font / 7));
        pen.strokeStyle = 'rgba(0, 0, 0, 0.75)';
        pen.strokeText(text, shape.at.x, shape.at.y);
        pen.fillText(text, shape.at.x, shape.at.y);
        pen.restore();
        break;
      }
    }
  }
  pen.restore();
}
