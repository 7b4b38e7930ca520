// The catalogue as a table, a form to add or edit a product (name, price, original price,
// currency, link, picture, stock), removal (refused while a card or the run of show uses
// it), and a CSV catalogue import (all or nothing; bad rows are told by line number).
import type { Actions } from "../actions";
import type { StudioClient } from "../client";
import type { ProductView } from "../bindings/ProductView";
import { el, fill, tr } from "../dom";
import { money } from "../format";
import { t } from "../i18n";
import type { View } from "../store";
import { uploadPicked } from "./upload";

const FIELDS: [keyof ProductView, string, string][] = [
  ["id", "catalogue.id", "text"],
  ["name", "catalogue.name", "text"],
  ["price", "catalogue.price", "number"],
  ["original_price", "catalogue.original_price", "number"],
  ["currency", "catalogue.currency", "text"],
  ["url", "catalogue.url", "url"],
  ["stock", "catalogue.stock", "number"],
];

export class ProductBuilderPanel {
  readonly root = el("section", { className: "panel build-products", "data-testid": "build-products" });
  private readonly table = el("tbody");
  private readonly inputs = new Map<string, HTMLInputElement>();
  private readonly picture = el("input", { type: "file", accept: "image/png,image/jpeg", "aria-label": tr("catalogue.picture_file"), "data-testid": "product-form-image" });
  private readonly csv = el("input", { type: "file", accept: ".csv,text/csv", "aria-label": tr("catalogue.csv_file"), "data-testid": "product-csv" });
  private editing: ProductView | null = null;
  private readonly save = el("button", { "data-testid": "product-form-save" });

  constructor(private readonly actions: Actions, private readonly client: StudioClient) {
    const form = el("div", { className: "product-form" });
    for (const [name, label, type] of FIELDS) {
      const input = el("input", { type, step: type === "number" ? "any" : undefined, "aria-label": tr(label), "data-testid": `product-form-${name}`, placeholder: tr(label) });
      this.inputs.set(name, input);
      form.append(el("label", {}, tr(label), " ", input));
    }
    form.append(el("label", {}, tr("catalogue.picture"), " ", this.picture));
    this.save.addEventListener("click", () => void this.submit());
    const clear = el("button", { className: "secondary", text: tr("catalogue.new"), "data-testid": "product-form-new", onclick: () => this.edit(null) });
    const importCsv = el("button", { "data-testid": "product-csv-import", text: tr("catalogue.import"), onclick: () => void this.importCsv() });
    fill(this.root,
      el("h2", { text: tr("catalogue.title") }),
      el("table", { className: "catalogue" },
        el("thead", {}, el("tr", {}, ...["catalogue.product", "catalogue.price", "catalogue.stock"].map((h) => el("th", { text: tr(h) })), el("th"))),
        this.table),
      form,
      el("div", { className: "dialog-buttons" }, clear, this.save),
      el("div", { className: "add-layer" }, this.csv, importCsv),
      actions.errorLine("build-products"));
    this.edit(null);
  }

  private edit(product: ProductView | null): void {
    this.editing = product;
    for (const [name] of FIELDS) {
      const input = this.inputs.get(name);
      if (!input) continue;
      const value = product?.[name];
      input.value = value === null || value === undefined ? (name === "currency" && !product ? "CNY" : "") : String(value);
      input.disabled = name === "id" && product !== null;
    }
    this.picture.value = "";
    this.save.textContent = product ? t("catalogue.save", { id: product.id }) : t("catalogue.add");
  }

  private async submit(): Promise<void> {
    const fields: Record<string, unknown> = {};
    for (const [name, , type] of FIELDS) {
      const value = this.inputs.get(name)?.value.trim() ?? "";
      fields[name] = value === "" ? null : type === "number" ? Number(value) : value;
    }
    if (this.picture.files?.length) {
      const uploaded = await uploadPicked(this.client, this.picture, this.actions.errorLine("build-products"));
      if (!uploaded) return;
      fields.image = uploaded.path;
    }
    const editing = this.editing;
    const done = editing
      ? await this.actions.run("build-products", { type: "update_product", product: editing.id, fields: withoutId(fields) })
      : await this.actions.run("build-products", { type: "add_product", product: withoutNulls(fields) });
    if (done) this.edit(null);
  }

  private async importCsv(): Promise<void> {
    const file = this.csv.files?.[0];
    if (!file) {
      this.actions.errorLine("build-products").textContent = t("catalogue.pick_csv");
      return;
    }
    if (await this.actions.run("build-products", { type: "import_products", csv: await file.text() })) this.csv.value = "";
  }

  render(view: View): void {
    const state = view.state;
    if (!state) return;
    this.save.textContent = this.editing ? t("catalogue.save", { id: this.editing.id }) : t("catalogue.add");
    fill(this.table, ...state.products.map((p) =>
      el("tr", { "data-testid": `catalogue-${p.id}` },
        el("td", { text: `${p.name} (${p.id})` }),
        el("td", { text: p.original_price && p.original_price > p.price ? t("catalogue.was", { price: money(p.price, p.currency), was: money(p.original_price, p.currency) }) : money(p.price, p.currency) }),
        el("td", { text: p.stock === null ? "—" : String(p.stock) }),
        el("td", {},
          el("button", { className: "icon secondary", text: "✎", "aria-label": t("catalogue.edit", { id: p.id }), "data-testid": `catalogue-edit-${p.id}`, onclick: () => this.edit(p) }),
          el("button", {
            className: "icon secondary",
            text: "✕",
            "aria-label": t("catalogue.remove", { id: p.id }),
            "data-testid": `catalogue-remove-${p.id}`,
            onclick: () => void this.actions.run("build-products", { type: "remove_product", product: p.id }),
          })))));
  }
}

function withoutNulls(fields: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== null));
}

function withoutId(fields: Record<string, unknown>): Record<string, unknown> {
  const { id: _id, ...rest } = fields;
  return rest;
}
