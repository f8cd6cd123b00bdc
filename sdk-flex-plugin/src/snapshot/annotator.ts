/**
 * The annotator: a still over the page (a modal dialog), drawn on with an
 * arrow, a circle, a freehand line or a short text, one undo at a time,
 * then saved or cancelled. No framework, so the Flex plugin and the test
 * call's page run the same one; every word comes from the caller. Styles are
 * set property by property (CSSOM), which a page's strict Content-Security-
 * Policy allows where style attributes are not; class names let a page add
 * its own.
 *
 * Keyboard: Tab stays in the dialog, Escape cancels (or first empties the
 * text field), Ctrl/Cmd+Z undoes; the text tool places its text where the
 * picture is clicked, or with Enter in its field at the last place clicked
 * (the middle at first). Drawing itself takes a pointer: without one, the
 * still can be saved as it is, or with a text.
 */
import { drawShapes, isShape, MAX_TEXT_LENGTH, TOOLS, type Point, type Shape, type Tool } from './draw';

export interface AnnotatorStrings {
  /** The dialog's name and heading. */
  title: string;
  arrow: string;
  circle: string;
  freehand: string;
  text: string;
  /** The label of the field a text is typed in. */
  textLabel: string;
  undo: string;
  cancel: string;
  save: string;
  /** Said while the picture is being saved. */
  saving: string;
}

/** What `save` rejects with: the words to show, and whether trying again is pointless (Save stays off). */
export class SaveRefused extends Error {
  constructor(
    message: string,
    readonly final = false,
  ) {
    super(message);
    this.name = 'SaveRefused';
  }
}

export interface AnnotatorOptions {
  /** The still: drawn over, never changed itself. */
  image: HTMLCanvasElement;
  strings: AnnotatorStrings;
  /**
   * Saves the annotated picture (the canvas, at the still's size): resolves
   * once saved (the dialog closes), rejects with a SaveRefused to say why
   * not (the dialog stays, to try again or cancel).
   */
  save: (picture: HTMLCanvasElement) => Promise<void>;
  /** Where the dialog goes (default: the document's body). */
  parent?: HTMLElement;
  /** The colour of every shape. */
  colour?: string;
}

export const DEFAULT_COLOUR = '#ff2d2d';

const BUTTON: Partial<CSSStyleDeclaration> = {
  font: 'inherit',
  padding: '6px 12px',
  minHeight: '36px',
  borderRadius: '6px',
  border: '1px solid #c8ccd2',
  background: '#fff',
  color: '#111',
  cursor: 'pointer',
};
const ACCENT = '#1f6feb';

let dialogs = 0;

function enable(button: HTMLButtonElement, on: boolean): void {
  button.disabled = !on;
  button.style.opacity = on ? '' : '0.5';
  button.style.cursor = on ? 'pointer' : 'default';
}

export class Annotator {
  /** What was drawn, in order (undo takes the last one off). */
  readonly shapes: Shape[] = [];
  /** true once saved, false once cancelled. */
  readonly done: Promise<boolean>;
  readonly element: HTMLDivElement;
  readonly canvas: HTMLCanvasElement;
  private tool: Tool = 'arrow';
  private drawing?: Shape;
  private textAt?: Point;
  private busy = false;
  private closed = false;
  private refusedForGood = false;
  private readonly pen: CanvasRenderingContext2D;
  private readonly colour: string;
  private readonly toolButtons = new Map<Tool, HTMLButtonElement>();
  private readonly textField: HTMLInputElement;
  private readonly textBox: HTMLLabelElement;
  private readonly undoButton: HTMLButtonElement;
  private readonly saveButton: HTMLButtonElement;
  private readonly cancelButton: HTMLButtonElement;
  private readonly status: HTMLParagraphElement;
  private readonly previousFocus: Element | null;
  private finish!: (saved: boolean) => void;
  /** On the document while open: a key works wherever focus is (a disabled button lets it go). */
  private readonly onKey = (ev: KeyboardEvent) => this.key(ev);

