// Building the scene list: add, rename, duplicate, remove and reorder scenes. The scene on
// air cannot be removed (the studio says so); the forms survive state events.
import type { Actions } from "../actions";
import { el, fill } from "../dom";
import { freshId } from "../layout";
import type { View } from "../store";

export class SceneListPanel {
  readonly root = el("section", { className: "panel build-scenes", "data-testid": "build-scenes" });
  private readonly list = el("ul", { className: "layers" });
  private readonly newName = el("input", { type: "text", placeholder: "New scene name", "aria-label": "Name of a new scene", "data-testid": "new-scene-name" });

  constructor(private readonly actions: Actions) {
    const add = el("button", { "data-testid": "add-scene", text: "Add scene", onclick: () => void this.add() });
    fill(this.root,
      el("h2", { text: "Scene list" }),
      this.list,
      el("div", { className: "add-layer" }, this.newName, add),
      actions.errorLine("build-scenes"));
  }

  private ids: string[] = [];

  private async add(): Promise<void> {
    const name = this.newName.value.trim();
    if (!name) {
      this.actions.errorLine("build-scenes").textContent = "Type the new scene's name first.";
      return;
    }
    const id = sceneId(name, this.ids);
    if (await this.actions.run("build-scenes", { type: "add_scene", id, name })) this.newName.value = "";
  }

  render(view: View): void {
    const state = view.state;
    if (!state) return;
    this.ids = state.scenes.map((s) => s.id);
    const run = (command: Parameters<Actions["run"]>[1]) => void this.actions.run("build-scenes", command);
    const rows = state.scenes.map((scene, index) =>
      el("li", { className: "layer", "data-testid": `scene-row-${scene.id}` },
        el("span", { className: "layer-name", text: scene.name }),
        scene.id === state.scene ? el("span", { className: "layer-kind", text: "on air" }) : null,
        el("span", { className: "layer-tools" },
          tool(`scene-up-${scene.id}`, "↑", `Move ${scene.name} up`, index === 0, () => run({ type: "move_scene", scene: scene.id, to_index: index - 1 })),
          tool(`scene-down-${scene.id}`, "↓", `Move ${scene.name} down`, index === state.scenes.length - 1, () => run({ type: "move_scene", scene: scene.id, to_index: index + 1 })),
          tool(`scene-rename-${scene.id}`, "✎", `Rename ${scene.name}`, false, () => {
            const name = window.prompt("New name of the scene", scene.name)?.trim();
            if (name) run({ type: "rename_scene", scene: scene.id, name });
          }),
          tool(`scene-duplicate-${scene.id}`, "⊕", `Duplicate ${scene.name}`, false, () =>
            run({ type: "duplicate_scene", scene: scene.id, id: freshId(scene.id, this.ids) })),
          tool(`scene-remove-${scene.id}`, "✕", `Remove ${scene.name}`, scene.id === state.scene, () =>
            run({ type: "remove_scene", scene: scene.id })))));
    fill(this.list, ...rows);
  }
}

function tool(testid: string, text: string, label: string, disabled: boolean, onclick: () => void): HTMLButtonElement {
  return el("button", { className: "icon secondary", "data-testid": testid, title: label, "aria-label": label, text, disabled, onclick });
}

/** An id from a scene's name (letters, digits, - and _), not yet taken. */
export function sceneId(name: string, taken: string[]): string {
  const base = name.normalize("NFKD").toLowerCase().replace(/[^\p{L}\p{N}]+/gu, "-").replace(/^-+|-+$/g, "") || "scene";
  return taken.includes(base) ? freshId(base, taken) : base;
}
