// Building the scene list: add, rename, duplicate, remove and reorder scenes, and bring the
// scenes of an OBS scene collection over (`import_obs`: the file is read here and sent as
// a command, so the browser and the desktop window do it the same way). The scene on air
// cannot be removed (the studio says so); the forms survive state events.
import type { Actions } from "../actions";
import { el, fill, tr } from "../dom";
import { t } from "../i18n";
import { freshId } from "../layout";
import type { View } from "../store";

export class SceneListPanel {
  readonly root = el("section", { className: "panel build-scenes", "data-testid": "build-scenes" });
  private readonly list = el("ul", { className: "layers" });
  private readonly newName = el("input", { type: "text", placeholder: tr("scene_list.new_name"), "aria-label": tr("scene_list.new_name_label"), "data-testid": "new-scene-name" });

  constructor(private readonly actions: Actions) {
    const add = el("button", { "data-testid": "add-scene", text: tr("scene_list.add"), onclick: () => void this.add() });
    const obsFile = el("input", { type: "file", accept: ".json,application/json", "data-testid": "import-obs-file", "aria-label": tr("scene_list.import_obs_label") });
    obsFile.addEventListener("change", () => void this.importObs(obsFile));
    fill(this.root,
      el("h2", { text: tr("scene_list.title") }),
      this.list,
      el("div", { className: "add-layer" }, this.newName, add),
      el("label", { className: "add-layer import-obs" }, el("span", { text: tr("scene_list.import_obs") }), obsFile),
      actions.errorLine("build-scenes"));
  }

  /** Sends the picked OBS scene collection to the studio, which adds its scenes. */
  private async importObs(input: HTMLInputElement): Promise<void> {
    const file = input.files?.[0];
    if (!file) return;
    let collection: Record<string, unknown>;
    try {
      const parsed: unknown = JSON.parse(await file.text());
      if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new Error("not an object");
      collection = parsed as Record<string, unknown>;
    } catch {
      this.actions.errorLine("build-scenes").textContent = t("scene_list.import_obs_not_json", { name: file.name });
      input.value = "";
      return;
    }
    await this.actions.run("build-scenes", { type: "import_obs", collection });
    input.value = "";
  }

  private ids: string[] = [];

  private async add(): Promise<void> {
    const name = this.newName.value.trim();
    if (!name) {
      this.actions.errorLine("build-scenes").textContent = t("scene_list.type_name");
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
        scene.id === state.scene ? el("span", { className: "layer-kind", text: t("scene_list.on_air") }) : null,
        el("span", { className: "layer-tools" },
          tool(`scene-up-${scene.id}`, "↑", t("scene_list.up", { name: scene.name }), index === 0, () => run({ type: "move_scene", scene: scene.id, to_index: index - 1 })),
          tool(`scene-down-${scene.id}`, "↓", t("scene_list.down", { name: scene.name }), index === state.scenes.length - 1, () => run({ type: "move_scene", scene: scene.id, to_index: index + 1 })),
          tool(`scene-rename-${scene.id}`, "✎", t("scene_list.rename", { name: scene.name }), false, () => {
            const name = window.prompt(t("scene_list.rename_prompt"), scene.name)?.trim();
            if (name) run({ type: "rename_scene", scene: scene.id, name });
          }),
          tool(`scene-duplicate-${scene.id}`, "⊕", t("scene_list.duplicate", { name: scene.name }), false, () =>
            run({ type: "duplicate_scene", scene: scene.id, id: freshId(scene.id, this.ids) })),
          tool(`scene-remove-${scene.id}`, "✕", t("scene_list.remove", { name: scene.name }), scene.id === state.scene, () =>
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
