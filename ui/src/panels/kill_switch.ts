// The kill switch: one big red button (Shift+K) that cuts every destination to the safe
// slate at once, the banner that says so while it is on, and Resume. After Resume, a
// destination with a broadcast delay is back only once its delay has refilled.
import type { Actions } from "../actions";
import { el, fill, tr } from "../dom";
import { t } from "../i18n";
import type { View } from "../store";

export class KillSwitch {
  readonly button = el("button", {
    className: "kill-switch",
    "data-testid": "kill-switch",
    title: tr("kill.title"),
  });
  readonly banner = el("div", { className: "kill-banner", "data-testid": "kill-banner", role: "alert", hidden: true });

  constructor(private readonly actions: Actions) {
    this.button.addEventListener("click", () => void this.actions.run("kill", { type: "kill_switch" }));
  }

  render(view: View): void {
    const state = view.state;
    const live = state?.phase.phase === "live" || state?.phase.phase === "starting";
    const on = state?.kill_switch.on ?? false;
    const refilling = state?.kill_switch.refilling ?? [];
    this.button.hidden = !live && !on;
    this.button.disabled = on;
    this.button.setAttribute("aria-pressed", on ? "true" : "false");
    this.button.textContent = on ? t("kill.on") : t("kill.button");
    if (on) {
      this.banner.className = "kill-banner on";
      fill(this.banner,
        el("strong", { text: t("kill.slate_on_air") }),
        refilling.length ? el("span", { "data-testid": "kill-refilling", text: refillingText(refilling) }) : null,
        el("button", { className: "resume", "data-testid": "resume", text: t("kill.resume"), onclick: () => void this.actions.run("kill", { type: "resume" }) }));
    } else if (refilling.length) {
      this.banner.className = "kill-banner refilling";
      fill(this.banner, el("strong", { "data-testid": "kill-refilling", text: t("kill.resuming", { what: refillingText(refilling) }) }));
    } else {
      fill(this.banner);
    }
    this.banner.hidden = !on && !refilling.length;
  }
}

/** "bili, douyin: back on air when the delay refills". */
export function refillingText(ids: string[]): string {
  return t("kill.refilling", { ids: ids.join(t("chat.list_separator")) });
}
