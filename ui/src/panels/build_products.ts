// The catalogue as a table, a form to add or edit a product (name, price, original price,
// currency, link, picture, stock), removal (refused while a card or the run of show uses
// it), and a CSV catalogue import (all or nothing; bad rows are told by line number).
import type { Actions } from "../actions";
import type { StudioClient } from "../client";
import type { ProductView } from "../bindings/ProductView";
import { el, fill } from "../dom";
import type { View } from "../store";
import { uploadPicked } from "./upload";

const FIELDS: [keyof ProductView, string, string][] = [
  ["id", "Id", "text"],
  ["name", "Name", "text"],
  ["price", "Price", "number"],
  ["original_price", "Original price", "number"],
  ["currency", "Currency", "text"],
  ["url", "Buy link", "url"],
  ["stock", "Stock", "number"],
];

export class ProductBuilderPanel {
  readonly root = el("section", { className: "panel build-products", "data-testid": "build-products" });
  private readonly table = el("tbody");
  private readonly inputs = new Map<string, HTMLInputElement>();
  private readonly picture = el("input", { type: "file", accept: "image/png,image/jpeg", "aria-label": "Product picture", "data-testid": "product-form-image" });
  private readonly csv = el("input", { type: "file", accept: ".csv,text/csv", "aria-label": "CSV catalogue", "data-testid": "product-csv" });
  private editing: ProductView | null = null;
  private readonly save = el("button", { "data-testid": "product-form-save", text: "Add product" });

  constructor(private readonly actions: Actions, private readonly client: StudioClient) {
    const form = el("div", { className: "product-form" });
    for (const [name, label, type] of FIELDS) {
      const input = el("input", { type, step: type === "number" ? "any" : undefined, "aria-label": label, "data-testid": `product-form-${name}`, placeholder: label });
      this.inputs.set(name, input);
      form.append(el("label", {}, `${label} `, input));
    }
    form.append(el("label", {}, "Picture ", this.picture));
    this.save.addEventListener("click", () => void this.submit());
    const clear = el("button", { className: "secondary", text: "New", "data-testid": "product-form-new", onclick: () => this.edit(null) });
    const importCsv = el("button", { "data-testid": "product-csv-import", text: "Import CSV", onclick: () => void this.importCsv() });
    fill(this.root,
      el("h2", { text: "Catalogue" }),
      el("table", { className: "catalogue" },
        el("thead", {}, el("tr", {}, ...["Product", "Price", "Stock", ""].map((h) => el("th", { text: h })))),
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
    this.save.textContent = product ? `Save ${product.id}` : "Add product";
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
      this.actions.errorLine("build-products").textContent = "Pick a CSV file first.";
      return;
    }
    if (await this.actions.run("build-products", { type: "import_products", csv: await file.text() })) this.csv.value = "";
  }

  render(view: View): void {
    const state = view.state;
    if (!state) return;
    fill(this.table, ...state.products.map((p) =>
      el("tr", { "data-testid": `catalogue-${p.id}` },
        el("td", { text: `${p.name} (${p.id})` }),
        el("td", { text: p.original_price && p.original_price > p.price ? `${p.price} ${p.currency} (was ${p.original_price})` : `${p.price} ${p.currency}` }),
        el("td", { text: p.stock === null ? "—" : String(p.stock) }),
        el("td", {},
          el("button", { className: "icon secondary", text: "✎", "aria-label": `Edit ${p.id}`, "data-testid": `catalogue-edit-${p.id}`, onclick: () => this.edit(p) }),
          el("button", {
            className: "icon secondary",
            text: "✕",
            "aria-label": `Remove ${p.id}`,
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
