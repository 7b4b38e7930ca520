// Scenes (one click puts one on air) and the layers of the scene on air (show, hide,
// reorder, remove, add a text layer). Layers are listed bottom first, as in the show.
import type { Actions } from "../actions";
import { el, fill, tr } from "../dom";
import { t } from "../i18n";
import { kindName } from "./layer_editor";
import { cameraPicker, devicesList } from "./devices";
import { freshId } from "../layout";
import type { View } from "../store";
import { sceneButtonCommand } from "./studio_mode";

export function renderScenes(root: HTMLElement, view: View, actions: Actions): void {
  const state = view.state;
  if (!state) return;
  const buttons = state.scenes.map((scene, index) =>
    el("button", {
      className: scene.id === state.scene ? "choice on-air" : "choice",
      "data-testid": `scene-${scene.id}`,
      "aria-pressed": scene.id === state.scene ? "true" : "false",
      title: index < 9 ? t("scenes.hotkey", { n: index + 1 }) : undefined,
      onclick: () => void actions.run("scenes", sceneButtonCommand(view, scene.id)),
    }, el("span", { className: "hotkey", text: index < 9 ? String(index + 1) : "" }), scene.name),
  );
  const current = state.scenes.find((s) => s.id === state.scene);
  const all = current?.layers ?? [];
  const layers = all.map((layer, index) =>
    el("li", { className: "layer" },
      el("label", {},
        el("input", {
          type: "checkbox",
          "data-testid": `layer-${layer.id}`,
          checked: layer.visible,
          onclick: (event) => {
            const box = event.target as HTMLInputElement;
            void actions.run("scenes", { type: "set_layer_visible", layer: layer.id, visible: box.checked });
          },
        }),
        el("span", { className: "layer-name", text: layer.id }),
        el("span", { className: "layer-kind", text: kindName(layer.kind) }),
        layer.product ? el("span", { className: "layer-detail", text: layer.product }) : null,
      ),
      layer.kind === "camera" ? cameraPicker(layer, state, actions) : null,
      el("span", { className: "layer-tools" },
        el("button", {
          className: "icon secondary",
          "data-testid": `layer-up-${layer.id}`,
          title: t("scenes.up_title"),
          "aria-label": t("scenes.up", { id: layer.id }),
          text: "↑",
          disabled: index === 0,
          onclick: () => void actions.run("scenes", { type: "move_layer", layer: layer.id, to_index: index - 1 }),
        }),
        el("button", {
          className: "icon secondary",
          "data-testid": `layer-down-${layer.id}`,
          title: t("scenes.down_title"),
          "aria-label": t("scenes.down", { id: layer.id }),
          text: "↓",
          disabled: index === all.length - 1,
          onclick: () => void actions.run("scenes", { type: "move_layer", layer: layer.id, to_index: index + 1 }),
        }),
        el("button", {
          className: "icon secondary",
          "data-testid": `layer-remove-${layer.id}`,
          title: t("scenes.remove_title"),
          "aria-label": t("scenes.remove", { id: layer.id }),
          text: "✕",
          onclick: () => void actions.run("scenes", { type: "remove_layer", layer: layer.id }),
        }))),
  );
  const text = newTextInput(root);
  const addText = async () => {
    if (!text.value.trim()) {
      actions.errorLine("scenes").textContent = t("scenes.type_text");
      return;
    }
    const id = freshId("text", all.map((l) => l.id));
    const layer = { id, kind: "text", text: text.value, rect: [0.05, 0.05, 0.5, 0.12] };
    if (await actions.run("scenes", { type: "add_layer", layer })) text.value = "";
  };
  const form = el("div", { className: "add-layer" },
    text,
    el("button", { "data-testid": "add-text-layer", text: t("scenes.add_text"), onclick: () => void addText() }));
  fill(root,
    el("h2", { text: t("scenes.title") }),
    el("div", { className: "choices" }, ...buttons),
    el("h3", { text: t("scenes.layers_of", { name: current?.name ?? state.scene }) }),
    el("ul", { className: "layers" }, ...layers),
    form,
    devicesList(state),
    actions.errorLine("scenes"));
}

const textInputs = new WeakMap<HTMLElement, HTMLInputElement>();

/** The new text layer's field, kept across renders so typing survives a state event. */
function newTextInput(root: HTMLElement): HTMLInputElement {
  let input = textInputs.get(root);
  if (!input) {
    input = el("input", { type: "text", placeholder: tr("scenes.new_text"), "aria-label": tr("scenes.new_text_label"), "data-testid": "new-text" });
    textInputs.set(root, input);
  }
  return input;
}
