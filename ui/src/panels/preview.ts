// The program preview, from the moment the show is open (before Go Live too): MJPEG in an
// <img> over HTTP, or frames fetched over IPC. Without a program (starting, or reopening
// after a failure) a placeholder says why. On top, the
// outlines of the scene's layers (see layer_outlines.ts: select, move, resize), fitted to the
// picture as displayed.
import type { Actions } from "../actions";
import type { StudioClient } from "../client";
import { el, fill } from "../dom";
import { t } from "../i18n";
import { containBox } from "../layout";
import type { View } from "../store";
import type { ProgramPhase } from "../bindings/ProgramPhase";
import { LayerOutlines } from "./layer_outlines";

const FRAME_INTERVAL_MS = 66; // 15 fps, the engine's preview rate

export class PreviewPanel {
  private shown = false;
  private waiting = "";
  private timer: number | null = null;
  private canvas: { width: number; height: number } | null = null;
  private readonly picture = el("div", { className: "preview-picture" });
  private readonly outlines: LayerOutlines;
  readonly root: HTMLElement;

  constructor(private readonly client: StudioClient, actions: Actions) {
    this.outlines = new LayerOutlines(actions);
    this.outlines.onDragStart = () => this.fit();
    this.root = el("section", { className: "panel preview", "data-testid": "preview" }, this.picture, this.outlines.root);
    // A press on the picture, off every outline, drops the selection.
    this.root.addEventListener("pointerdown", () => {
      if (!this.outlines.dragging) this.outlines.select(null);
    });
    if (typeof ResizeObserver !== "undefined") new ResizeObserver(() => this.fit()).observe(this.root);
  }

  render(view: View): void {
    const canvas = view.state?.canvas;
    if (canvas) {
      this.root.style.aspectRatio = `${canvas.width} / ${canvas.height}`;
      this.canvas = canvas;
    }
    this.outlines.render(view);
    this.fit();
    const running = view.state?.preview ?? false;
    const waiting = view.state ? programWaiting(view.state.program) : programWaiting({ state: "opening" });
    if (running === this.shown && this.picture.childElementCount > 0 && (running || this.waiting === waiting)) {
      const img = this.picture.querySelector("img");
      if (img) img.alt = t("preview.alt");
      return;
    }
    this.shown = running;
    this.waiting = waiting;
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    if (!running) {
      fill(
        this.picture,
        el("div", { className: "preview-placeholder", "data-testid": "preview-placeholder" },
          el("strong", { text: waiting }),
          el("span", { text: t("preview.set_up_now") })),
      );
      this.fit();
      return;
    }
    const img = el("img", { alt: t("preview.alt"), "data-testid": "preview-image" });
    img.addEventListener("load", () => this.fit());
    fill(this.picture, img);
    this.fit();
    this.timer = playPreview(img, this.client.preview());
  }

  /** Puts the outlines on the canvas as displayed: the picture is fitted whole in the panel
   * (the preview's frame, then the canvas within it), so pointer moves map through the
   * displayed size, whatever the panel's shape. */
  fit(): void {
    const canvas = this.canvas;
    const width = this.root.clientWidth;
    const height = this.root.clientHeight;
    if (!canvas || width <= 0 || height <= 0) return;
    const img = this.picture.querySelector("img");
    const frame = img && img.naturalWidth > 0 ? containBox(width, height, img.naturalWidth, img.naturalHeight) : { left: 0, top: 0, width, height };
    const inner = containBox(frame.width, frame.height, canvas.width, canvas.height);
    const style = this.outlines.root.style;
    style.left = `${frame.left + inner.left}px`;
    style.top = `${frame.top + inner.top}px`;
    style.width = `${inner.width}px`;
    style.height = `${inner.height}px`;
  }
}

/** What the placeholder says while there is no program picture. */
export function programWaiting(program: ProgramPhase): string {
  switch (program.state) {
    case "reopening":
      return t("preview.reopening", { reason: program.reason, s: Math.ceil(program.next_in_s) });
    case "closed":
      return t("preview.closed");
    default:
      return t("preview.starting");
  }
}

/** Shows a preview in `img`: MJPEG straight into it, or frames fetched 15 times a second
 * (over IPC). Returns the timer to clear when it stops, if there is one. */
export function playPreview(img: HTMLImageElement, source: ReturnType<StudioClient["preview"]>): number | null {
  if (source.kind === "mjpeg") {
    img.src = `${source.url}&t=${Date.now()}`;
    return null;
  }
  let url: string | null = null;
  return window.setInterval(async () => {
    const blob = await source.latest().catch(() => null);
    if (!blob) return;
    if (url) URL.revokeObjectURL(url);
    url = URL.createObjectURL(blob);
    img.src = url;
  }, FRAME_INTERVAL_MS);
}
