// The run of show: the products in order, each with its target time and talking points; the
// one on the card now is highlighted with its elapsed time against the target, ticking each
// second. "Cue next" (N) moves on; clicking an item cues it.
import type { Actions } from "../actions";
import { el, fill } from "../dom";
import { t } from "../i18n";
import { elapsedLabel, elapsedSeconds, salesLine, targetLabel } from "../format";
import type { View } from "../store";

export class RunOfShowPanel {
  readonly root = el("section", { className: "panel run-of-show", "data-testid": "run-of-show" });
  private elapsed: HTMLElement | null = null;

  constructor(private readonly actions: Actions) {}

  render(view: View): void {
    const state = view.state;
    const run = state?.run_of_show;
    this.elapsed = null;
    this.root.hidden = !run;
    if (!state || !run) {
      fill(this.root);
      return;
    }
    const current = run.current ?? null;
    const items = run.items.map((item, index) => {
      const isCurrent = index === current;
      const product = state.products.find((p) => p.id === item.product);
      const elapsed = isCurrent ? el("span", { className: "run-elapsed", "data-testid": "run-elapsed" }) : null;
      if (elapsed) this.elapsed = elapsed;
      return el("li", {},
        el("button", {
          className: isCurrent ? "run-item current" : "run-item",
          "data-testid": `run-item-${item.product}`,
          "data-current": isCurrent ? "true" : "false",
          "aria-current": isCurrent ? "true" : undefined,
          title: isCurrent ? t("run.current") : t("run.cue"),
          onclick: () => void this.actions.run("run", { type: "cue_product", product: item.product }),
        },
          el("span", { className: "run-head" },
            el("span", { className: "run-index", text: `${index + 1}` }),
            el("strong", { className: "run-name", text: item.name }),
            elapsed ?? el("span", { className: "run-target", text: targetLabel(item.target_seconds) })),
          product ? el("span", { className: "run-sales muted", "data-testid": `run-sales-${item.product}`, text: salesLine(product) + (product.sold_out ? ` · ${t("products.sold_out_mark")}` : "") }) : null,
          item.talking_points.length
            ? el("span", { className: "run-points" }, ...item.talking_points.map((point) => el("span", { className: "run-point", text: point })))
            : null));
    });
    fill(this.root,
      el("div", { className: "run-title" },
        el("h2", { text: t("run.title") }),
        el("button", {
          className: "cue-next",
          "data-testid": "cue-next",
          title: "N",
          text: current === null ? t("run.cue_first") : t("run.cue_next"),
          disabled: current !== null && current >= run.items.length - 1,
          onclick: () => void this.actions.run("run", { type: "cue_next_product" }),
        })),
      el("ol", { className: "run-items" }, ...items),
      this.actions.errorLine("run"));
    this.tick(view);
  }

  /** Redraws only the elapsed time of the current item (called each second). */
  tick(view: View, now = Date.now()): void {
    const run = view.state?.run_of_show;
    if (!this.elapsed || !run || run.current === null) return;
    const item = run.items[run.current];
    const elapsed = elapsedSeconds(run.cued_at, now);
    // The clock runs only while the show is on air.
    const live = view.state?.phase.phase === "live";
    if (!item || elapsed === null || !live) {
      this.elapsed.textContent = live ? "" : t("run.on_card");
      this.elapsed.classList.remove("over");
      return;
    }
    const target = item.target_seconds;
    this.elapsed.textContent = elapsedLabel(elapsed, target);
    this.elapsed.classList.toggle("over", target !== null && elapsed > target);
  }
}
