// The pre-air check: a command refused with kind `blocked` (a banned word) can be put on air
// anyway, on the operator's word, by sending it again inside `override`.
import type { Command } from "./bindings/Command";
import { CommandFailed } from "./client";

/** Whether `error` is the pre-air check refusing a command. */
export function isBlocked(error: unknown): error is CommandFailed {
  return error instanceof CommandFailed && error.error.kind === "blocked";
}

/** `command` wrapped so the studio airs it despite the check (never wrapped twice). */
export function overrideOf(command: Command): Command {
  return command.type === "override" ? command : { type: "override", command };
}
