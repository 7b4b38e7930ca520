// The outlines of the scene's layers over the preview. Press an outline to select its layer
// and drag to move it; the selected layer has handles at its corners and edges to resize it
// (Shift keeps its aspect ratio). Pointer events, so a finger on the tablet works like the
// mouse. While dragging, the studio gets the layer's place a few times a second (the stream
// follows), and once more on release: that last one is the place it keeps.
import type { Actions } from "../actions";
import { el, fill } from "../dom";
import { t } from "../i18n";
import { dragRect, rectStyle, type Rect } from "../layout";
import { handleCursor, HANDLES, minSize, resizeRect, type Handle } from "../resize";
import { LatestSender } from "../send_latest";
import type { View } from "../store";

/** Live updates while dragging: at most one every this many milliseconds. */
export const LIVE_UPDATE_MS = 100;

interface Drag {
  id: string;
  box: HTMLElement;
  pointer: number;
  /** "move", or the handle being dragged. */
  mode: "move" | Handle;
  from: Rect;
  start: { x: number; y: number };
  now: Rect;
  sender: LatestSender<Rect>;
}

export class LayerOutlines {
  readonly root = el("div", { className: "layer-outlines", "data-testid": "layer-outlines" });
  private view: View | null = null;
  private selected: string | null = null;
  private drag: Drag | null = null;
  /** Drags released whose last update is on the way: the outlines wait for them. */
  private settling = 0;
  /** Where each outline is drawn now (it may be ahead of the last state, after a drag). */
  private readonly shown = new Map<string, Rect>();
  /** Called before a drag starts, so the outlines sit on the picture as displayed now. */
  onDragStart: () => void = () => {};

  constructor(private readonly actions: Actions) {}

  /** The layer whose handles show, if any. */
  get selection(): string | null {
    return this.selected;
  }

  get dragging(): boolean {
    return this.drag !== null || this.settling > 0;
  }

  render(view: View): void {
    this.view = view;
    if (!this.dragging) this.draw();
  }

  /** Selects a layer (its handles show), or none. */
  select(id: string | null): void {
    this.selected = id;
    for (const box of this.root.querySelectorAll<HTMLElement>(".layer-outline")) {
      box.classList.toggle("selected", box.dataset.layer === id);
    }
  }

  /** One outline per visible layer with a place on the canvas (not the full-canvas ones). */
  private draw(): void {
    const state = this.view?.state;
    const scene = state?.scenes.find((s) => s.id === state.scene);
    const layers = (scene?.layers ?? []).filter(
      (layer) => layer.visible && layer.rect?.length === 4 && !(layer.rect[2] >= 1 && layer.rect[3] >= 1),
    );
    if (this.selected && !layers.some((layer) => layer.id === this.selected)) this.selected = null;
    this.shown.clear();
    fill(this.root, ...layers.map((layer) => this.outline(layer.id, layer.rect as Rect)));
  }

  private outline(id: string, rect: Rect): HTMLElement {
    const handles = HANDLES.map((handle) => {
      const dot = el("span", { className: `resize-handle ${handle}`, "data-handle": handle, "data-testid": `handle-${id}-${handle}` });
      dot.style.cursor = handleCursor(handle);
      return dot;
    });
    const box = el("div", {
      className: id === this.selected ? "layer-outline selected" : "layer-outline",
      "data-testid": `outline-${id}`,
      "data-layer": id,
      title: t("outlines.title", { id }),
    }, el("span", { className: "layer-outline-name", text: id }), ...handles);
    this.place(box, id, rect);
    box.addEventListener("pointerdown", (event) => this.begin(event, id, this.shown.get(id) ?? rect, box));
    box.addEventListener("pointermove", (event) => this.move(event));
    box.addEventListener("pointerup", (event) => void this.end(event, true));
    box.addEventListener("pointercancel", (event) => void this.end(event, false));
    box.addEventListener("lostpointercapture", (event) => void this.end(event, false));
    return box;
  }

  private begin(event: PointerEvent, id: string, rect: Rect, box: HTMLElement): void {
    if (event.button !== 0 || this.drag) return;
    event.preventDefault();
    event.stopPropagation();
    this.onDragStart();
    const handle = (event.target as HTMLElement | null)?.closest<HTMLElement>("[data-handle]")?.dataset.handle as Handle | undefined;
    // Handles belong to the selected layer only (they are hidden on the others).
    const mode = handle && this.selected === id ? handle : "move";
    this.select(id);
    try {
      box.setPointerCapture(event.pointerId);
    } catch {
      // No capture (an old browser, a synthetic event): the drag still works over the box.
    }
    const sender = new LatestSender<Rect>((moved) => this.send(id, moved), LIVE_UPDATE_MS);
    this.drag = { id, box, pointer: event.pointerId, mode, from: rect, start: { x: event.clientX, y: event.clientY }, now: rect, sender };
    box.classList.add(mode === "move" ? "dragging" : "resizing");
  }

  /** Where the dragged layer is for the pointer at `event`. */
  private at(event: PointerEvent, drag: Drag): Rect {
    const size = this.root.getBoundingClientRect();
    const dx = event.clientX - drag.start.x;
    const dy = event.clientY - drag.start.y;
    if (drag.mode === "move") return dragRect(drag.from, dx, dy, size.width, size.height);
    const canvas = this.view?.state?.canvas;
    return resizeRect(drag.from, drag.mode, dx, dy, size.width, size.height, {
      keepAspect: event.shiftKey,
      min: canvas ? minSize(canvas.width, canvas.height) : undefined,
    });
  }

  private move(event: PointerEvent): void {
    const drag = this.drag;
    if (!drag || event.pointerId !== drag.pointer) return;
    const next = this.at(event, drag);
    if (same(next, drag.now)) return;
    drag.now = next;
    this.place(drag.box, drag.id, next);
    drag.sender.update(next);
  }

  private async end(event: PointerEvent, send: boolean): Promise<void> {
    const drag = this.drag;
    if (!drag || event.pointerId !== drag.pointer) return;
    this.drag = null;
    this.settling += 1;
    if (send) {
      drag.now = this.at(event, drag);
      this.place(drag.box, drag.id, drag.now);
    }
    drag.box.classList.remove("dragging", "resizing");
    if (send && !same(drag.now, drag.from)) {
      await drag.sender.finish(drag.now);
    } else if (!same(drag.now, drag.from)) {
      // A cancelled drag puts the layer back where it was (it may have moved live).
      await drag.sender.finish(drag.from);
    } else {
      drag.sender.cancel();
    }
    this.settling -= 1;
    if (this.dragging) return;
    // The view holds the latest state the studio sent (events that came during the drag
    // included); after a refusal it puts the outline back.
    this.draw();
  }

  private place(box: HTMLElement, id: string, rect: Rect): void {
    box.style.cssText = rectStyle(rect);
    this.shown.set(id, rect);
  }

  private send(id: string, rect: Rect): Promise<boolean> {
    return this.actions.run("scenes", { type: "set_layer_rect", layer: id, rect });
  }
}

function same(a: Rect, b: Rect): boolean {
  return a[0] === b[0] && a[1] === b[1] && a[2] === b[2] && a[3] === b[3];
}
