// Scenes (one click puts one on air) and the layers of the scene on air (show, hide).
import type { Actions } from "../actions";
import { el, fill } from "../dom";
import type { View } from "../store";

export function renderScenes(root: HTMLElement, view: View, actions: Actions): void {
  const state = view.state;
  if (!state) return;
  const buttons = state.scenes.map((scene, index) =>
    el("button", {
      className: scene.id === state.scene ? "choice on-air" : "choice",
      "data-testid": `scene-${scene.id}`,
      "aria-pressed": scene.id === state.scene ? "true" : "false",
      title: index < 9 ? `Hotkey ${index + 1}` : undefined,
      onclick: () => void actions.run("scenes", { type: "switch_scene", scene: scene.id }),
    }, el("span", { className: "hotkey", text: index < 9 ? String(index + 1) : "" }), scene.name),
  );
  const current = state.scenes.find((s) => s.id === state.scene);
  const layers = (current?.layers ?? []).map((layer) =>
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
        el("span", { className: "layer-kind", text: layer.kind.replace("_", " ") }),
        layer.product ? el("span", { className: "layer-detail", text: layer.product }) : null,
      )),
  );
  fill(root,
    el("h2", { text: "Scenes" }),
    el("div", { className: "choices" }, ...buttons),
    el("h3", { text: `Layers of ${current?.name ?? state.scene}` }),
    el("ul", { className: "layers" }, ...layers),
    actions.errorLine("scenes"));
}
