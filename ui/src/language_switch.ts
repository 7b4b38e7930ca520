// The language picker in the header: 简体中文 or English, each named in its own words. The
// choice is remembered (localStorage) and the whole screen follows at once.
import { el, tr } from "./dom";
import { language, LANGUAGES, onLanguage, setLanguage, type Lang } from "./i18n";

export function languageSwitch(): HTMLSelectElement {
  const select = el("select", { className: "language", "data-testid": "language", "aria-label": tr("app.language"), title: tr("app.language") },
    ...LANGUAGES.map((l) => el("option", { value: l.code, text: l.name, lang: l.code })));
  select.value = language();
  select.addEventListener("change", () => setLanguage(select.value as Lang));
  onLanguage((lang) => (select.value = lang));
  return select;
}
