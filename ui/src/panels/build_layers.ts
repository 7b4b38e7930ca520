// The layers of any scene (picked from a list, the scene on air by default): add by kind,
// edit in place, hide, lock, reorder, remove. Layers are listed bottom first, as stacked.
// Every change is a typed command the studio checks by the show's own rules.
import type { Actions } from "../actions";
import type { StudioClient } from "../client";
import type { LayerView } from "../bindings/LayerView";
import type { StudioState } from "../bindings/StudioState";
import { el, fill, tr } from "../dom";
import { t } from "../i18n";
import { freshId } from "../layout";
import type { View } from "../store";
import { kindName, LayerEditor, newLayer, LAYER_KINDS } from "./layer_editor";
import { uploadPicked } from "./upload";

export class LayerBuilderPanel {
  readonly root = el("section", { className: "panel build-layers", "data-testid": "build-layers" });
  private readonly scenePick = el("select", { "aria-label": tr("layers.scene_pick"), "data-testid": "build-layers-scene" });
  private readonly list = el("ul", { className: "layers" });
  private readonly kind = el("select", { "aria-label": tr("layers.new_kind"), "data-testid": "new-layer-kind" });
  private readonly file = el("input", { type: "file", accept: "image/png,image/jpeg", "aria-label": tr("layers.new_file"), "data-testid": "new-layer-file" });
  private readonly editor: LayerEditor;
  private state: StudioState | null = null;
  private picked: string | null = null;

  constructor(private readonly actions: Actions, private readonly client: StudioClient) {
    for (const kind of LAYER_KINDS) this.kind.append(el("option", { value: kind, text: tr(`kinds.${kind}`) }));
    this.scenePick.addEventListener("change", () => {
      this.picked = this.scenePick.value;
      this.editor.close();
      this.renderList();
    });
    this.editor = new LayerEditor(actions);
    const add = el("button", { "data-testid": "add-layer", text: tr("layers.add"), onclick: () => void this.add() });
    fill(this.root,
      el("h2", { text: tr("layers.title") }),
      el("label", {}, tr("layers.scene"), " ", this.scenePick),
      this.list,
      el("div", { className: "add-layer" }, this.kind, this.file, add),
      this.editor.root,
      actions.errorLine("build-layers"));
  }

  /** The scene being built: the one picked, else the scene on air. */
  scene(): string {
    const state = this.state;
    if (!state) return "";
    return this.picked && state.scenes.some((s) => s.id === this.picked) ? this.picked : state.scene;
  }

  private async add(): Promise<void> {
    const state = this.state;
    if (!state) return;
    const scene = this.scene();
    const layers = state.scenes.find((s) => s.id === scene)?.layers ?? [];
    const kind = this.kind.value;
    let path: string | undefined;
    if (kind === "image" || kind === "media") {
      const uploaded = await uploadPicked(this.client, this.file, this.actions.errorLine("build-layers"));
      if (!uploaded) return;
      path = uploaded.path;
    }
    const layer = newLayer(kind, freshId(kind.replace("_", "-"), layers.map((l) => l.id)), state, path);
    if (await this.actions.run("build-layers", { type: "add_scene_layer", scene, layer })) this.file.value = "";
  }

  render(view: View): void {
    this.state = view.state;
    if (!this.state) return;
    const scene = this.scene();
    fill(this.scenePick, ...this.state.scenes.map((s) => {
      const option = el("option", { value: s.id, text: s.id === this.state?.scene ? t("layers.on_air", { name: s.name }) : s.name });
      option.selected = s.id === scene;
      return option;
    }));
    this.renderList();
    this.editor.render(this.state, scene);
  }

  private renderList(): void {
    const state = this.state;
    if (!state) return;
    const scene = this.scene();
    const all = state.scenes.find((s) => s.id === scene)?.layers ?? [];
    const run = (command: Parameters<Actions["run"]>[1]) => void this.actions.run("build-layers", command);
    fill(this.list, ...all.map((layer, index) => this.row(layer, index, all.length, scene, run)));
  }

  private row(layer: LayerView, index: number, count: number, scene: string, run: (c: Parameters<Actions["run"]>[1]) => void): HTMLElement {
    const id = layer.id;
    return el("li", { className: layer.locked ? "layer locked" : "layer", "data-testid": `build-layer-${id}` },
      el("label", {},
        el("input", {
          type: "checkbox",
          "data-testid": `build-layer-visible-${id}`,
          "aria-label": t("layers.show", { id }),
          checked: layer.visible,
          onclick: (event) => run({ type: "set_scene_layer_visible", scene, layer: id, visible: (event.target as HTMLInputElement).checked }),
        }),
        el("span", { className: "layer-name", text: id }),
        el("span", { className: "layer-kind", text: kindName(layer.kind) })),
      el("span", { className: "layer-tools" },
        button(`build-layer-lock-${id}`, layer.locked ? "🔒" : "🔓", layer.locked ? t("layers.unlock", { id }) : t("layers.lock", { id }), false, () =>
          run({ type: "set_layer_locked", scene, layer: id, locked: !layer.locked })),
        button(`build-layer-edit-${id}`, "✎", t("layers.edit", { id }), layer.locked, () => this.editor.open(scene, id)),
        button(`build-layer-up-${id}`, "↑", t("layers.move_down_stack", { id }), layer.locked || index === 0, () =>
          run({ type: "move_scene_layer", scene, layer: id, to_index: index - 1 })),
        button(`build-layer-down-${id}`, "↓", t("layers.move_up_stack", { id }), layer.locked || index === count - 1, () =>
          run({ type: "move_scene_layer", scene, layer: id, to_index: index + 1 })),
        button(`build-layer-remove-${id}`, "✕", t("layers.remove", { id }), layer.locked, () => run({ type: "remove_scene_layer", scene, layer: id }))));
  }
}

function button(testid: string, text: string, label: string, disabled: boolean, onclick: () => void): HTMLButtonElement {
  return el("button", { className: "icon secondary", "data-testid": testid, title: label, "aria-label": label, text, disabled, onclick });
}
