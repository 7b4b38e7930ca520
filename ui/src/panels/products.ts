// The catalogue: pin a product on the scene's card, mark it sold out; units sold and left.
import type { Actions } from "../actions";
import { el, fill } from "../dom";
import { money, salesLine } from "../format";
import { t } from "../i18n";
import type { View } from "../store";

/** The first product-card layer of the scene on air: where "Pin" puts a product. */
export function cardLayer(view: View): string | null {
  const state = view.state;
  const scene = state?.scenes.find((s) => s.id === state.scene);
  return scene?.layers.find((l) => l.kind === "product_card")?.id ?? null;
}

export function renderProducts(root: HTMLElement, view: View, actions: Actions): void {
  const state = view.state;
  if (!state) return;
  const card = cardLayer(view);
  const scene = state.scenes.find((s) => s.id === state.scene);
  const pinned = scene?.layers.find((l) => l.id === card)?.product;
  const rows = state.products.map((product, index) =>
    el("li", { className: product.id === pinned ? "product pinned" : "product", "data-testid": `product-${product.id}` },
      el("div", { className: "product-text" },
        el("strong", { text: product.name }),
        el("span", { text: `${money(product.price, product.currency)}${product.sold_out ? ` · ${t("products.sold_out_mark")}` : ""}` }),
        el("span", { className: "product-sales muted", "data-testid": `sales-${product.id}`, text: salesLine(product) })),
      el("button", {
        "data-testid": `pin-${product.id}`,
        disabled: card === null || product.id === pinned,
        title: card === null ? t("products.no_card") : `Alt+${index + 1}`,
        text: product.id === pinned ? t("products.on_card") : t("products.pin"),
        onclick: () => card && void actions.run("products", { type: "set_card_product", layer: card, product: product.id }),
      }),
      el("button", {
        className: "secondary",
        "data-testid": `soldout-${product.id}`,
        text: product.sold_out ? t("products.in_stock") : t("products.sold_out"),
        onclick: () => void actions.run("products", { type: "set_product_sold_out", product: product.id, sold_out: !product.sold_out }),
      })),
  );
  fill(root, el("h2", { text: t("products.title") }), el("ul", { className: "products" }, ...rows), actions.errorLine("products"));
}
