// The program preview: MJPEG in an <img> over HTTP, or frames fetched over IPC. On top, the
// outlines of the scene's layers: drag one to move the layer (sent on release).
import type { Actions } from "../actions";
import type { StudioClient } from "../client";
import { el, fill } from "../dom";
import { dragRect, rectStyle, type Rect } from "../layout";
import type { View } from "../store";

const FRAME_INTERVAL_MS = 66; // 15 fps, the engine's preview rate

export class PreviewPanel {
  private shown = false;
  private timer: number | null = null;
  private dragging = false;
  private readonly picture = el("div", { className: "preview-picture" });
  private readonly outlines = el("div", { className: "layer-outlines", "data-testid": "layer-outlines" });
  readonly root = el("section", { className: "panel preview", "data-testid": "preview" }, this.picture, this.outlines);

  constructor(private readonly client: StudioClient, private readonly actions: Actions) {}

  render(view: View): void {
    const canvas = view.state?.canvas;
    if (canvas) this.root.style.aspectRatio = `${canvas.width} / ${canvas.height}`;
    if (!this.dragging) this.renderOutlines(view);
    const live = view.state?.preview ?? false;
    if (live === this.shown && this.picture.childElementCount > 0) return;
    this.shown = live;
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    if (!live) {
      fill(
        this.picture,
        el("div", { className: "preview-placeholder", "data-testid": "preview-placeholder" },
          el("strong", { text: "Preview starts when you go live" }),
          el("span", { text: "Scenes, cards and looks can be set up now." })),
      );
      return;
    }
    const img = el("img", { alt: "Program preview", "data-testid": "preview-image" });
    fill(this.picture, img);
    const source = this.client.preview();
    if (source.kind === "mjpeg") {
      img.src = `${source.url}&t=${Date.now()}`;
    } else {
      let url: string | null = null;
      this.timer = window.setInterval(async () => {
        const blob = await source.latest().catch(() => null);
        if (!blob) return;
        if (url) URL.revokeObjectURL(url);
        url = URL.createObjectURL(blob);
        img.src = url;
      }, FRAME_INTERVAL_MS);
    }
  }

  /** One outline per visible layer with a place on the canvas (not the full-canvas ones). */
  private renderOutlines(view: View): void {
    const state = view.state;
    const scene = state?.scenes.find((s) => s.id === state.scene);
    const boxes = (scene?.layers ?? [])
      .filter((layer) => layer.visible && layer.rect?.length === 4 && !(layer.rect[2] >= 1 && layer.rect[3] >= 1))
      .map((layer) => this.outline(layer.id, layer.rect as Rect));
    fill(this.outlines, ...boxes);
  }

  private outline(id: string, rect: Rect): HTMLElement {
    const box = el("div", { className: "layer-outline", "data-testid": `outline-${id}`, title: `Drag to move ${id}` },
      el("span", { className: "layer-outline-name", text: id }));
    box.style.cssText = rectStyle(rect);
    let start: { x: number; y: number } | null = null;
    let moved: Rect = rect;
    const at = (event: MouseEvent) => {
      const size = this.outlines.getBoundingClientRect();
      return dragRect(rect, event.clientX - (start?.x ?? 0), event.clientY - (start?.y ?? 0), size.width, size.height);
    };
    box.addEventListener("pointerdown", (event) => {
      if (event.button !== 0) return;
      event.preventDefault();
      box.setPointerCapture(event.pointerId);
      start = { x: event.clientX, y: event.clientY };
      moved = rect;
      this.dragging = true;
      box.classList.add("dragging");
    });
    box.addEventListener("pointermove", (event) => {
      if (!start) return;
      moved = at(event);
      box.style.cssText = rectStyle(moved);
    });
    const finish = (send: boolean) => {
      if (!start) return;
      start = null;
      this.dragging = false;
      box.classList.remove("dragging");
      if (send && (moved[0] !== rect[0] || moved[1] !== rect[1])) {
        void this.actions.run("scenes", { type: "set_layer_rect", layer: id, rect: moved }).then((ok) => {
          if (!ok) box.style.cssText = rectStyle(rect);
        });
      } else {
        box.style.cssText = rectStyle(rect);
      }
    };
    box.addEventListener("pointerup", () => finish(true));
    box.addEventListener("pointercancel", () => finish(false));
    return box;
  }
}
