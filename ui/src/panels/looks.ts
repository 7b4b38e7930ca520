// Lighting looks, switched live.
import type { Actions } from "../actions";
import { el, fill } from "../dom";
import { t } from "../i18n";
import type { View } from "../store";

export function renderLooks(root: HTMLElement, view: View, actions: Actions): void {
  const state = view.state;
  if (!state) return;
  const buttons = state.looks.map((look, index) =>
    el("button", {
      className: look.id === state.look ? "choice on-air" : "choice",
      "data-testid": `look-${look.id}`,
      "aria-pressed": look.id === state.look ? "true" : "false",
      title: index < 9 ? `Shift+${index + 1}` : undefined,
      text: look.name,
      onclick: () => void actions.run("looks", { type: "set_look", look: look.id }),
    }),
  );
  fill(root, el("h2", { text: t("looks.title") }), el("div", { className: "choices" }, ...buttons), actions.errorLine("looks"));
}