  constructor(private readonly options: AnnotatorOptions) {
    const { image, strings } = options;
    const doc = image.ownerDocument;
    this.colour = options.colour ?? DEFAULT_COLOUR;
    this.previousFocus = doc.activeElement;
    this.done = new Promise((resolve) => (this.finish = resolve));
    const el = <K extends keyof HTMLElementTagNameMap>(tag: K, className: string, style: Partial<CSSStyleDeclaration> = {}) => {
      const node = doc.createElement(tag);
      node.className = className;
      Object.assign(node.style, style);
      return node;
    };
    const button = (label: string, className: string, onClick: () => void) => {
      const b = el('button', className, BUTTON);
      b.type = 'button';
      b.textContent = label;
      b.addEventListener('click', onClick);
      return b;
    };

    const id = `escalate-annotator-${++dialogs}`;
    this.element = el('div', 'escalate-annotator', {
      position: 'fixed',
      top: '0',
      right: '0',
      bottom: '0',
      left: '0',
      zIndex: '2147483000',
      display: 'flex',
      flexDirection: 'column',
      alignItems: 'center',
      justifyContent: 'center',
      gap: '10px',
      padding: '12px',
      boxSizing: 'border-box',
      background: 'rgba(15, 20, 25, 0.9)',
      color: '#fff',
      font: '14px/1.4 system-ui, sans-serif',
    });
    this.element.setAttribute('role', 'dialog');
    this.element.setAttribute('aria-modal', 'true');
    this.element.setAttribute('aria-labelledby', `${id}-title`);

    const title = el('h2', 'escalate-annotator__title', { margin: '0', fontSize: '16px' });
    title.id = `${id}-title`;
    title.textContent = strings.title;

    const tools = el('div', 'escalate-annotator__tools', { display: 'flex', flexWrap: 'wrap', gap: '6px', alignItems: 'center', justifyContent: 'center' });
    tools.setAttribute('role', 'toolbar');
    tools.setAttribute('aria-label', strings.title);
    for (const tool of TOOLS) {
      const b = button(strings[tool], `escalate-annotator__tool`, () => this.setTool(tool));
      b.dataset.tool = tool;
      this.toolButtons.set(tool, b);
      tools.appendChild(b);
    }
    this.textBox = el('label', 'escalate-annotator__text', { display: 'inline-flex', gap: '6px', alignItems: 'center' });
    this.textBox.appendChild(doc.createTextNode(strings.textLabel));
    this.textField = el('input', 'escalate-annotator__field', {
      font: 'inherit',
      padding: '6px 8px',
      borderRadius: '6px',
      border: '1px solid #c8ccd2',
      minWidth: '12em',
    });
    this.textField.type = 'text';
    this.textField.maxLength = MAX_TEXT_LENGTH;
    this.textField.autocomplete = 'off';
    this.textField.addEventListener('keydown', (ev) => {
      if (ev.key !== 'Enter') return;
      ev.preventDefault();
      this.placeText(this.textAt ?? { x: this.canvas.width / 2, y: this.canvas.height / 2 });
    });
    this.textBox.appendChild(this.textField);
    tools.appendChild(this.textBox);
    this.undoButton = button(strings.undo, 'escalate-annotator__undo', () => this.undo());
    tools.appendChild(this.undoButton);

    this.canvas = el('canvas', 'escalate-annotator__picture', {
      maxWidth: '100%',
      maxHeight: 'calc(100vh - 190px)',
      width: 'auto',
      height: 'auto',
      minHeight: '0',
      touchAction: 'none',
      cursor: 'crosshair',
      background: '#000',
      borderRadius: '4px',
    });
    this.canvas.width = image.width;
    this.canvas.height = image.height;
    this.canvas.setAttribute('role', 'img');
    this.canvas.setAttribute('aria-label', strings.title);
    const pen = this.canvas.getContext('2d');
    if (!pen) throw new Error('This browser cannot draw on a canvas');
    this.pen = pen;

    this.status = el('p', 'escalate-annotator__status', { margin: '0', minHeight: '1.4em' });
    this.status.setAttribute('role', 'status');

    const actions = el('div', 'escalate-annotator__actions', { display: 'flex', gap: '8px' });
    this.cancelButton = button(strings.cancel, 'escalate-annotator__cancel', () => this.cancel());
    this.saveButton = button(strings.save, 'escalate-annotator__save', () => void this.save());
    Object.assign(this.saveButton.style, { background: ACCENT, borderColor: ACCENT, color: '#fff' });
    actions.append(this.cancelButton, this.saveButton);

    this.element.append(title, tools, this.canvas, this.status, actions);
    this.listen();
    this.setTool('arrow');
    this.render();
    (options.parent ?? doc.body).appendChild(this.element);
    doc.addEventListener('keydown', this.onKey, true);
    this.toolButtons.get('arrow')!.focus();
  }

