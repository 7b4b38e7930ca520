// "Save show" (Ctrl+S, ⌘S on a Mac): writes the show with every change made live back to
// its file (`save_show`); the studio's answer ("show saved: PATH") comes up as a notice, a
// failure as the error under the header. The tooltip says where it goes.
import type { Actions } from "./actions";
import { el, tr } from "./dom";
import { t } from "./i18n";
import type { View } from "./store";

export class SaveButton {
  readonly root = el("button", { className: "secondary save-show", "data-testid": "save-show", text: tr("app.save"), disabled: true });

  constructor(actions: Actions) {
    this.root.addEventListener("click", () => void actions.run("save", { type: "save_show" }));
  }

  render(view: View): void {
    const file = view.state?.show_file ?? "";
    this.root.disabled = !view.state;
    this.root.title = file;
    this.root.setAttribute("aria-label", file ? t("app.save_to", { file }) : t("app.save_label"));
  }
}
