// Editing one layer in place: the fields of its kind as a form (a text's words, size and
// colours; a card's product; a countdown's label and time; where it sits), and the rest as
// show-file JSON, so kinds this form does not know are still editable. Saved with
// `update_layer`; the studio checks it by the show's rules and says what is wrong.
import type { Actions } from "../actions";
import type { StudioState } from "../bindings/StudioState";
import { el, fill } from "../dom";
import { t } from "../i18n";

/** The kinds the "Add layer" list offers. */
export const LAYER_KINDS = ["text", "image", "product_card", "countdown", "camera", "color", "media", "screen"];

/** A layer kind in words ("product card", 商品卡); a kind this UI does not know, as it is. */
export function kindName(kind: string): string {
  const key = `kinds.${kind}`;
  const name = t(key);
  return name === key ? kind.replace("_", " ") : name;
}

/** A new layer of `kind`, written as in the show file, with settings that pass the checks. */
export function newLayer(kind: string, id: string, state: StudioState, path?: string): Record<string, unknown> {
  const rect = [0.05, 0.05, 0.4, 0.2];
  switch (kind) {
    case "text":
      return { id, kind, text: t("editor.new_text"), rect };
    case "image":
      return { id, kind, path, rect: [0.7, 0.05, 0.25, 0.25] };
    case "product_card":
      return { id, kind, product: state.products[0]?.id ?? "", rect: [0.6, 0.4, 0.35, 0.5] };
    case "countdown":
      return { id, kind, label: t("editor.ends_in"), seconds: 300, rect: [0.05, 0.8, 0.3, 0.12] };
    case "color":
      return { id, kind, color: "#202020", rect: [0, 0, 1, 1] };
    case "media":
      return { id, kind, path, rect: [0.05, 0.05, 0.5, 0.5] };
    default:
      return { id, kind };
  }
}

/** The fields the form shows for each kind: [field, label's catalogue key, input type]. */
const FORM_FIELDS: Record<string, [string, string, string][]> = {
  text: [["text", "editor.text", "text"], ["font_size", "editor.font_size", "number"], ["color", "editor.color", "text"], ["background", "editor.background", "text"]],
  countdown: [["label", "editor.label", "text"], ["seconds", "editor.seconds", "number"], ["font_size", "editor.font_size", "number"], ["color", "editor.color", "text"]],
  image: [["path", "editor.picture", "text"], ["opacity", "editor.opacity", "number"]],
  color: [["color", "editor.color", "text"]],
  camera: [["device", "editor.device", "text"]],
};

export class LayerEditor {
  readonly root = el("div", { className: "layer-editor", "data-testid": "layer-editor", hidden: true });
  private target: { scene: string; layer: string } | null = null;
  private state: StudioState | null = null;

  constructor(private readonly actions: Actions) {}

  open(scene: string, layer: string): void {
    this.target = { scene, layer };
    this.build();
  }

  close(): void {
    this.target = null;
    this.root.hidden = true;
    fill(this.root);
  }

  /** Keeps the form as typed; closes it when its layer is gone. */
  render(state: StudioState, scene: string): void {
    this.state = state;
    if (!this.target) return;
    const layer = state.scenes.find((s) => s.id === this.target?.scene)?.layers.find((l) => l.id === this.target?.layer);
    if (!layer || this.target.scene !== scene) this.close();
  }

  private build(): void {
    const target = this.target;
    const layer = this.state?.scenes.find((s) => s.id === target?.scene)?.layers.find((l) => l.id === target?.layer);
    if (!target || !layer || !this.state) return this.close();
    const fields = layer.fields as Record<string, unknown>;
    const inputs: [string, HTMLInputElement | HTMLSelectElement, string][] = [];
    const rows: HTMLElement[] = [];
    for (const [name, label, type] of FORM_FIELDS[layer.kind] ?? []) {
      const input = el("input", { type, step: type === "number" ? "any" : undefined, "data-testid": `edit-${name}`, "aria-label": t(label) });
      input.value = fields[name] === undefined || fields[name] === null ? "" : String(fields[name]);
      inputs.push([name, input, type]);
      rows.push(el("label", {}, `${t(label)} `, input));
    }
    if (layer.kind === "product_card") {
      const pick = el("select", { "data-testid": "edit-product", "aria-label": t("editor.product") });
      for (const p of this.state.products) {
        const option = el("option", { value: p.id, text: `${p.name} (${p.id})` });
        option.selected = p.id === fields.product;
        pick.append(option);
      }
      inputs.push(["product", pick, "text"]);
      rows.push(el("label", {}, `${t("editor.product")} `, pick));
    }
    const rect = el("input", { type: "text", "data-testid": "edit-rect", "aria-label": t("editor.place") });
    if (Array.isArray(fields.rect)) rect.value = (fields.rect as number[]).join(", ");
    const save = async () => {
      const changed: Record<string, unknown> = {};
      for (const [name, input, type] of inputs) {
        const value = input.value.trim();
        const before = fields[name] === undefined || fields[name] === null ? "" : String(fields[name]);
        if (value === before) continue;
        changed[name] = value === "" ? null : type === "number" ? Number(value) : value;
      }
      if (Array.isArray(fields.rect) && rect.value.trim() !== (fields.rect as number[]).join(", ")) {
        changed.rect = rect.value.split(",").map((v) => Number(v.trim()));
      }
      if (await this.actions.run("build-layers", { type: "update_layer", scene: target.scene, layer: target.layer, fields: changed })) this.close();
    };
    fill(this.root,
      el("h3", { text: t("editor.title", { id: layer.id, kind: kindName(layer.kind) }) }),
      ...rows,
      Array.isArray(fields.rect) ? el("label", {}, `${t("editor.place")} `, rect) : null,
      el("div", { className: "dialog-buttons" },
        el("button", { className: "secondary", text: t("app.cancel"), "data-testid": "edit-cancel", onclick: () => this.close() }),
        el("button", { text: t("editor.save"), "data-testid": "edit-save", onclick: () => void save() })));
    this.root.hidden = false;
  }
}
