// The kill switch: one big red button (Shift+K) that cuts every destination to the safe
// slate at once, the banner that says so while it is on, and Resume. After Resume, a
// destination with a broadcast delay is back only once its delay has refilled.
import type { Actions } from "../actions";
import { el, fill } from "../dom";
import type { View } from "../store";

export const SLATE_ON_AIR = "SAFE SLATE ON AIR — platforms see the slate";

export class KillSwitch {
  readonly button = el("button", {
    className: "kill-switch",
    "data-testid": "kill-switch",
    title: "Shift+K: every platform gets the safe slate at once (the recording carries on)",
    text: "KILL SWITCH",
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
    this.button.textContent = on ? "KILL SWITCH ON" : "KILL SWITCH";
    if (on) {
      this.banner.className = "kill-banner on";
      fill(this.banner,
        el("strong", { text: SLATE_ON_AIR }),
        refilling.length ? el("span", { "data-testid": "kill-refilling", text: refillingText(refilling) }) : null,
        el("button", { className: "resume", "data-testid": "resume", text: "Resume", onclick: () => void this.actions.run("kill", { type: "resume" }) }));
    } else if (refilling.length) {
      this.banner.className = "kill-banner refilling";
      fill(this.banner, el("strong", { "data-testid": "kill-refilling", text: `Resuming: ${refillingText(refilling)}` }));
    } else {
      fill(this.banner);
    }
    this.banner.hidden = !on && !refilling.length;
  }
}

/** "bili, douyin: back on air when the delay refills". */
export function refillingText(ids: string[]): string {
  return `${ids.join(", ")}: back on air when the delay refills`;
}
