// The show's settings: each destination on or off and its broadcast delay, the banned words
// the pre-air check keeps off air, and the encoding (changed only while not live).
import type { Actions } from "../actions";
import type { EncodingView } from "../bindings/EncodingView";
import { el, fill, tr } from "../dom";
import { t } from "../i18n";
import type { View } from "../store";

const ENCODING: [keyof EncodingView, string, string][] = [
  ["video_bitrate_kbps", "settings.video_kbps", "number"],
  ["keyframe_interval_s", "settings.keyframe", "number"],
  ["x264_preset", "settings.preset", "text"],
  ["audio_bitrate_kbps", "settings.audio_kbps", "number"],
];

export class SettingsPanel {
  readonly root = el("section", { className: "panel build-settings", "data-testid": "build-settings" });
  private readonly destinations = el("ul", { className: "layers" });
  private readonly words = el("ul", { className: "layers" });
  private readonly newWord = el("input", { type: "text", placeholder: tr("settings.banned_word"), "aria-label": tr("settings.new_banned_word"), "data-testid": "new-banned-word" });
  private readonly encoding = new Map<string, HTMLInputElement>();
  private readonly saveEncoding = el("button", { "data-testid": "encoding-save", text: tr("settings.save_encoding") });
  private shown: EncodingView | null = null;

  constructor(private readonly actions: Actions) {
    const form = el("div", { className: "product-form" });
    for (const [name, label, type] of ENCODING) {
      const input = el("input", { type, step: type === "number" ? "any" : undefined, "aria-label": tr(label), "data-testid": `encoding-${name}` });
      this.encoding.set(name, input);
      form.append(el("label", {}, tr(label), " ", input));
    }
    this.saveEncoding.addEventListener("click", () => void this.submitEncoding());
    const addWord = el("button", { "data-testid": "add-banned-word", text: tr("settings.ban"), onclick: () => void this.addWord() });
    fill(this.root,
      el("h2", { text: tr("settings.title") }),
      el("h3", { text: tr("settings.destinations") }), this.destinations,
      el("h3", { text: tr("settings.banned_words") }), this.words, el("div", { className: "add-layer" }, this.newWord, addWord),
      el("h3", { text: tr("settings.encoding") }), form, this.saveEncoding,
      actions.errorLine("build-settings"));
  }

  private async addWord(): Promise<void> {
    const word = this.newWord.value.trim();
    if (word && (await this.actions.run("build-settings", { type: "add_banned_word", word }))) this.newWord.value = "";
  }

  private async submitEncoding(): Promise<void> {
    const encoding: Record<string, unknown> = {};
    for (const [name, , type] of ENCODING) {
      const value = this.encoding.get(name)?.value.trim() ?? "";
      if (value !== "") encoding[name] = type === "number" ? Number(value) : value;
    }
    if (await this.actions.run("build-settings", { type: "set_encoding", encoding })) this.shown = null;
  }

  render(view: View): void {
    const state = view.state;
    if (!state) return;
    const run = (command: Parameters<Actions["run"]>[1]) => void this.actions.run("build-settings", command);
    fill(this.destinations, ...state.destinations.map((d) => {
      const delay = el("input", { type: "number", min: 0, max: 30, "aria-label": t("settings.delay_of", { id: d.id }), "data-testid": `destination-delay-${d.id}` });
      delay.value = String(d.delay_seconds);
      delay.addEventListener("change", () => run({ type: "set_destination", id: d.id, delay_seconds: Number(delay.value) }));
      return el("li", { className: "layer" },
        el("label", {},
          el("input", {
            type: "checkbox",
            checked: d.enabled,
            "aria-label": t("settings.send_to", { id: d.id }),
            "data-testid": `destination-enabled-${d.id}`,
            onclick: (event) => run({ type: "set_destination", id: d.id, enabled: (event.target as HTMLInputElement).checked }),
          }),
          el("span", { className: "layer-name", text: d.id })),
        el("label", {}, `${t("settings.delay")} `, delay));
    }));
    fill(this.words, ...state.banned_words.map((word) =>
      el("li", { className: "layer" },
        el("span", { className: "layer-name", text: word }),
        el("button", { className: "icon secondary", text: "✕", "aria-label": t("settings.allow", { word }), onclick: () => run({ type: "remove_banned_word", word }) }))));
    // The form keeps what is typed until the studio's settings change.
    if (JSON.stringify(this.shown) !== JSON.stringify(state.encoding)) {
      this.shown = state.encoding;
      for (const [name] of ENCODING) {
        const input = this.encoding.get(name);
        if (input) input.value = String(state.encoding[name]);
      }
    }
    const live = state.phase.phase !== "idle" && state.phase.phase !== "failed";
    this.saveEncoding.disabled = live || state.recording !== null;
    this.saveEncoding.title = this.saveEncoding.disabled ? t("settings.encoding_locked") : "";
  }
}
