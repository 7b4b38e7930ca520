// The platform chats the studio reads: each with its status, events read and last error (the
// studio's words, as text), a Disconnect button, and the "Connect chat" form beneath.
import type { Actions } from "../actions";
import type { ConnectorView } from "../bindings/ConnectorView";
import { el, fill, tr } from "../dom";
import { thousands } from "../format";
import { t } from "../i18n";
import type { View } from "../store";
import { connectForm } from "./connect_form";

const PANEL = "connectors";

/** The dot's colour: live green, connecting or retrying amber, anything else grey. */
export function statusClass(status: string): "good" | "warning" | "idle" {
  if (status === "live") return "good";
  if (status === "connecting" || status === "retrying") return "warning";
  return "idle";
}

export class ConnectorsPanel {
  readonly root = el("section", { className: "connectors", "data-testid": "connectors" });
  private readonly list = el("ul", { className: "connector-list", "data-testid": "connector-list" });

  constructor(private readonly actions: Actions) {
    fill(this.root,
      el("h3", { text: tr("connectors.title") }),
      this.list,
      connectForm(actions, PANEL),
      actions.errorLine(PANEL));
  }

  render(view: View): void {
    const connectors = view.state?.connectors ?? [];
    fill(this.list, ...connectors.map((c) => this.row(c)));
    this.list.hidden = connectors.length === 0;
  }

  private row(c: ConnectorView): HTMLElement {
    const events = t("connectors.events", { count: c.events, n: thousands(c.events) });
    const status = t(`connectors.status.${c.status}`, { defaultValue: c.status });
    return el("li", { className: "connector", "data-testid": `connector-${c.label}`, "data-status": c.status },
      el("span", { className: `dot ${statusClass(c.status)}`, title: status }),
      el("div", { className: "connector-text" },
        el("strong", { text: c.label }),
        el("span", { className: "muted" },
          el("span", { "data-testid": `connector-status-${c.label}`, text: status }),
          ` · ${events}`),
        c.error ? el("span", { className: "connector-error", "data-testid": `connector-error-${c.label}`, text: c.error }) : null),
      el("button", {
        className: "secondary",
        "data-testid": `connector-disconnect-${c.label}`,
        "aria-label": t("connectors.disconnect_label", { label: c.label }),
        text: t("connectors.disconnect"),
        onclick: () => void this.actions.run(PANEL, { type: "disconnect_audience", connector: c.label }),
      }));
  }
}