  get currentTool(): Tool {
    return this.tool;
  }

  setTool(tool: Tool): void {
    this.tool = tool;
    for (const [t, b] of this.toolButtons) {
      const on = t === tool;
      b.setAttribute('aria-pressed', String(on));
      Object.assign(b.style, on ? { background: ACCENT, borderColor: ACCENT, color: '#fff' } : { background: '#fff', borderColor: '#c8ccd2', color: '#111' });
    }
    this.textBox.hidden = tool !== 'text';
    this.textBox.style.display = tool === 'text' ? 'inline-flex' : 'none';
    if (tool === 'text') this.textField.focus();
  }

  /** Adds a finished shape (what a drag or a text does). */
  add(shape: Shape): void {
    if (this.closed || !isShape(shape, 0)) return;
    this.shapes.push(shape);
    this.render();
  }

  undo(): void {
    if (this.busy || this.shapes.length === 0) return;
    this.shapes.pop();
    this.render();
  }

  /** Flattens the picture and hands it to `save`: closes once saved, says why not otherwise. */
  async save(): Promise<void> {
    if (this.busy || this.closed || this.refusedForGood) return;
    this.drawing = undefined;
    this.render();
    this.setBusy(true);
    this.say(this.options.strings.saving);
    try {
      await this.options.save(this.canvas);
      this.close(true);
    } catch (err) {
      this.refusedForGood = err instanceof SaveRefused && err.final;
      this.setBusy(false);
      this.say(err instanceof Error ? err.message : String(err), true);
      // Back on a control: Save to try again, or Cancel when that cannot help.
      (this.refusedForGood ? this.cancelButton : this.saveButton).focus();
    }
  }

  cancel(): void {
    if (this.busy) return;
    this.close(false);
  }

  private close(saved: boolean): void {
    if (this.closed) return;
    this.closed = true;
    this.element.ownerDocument.removeEventListener('keydown', this.onKey, true);
    this.element.remove();
    const previous = this.previousFocus as HTMLElement | null;
    if (previous && previous.isConnected && typeof previous.focus === 'function') previous.focus();
    this.finish(saved);
  }

  private setBusy(busy: boolean): void {
    this.busy = busy;
    this.element.setAttribute('aria-busy', String(busy));
    enable(this.saveButton, !busy && !this.refusedForGood);
    enable(this.cancelButton, !busy);
    enable(this.undoButton, !busy && this.shapes.length > 0);
  }

  /** A message under the picture; a refusal as an alert. */
  private say(text: string, alert = false): void {
    this.status.setAttribute('role', alert ? 'alert' : 'status');
    this.status.textContent = text;
  }

  private render(): void {
    const { width, height } = this.canvas;
    this.pen.drawImage(this.options.image, 0, 0, width, height);
    drawShapes(this.pen, this.drawing ? [...this.shapes, this.drawing] : this.shapes, width, height, this.colour);
    if (!this.busy) enable(this.undoButton, this.shapes.length > 0);
  }

