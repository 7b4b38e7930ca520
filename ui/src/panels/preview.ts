// The program preview: MJPEG in an <img> over HTTP, or frames fetched over IPC.
import type { StudioClient } from "../client";
import { el, fill } from "../dom";
import type { View } from "../store";

const FRAME_INTERVAL_MS = 66; // 15 fps, the engine's preview rate

export class PreviewPanel {
  private shown = false;
  private timer: number | null = null;
  readonly root = el("section", { className: "panel preview", "data-testid": "preview" });

  constructor(private readonly client: StudioClient) {}

  render(view: View): void {
    const live = view.state?.preview ?? false;
    if (live === this.shown && this.root.childElementCount > 0) return;
    this.shown = live;
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    if (!live) {
      fill(
        this.root,
        el("div", { className: "preview-placeholder", "data-testid": "preview-placeholder" },
          el("strong", { text: "Preview starts when you go live" }),
          el("span", { text: "Scenes, cards and looks can be set up now." })),
      );
      return;
    }
    const img = el("img", { alt: "Program preview", "data-testid": "preview-image" });
    fill(this.root, img);
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
}
