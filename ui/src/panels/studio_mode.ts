// Transitions and studio mode. The transition picker (cut, or a fade of N ms) sets the show's
// transition (`set_transition`), which every scene switch and take uses, whoever asks for it
// (a scene button here, a Stream Deck through obs-websocket); studio mode shows the preview
// scene beside the program, a scene button then puts a scene in the preview, and Take sends
// it to air.
import type { Actions } from "../actions";
import type { StudioClient } from "../client";
import { el, fill, tr } from "../dom";
import { t } from "../i18n";
import type { View } from "../store";
import { playPreview } from "./preview";

/** What a scene button does: in studio mode it puts the scene in the preview. */
export function sceneButtonCommand(view: View, scene: string) {
  if (view.state?.preview_scene != null) return { type: "set_preview_scene" as const, scene };
  return { type: "switch_scene" as const, scene };
}

export class StudioModePanel {
  readonly root = el("section", { className: "panel studio-mode", "data-testid": "studio-mode" });
  /** The preview scene's picture, shown beside the program while studio mode is on. */
  readonly monitor = el("section", { className: "panel preview studio-preview", "data-testid": "studio-preview", hidden: true });
  private readonly picture = el("div", { className: "preview-picture" });
  private readonly kind = el("select", { "data-testid": "transition-kind", "aria-label": tr("transition.title") },
    el("option", { value: "cut", text: tr("transition.cut") }),
    el("option", { value: "fade", text: tr("transition.fade") }));
  private readonly ms = el("input", {
    type: "number", min: "0", max: "10000", step: "100", value: "300",
    "data-testid": "transition-ms", "aria-label": tr("transition.ms_label"),
  });
  private showing = false;
  private timer: number | null = null;
  /** The picker's last command: the next one waits for it, so the studio keeps the last pick
   * (two requests in flight at once may arrive in either order). */
  private picked: Promise<unknown> = Promise.resolve();

  constructor(private readonly client: StudioClient, private readonly actions: Actions) {
    const pick = () => {
      const transition = { kind: this.kind.value === "fade" ? "fade" as const : "cut" as const, ms: Number(this.ms.value) || 0 };
      this.picked = this.picked.then(() => this.actions.run("studio", { type: "set_transition", transition }));
    };
    this.kind.addEventListener("change", pick);
    this.ms.addEventListener("change", pick);
  }

  render(view: View): void {
    const state = view.state;
    if (!state) return;
    // The picker shows the show's transition, except the control the operator is in.
    if (document.activeElement !== this.kind) this.kind.value = state.transition.kind;
    if (state.transition.kind === "fade" && document.activeElement !== this.ms) this.ms.value = String(state.transition.ms);
    const on = state.preview_scene != null;
    const previewName = state.scenes.find((s) => s.id === state.preview_scene)?.name ?? state.preview_scene ?? "";
    const toggle = el("button", {
      className: on ? "secondary on" : "secondary",
      "data-testid": "studio-mode-toggle",
      "aria-pressed": on ? "true" : "false",
      text: on ? t("transition.studio_on") : t("transition.studio"),
      onclick: () => void this.actions.run("studio", { type: "set_studio_mode", enabled: !on }),
    });
    const take = el("button", {
      className: "go-live",
      "data-testid": "take",
      text: t("transition.take"),
      disabled: !on,
      onclick: () => void this.actions.run("studio", { type: "take" }),
    });
    fill(this.root,
      el("h2", { text: t("transition.title") }),
      el("div", { className: "transition" }, this.kind, this.ms, el("span", { className: "muted", text: t("transition.ms") }), toggle, on ? take : null),
      this.actions.errorLine("studio"));
    fill(this.monitor, el("p", { className: "monitor-label", "data-testid": "preview-scene", text: t("transition.preview", { name: previewName }) }), this.picture);
    this.monitor.hidden = !on;
    if (state.canvas) this.monitor.style.aspectRatio = `${state.canvas.width} / ${state.canvas.height}`;
    this.showPicture(on);
  }

  private showPicture(on: boolean): void {
    if (on === this.showing) return;
    this.showing = on;
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    if (!on) {
      fill(this.picture);
      return;
    }
    const img = el("img", { alt: t("transition.preview_alt"), "data-testid": "studio-preview-image" });
    fill(this.picture, img);
    this.timer = playPreview(img, this.client.preview("preview"));
  }
}
