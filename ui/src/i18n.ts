// The UI's languages: every string comes from a catalogue (locales/*.json, i18next). The
// language follows the browser (`navigator.language`; in the desktop app WebKitGTK derives
// it from the system's LANG), unless the operator picked one in the header, which is
// remembered in localStorage. Switching calls the listeners, which draw the screen again.
import i18next, { type TOptions } from "i18next";
import en from "./locales/en.json";
import zhCN from "./locales/zh-CN.json";

export type Lang = "zh-CN" | "en";

/** The languages offered, each named in its own words. */
export const LANGUAGES: { code: Lang; name: string }[] = [
  { code: "zh-CN", name: "简体中文" },
  { code: "en", name: "English" },
];

export const CATALOGUES: Record<Lang, Record<string, unknown>> = { en, "zh-CN": zhCN };

/** Where the operator's choice is remembered. */
export const STORAGE_KEY = "kaibo.language";

/** The catalogue language for a BCP 47 tag or a POSIX locale (`zh_CN.UTF-8`), or null. */
export function languageOf(tag: string | null | undefined): Lang | null {
  if (!tag) return null;
  const lower = tag.trim().toLowerCase().replace("_", "-");
  if (lower.startsWith("zh")) return "zh-CN";
  if (lower.startsWith("en")) return "en";
  return null;
}

/** The remembered choice, else the first browser language we have, else English. */
export function pickLanguage(stored: string | null, preferred: readonly string[]): Lang {
  const remembered = stored === "zh-CN" || stored === "en" ? stored : null;
  if (remembered) return remembered;
  for (const tag of preferred) {
    const lang = languageOf(tag);
    if (lang) return lang;
  }
  return "en";
}

function stored(): string | null {
  try {
    return globalThis.localStorage?.getItem(STORAGE_KEY) ?? null;
  } catch {
    return null; // storage refused (a private window): the browser's language then
  }
}

function browserLanguages(): readonly string[] {
  const nav = globalThis.navigator;
  if (!nav) return [];
  return nav.languages?.length ? nav.languages : [nav.language];
}

const i18n = i18next.createInstance();
void i18n.init({
  resources: { en: { translation: en }, "zh-CN": { translation: zhCN } },
  lng: pickLanguage(stored(), browserLanguages()),
  fallbackLng: "en",
  initAsync: false,
  // Text goes into the page as textContent (dom.ts), never as HTML: nothing to escape.
  interpolation: { escapeValue: false },
  returnNull: false,
});

const listeners = new Set<(lang: Lang) => void>();

/** The language the UI speaks now. */
export function language(): Lang {
  return i18n.language === "zh-CN" ? "zh-CN" : "en";
}

/** The catalogue's text for `key`, with its arguments (`{{name}}`, plurals by `count`). */
export function t(key: string, args?: TOptions): string {
  return i18n.t(key, args ?? {}) as string;
}

/** Whether the catalogue has `key` (in the current language or the English fallback). */
export function has(key: string): boolean {
  return i18n.exists(key);
}

/** Switches the UI's language now, remembers it, and tells every listener. */
export function setLanguage(lang: Lang): void {
  try {
    globalThis.localStorage?.setItem(STORAGE_KEY, lang);
  } catch {
    // not remembered, but switched all the same
  }
  void i18n.changeLanguage(lang);
  if (typeof document !== "undefined") document.documentElement.lang = lang;
  for (const listener of listeners) listener(lang);
}

/** Calls `listener` after every switch; returns a function that stops. */
export function onLanguage(listener: (lang: Lang) => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

if (typeof document !== "undefined") document.documentElement.lang = language();
