// Sends commands and puts the studio's answer where the operator is looking: the panel the
// click came from, and the notice bar.
import type { Command } from "./bindings/Command";
import { describe, type StudioClient } from "./client";

export class Actions {
  private readonly errors = new Map<string, HTMLElement>();

  constructor(
    private readonly client: StudioClient,
    private readonly toast: (level: "info" | "error", message: string) => void,
  ) {}

  /** The element where `panel` shows its last error. */
  errorLine(panel: string): HTMLElement {
    let line = this.errors.get(panel);
    if (!line) {
      line = document.createElement("p");
      line.className = "panel-error";
      line.setAttribute("data-testid", `error-${panel}`);
      line.setAttribute("role", "alert");
      this.errors.set(panel, line);
    }
    return line;
  }

  /** Sends `command` for `panel`; resolves true when the studio accepted it. */
  async run(panel: string, command: Command): Promise<boolean> {
    const line = this.errorLine(panel);
    line.textContent = "";
    try {
      const reply = await this.client.send(command);
      if (reply.note) this.toast("info", reply.note);
      return true;
    } catch (error) {
      const message = describe(error);
      line.textContent = message;
      this.toast("error", message);
      return false;
    }
  }
}
