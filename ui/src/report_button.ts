// "Session report", once a show has ended: the web UI opens the report page in a new tab
// (through a one-use link, never with the token in its address); the desktop app asks the
// studio to write it (`write_report`), which says where it went.
import type { Actions } from "./actions";
import { describe, type StudioClient } from "./client";
import { el, tr } from "./dom";
import { language } from "./i18n";
import type { View } from "./store";

export class ReportButton {
  readonly root = el("button", { className: "secondary report", "data-testid": "session-report", text: tr("app.report"), hidden: true });
  private sawEnd = false;
  private wasLive = false;

  constructor(client: StudioClient, actions: Actions) {
    this.root.addEventListener("click", () => {
      const report = client.report();
      if (report.kind === "command") {
        void actions.run("header", { type: "write_report", lang: language() });
        return;
      }
      const line = actions.errorLine("header");
      line.textContent = "";
      report.url(language()).then(
        (url) => window.open(url, "_blank", "noopener"),
        (error: unknown) => (line.textContent = describe(error)),
      );
    });
  }

  render(view: View): void {
    const phase = view.state?.phase.phase;
    const live = phase === "live" || phase === "starting" || phase === "ending";
    if (this.wasLive && !live) this.sawEnd = true;
    this.wasLive = live;
    this.root.hidden = live || !(this.sawEnd || (view.state?.session ?? null) !== null);
  }
}
