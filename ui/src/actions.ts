// Sends commands and puts the studio's answer where the operator is looking: the panel the
// click came from, and the notice bar. A command the pre-air check blocked goes to `onBlocked`
// (the dialog that offers to put it on air anyway), and is sent again inside `override` when
// the operator says so.
import type { Command } from "./bindings/Command";
import { describe, type SendOptions, type StudioClient } from "./client";
import { studioText } from "./messages";
import { isBlocked, overrideOf } from "./override";

/** Shows the studio's words; resolves true when the operator chooses to air it anyway. */
export type BlockedHandler = (message: string) => Promise<boolean>;

export class Actions {
  private readonly errors = new Map<string, HTMLElement>();
  onBlocked: BlockedHandler | null = null;

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

  /** Sends `command` for `panel`; resolves true when the studio accepted it (after an
   * override, when the pre-air check blocked it and the operator overrode). */
  async run(panel: string, command: Command, options: SendOptions = {}): Promise<boolean> {
    const line = this.errorLine(panel);
    line.textContent = "";
    try {
      const reply = await this.client.send(command, options);
      if (reply.note) this.toast("info", studioText({ message: reply.note, key: reply.note_key, args: reply.note_args }));
      return true;
    } catch (error) {
      const message = describe(error);
      line.textContent = message;
      if (isBlocked(error) && command.type !== "override" && this.onBlocked) {
        // The override is a deliberate click in the dialog, whatever sent the original.
        return (await this.onBlocked(message)) ? this.run(panel, overrideOf(command)) : false;
      }
      this.toast("error", message);
      return false;
    }
  }
}
