// The pre-air check refused a change (a banned word): say why, in the studio's words (as
// text), and offer to put it on air anyway. Cancel has the focus, so Enter or Space on a
// dialog that popped up mid-show never overrides by accident; Escape is Cancel too.
import type { BlockedHandler } from "./actions";
import { el, fill } from "./dom";
import { t } from "./i18n";

function close(dialog: HTMLDialogElement): void {
  if (typeof dialog.close === "function") dialog.close();
  else dialog.removeAttribute("open");
}

export function blockedDialog(): { root: HTMLDialogElement; open: BlockedHandler } {
  const root = el("dialog", { className: "blocked-dialog", "data-testid": "blocked-dialog", "aria-labelledby": "blocked-title" });
  let answer: ((override: boolean) => void) | null = null;
  const decide = (override: boolean) => {
    const resolve = answer;
    answer = null;
    if (root.open) close(root);
    resolve?.(override);
  };
  // Escape closes it: that is Cancel. (A late event from an earlier close is ignored.)
  root.addEventListener("close", () => {
    if (!root.open) decide(false);
  });

  const open: BlockedHandler = (message) => {
    decide(false); // a dialog still open for an earlier command: that one stays off air
    const cancel = el("button", { className: "secondary", "data-testid": "blocked-cancel", autofocus: true, text: t("blocked.cancel"), onclick: () => decide(false) });
    const anyway = el("button", { className: "override", "data-testid": "blocked-override", text: t("blocked.override"), onclick: () => decide(true) });
    fill(root,
      el("h2", { id: "blocked-title", text: t("blocked.title") }),
      el("p", { className: "blocked-message", "data-testid": "blocked-message", text: message }),
      el("div", { className: "dialog-buttons" }, cancel, anyway));
    const choice = new Promise<boolean>((resolve) => (answer = resolve));
    if (typeof root.showModal === "function") root.showModal();
    else root.setAttribute("open", "");
    cancel.focus();
    return choice;
  };
  return { root, open };
}