  private placeText(at: Point): void {
    const text = this.textField.value.trim();
    this.textAt = at;
    if (!text) {
      this.textField.focus();
      return;
    }
    this.add({ kind: 'text', at, text });
    this.textField.value = '';
  }

  /** Where a pointer is on the picture, in its own pixels. */
  private point(ev: { clientX: number; clientY: number }): Point {
    const rect = this.canvas.getBoundingClientRect();
    const sx = rect.width > 0 ? this.canvas.width / rect.width : 1;
    const sy = rect.height > 0 ? this.canvas.height / rect.height : 1;
    const clamp = (v: number, max: number) => Math.min(max, Math.max(0, v));
    return { x: clamp((ev.clientX - rect.left) * sx, this.canvas.width), y: clamp((ev.clientY - rect.top) * sy, this.canvas.height) };
  }

  private listen(): void {
    const canvas = this.canvas;
    canvas.addEventListener('pointerdown', (ev) => {
      if (this.busy || this.closed || ev.button > 0) return;
      ev.preventDefault();
      const p = this.point(ev);
      if (this.tool === 'text') {
        this.placeText(p);
        return;
      }
      canvas.setPointerCapture?.(ev.pointerId);
      this.drawing = this.tool === 'freehand' ? { kind: 'freehand', points: [p] } : { kind: this.tool, from: p, to: p };
      this.render();
    });
    canvas.addEventListener('pointermove', (ev) => {
      const shape = this.drawing;
      if (!shape) return;
      const p = this.point(ev);
      if (shape.kind === 'freehand') shape.points.push(p);
      else if (shape.kind === 'arrow' || shape.kind === 'circle') shape.to = p;
      this.render();
    });
    const end = (ev: PointerEvent) => {
      const shape = this.drawing;
      if (!shape) return;
      this.drawing = undefined;
      if (ev.type === 'pointerup') {
        // A click is not a shape: at least a few pixels as shown.
        const rect = canvas.getBoundingClientRect();
        const shown = rect.width > 0 ? canvas.width / rect.width : 1;
        if (isShape(shape, 4 * shown)) this.shapes.push(shape);
      }
      this.render();
    };
    canvas.addEventListener('pointerup', end);
    canvas.addEventListener('pointercancel', end);
  }

  /** The dialog's keys, before the page's own (it is modal). */
  private key(ev: KeyboardEvent): void {
    if (ev.key === 'Escape') {
      ev.preventDefault();
      ev.stopPropagation();
      if (ev.target === this.textField && this.textField.value) this.textField.value = '';
      else this.cancel();
    } else if (ev.key === 'Tab') {
      this.trapFocus(ev);
    } else if ((ev.ctrlKey || ev.metaKey) && !ev.shiftKey && ev.key.toLowerCase() === 'z' && ev.target !== this.textField) {
      ev.preventDefault();
      this.undo();
    }
  }

  /** Tab and Shift+Tab go round the dialog's controls. */
  private trapFocus(ev: KeyboardEvent): void {
    const controls = [...this.element.querySelectorAll<HTMLElement>('button, input')].filter(
      (c) => !(c as HTMLButtonElement).disabled && !c.closest('[hidden]'),
    );
    if (controls.length === 0) return;
    const first = controls[0];
    const last = controls[controls.length - 1];
    const active = this.element.ownerDocument.activeElement;
    if (ev.shiftKey && (active === first || !this.element.contains(active))) {
      ev.preventDefault();
      last.focus();
    } else if (!ev.shiftKey && (active === last || !this.element.contains(active))) {
      ev.preventDefault();
      first.focus();
    }
  }
}

/** Opens an annotator on `options.image`: true once saved, false when cancelled. */
export function annotate(options: AnnotatorOptions): Promise<boolean> {
  return new Annotator(options).done;
}
