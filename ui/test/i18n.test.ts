// The catalogue: both languages complete, nothing left untranslated in Chinese, and the UI
// switching language live; numbers and money formatted for the locale.
import { afterEach, describe, expect, it } from "vitest";
import { el, retranslate, tr } from "../src/dom";
import { compact, money, salesLine, targetLabel, thousands } from "../src/format";
import { CATALOGUES, language, pickLanguage, setLanguage, STORAGE_KEY, t } from "../src/i18n";
import { studioText } from "../src/messages";
import allowed from "./latin_allowed.json";

const PLURAL = /_(zero|one|two|few|many|other)$/;

function flatten(tree: Record<string, unknown>, prefix = ""): Map<string, string> {
  const out = new Map<string, string>();
  for (const [name, value] of Object.entries(tree)) {
    const key = prefix ? `${prefix}.${name}` : name;
    if (typeof value === "string") out.set(key, value);
    else for (const [k, v] of flatten(value as Record<string, unknown>, key)) out.set(k, v);
  }
  return out;
}

const en = flatten(CATALOGUES.en);
const zh = flatten(CATALOGUES["zh-CN"]);
const base = (keys: Iterable<string>) => new Set([...keys].map((k) => k.replace(PLURAL, "")));
const placeholders = (text: string) => [...text.matchAll(/\{\{\s*(\w+)[^}]*\}\}/g)].map((m) => m[1]).sort();

/** Brand and platform names, units, codes and commands: the same in every language. */
const SAME_IN_EVERY_LANGUAGE = new Set(["YouTube", "Twitch", "TikTok"]);
/** Latin words a Chinese string may hold: brands, platforms, units, formats, keys, and what
 * the operator types as is (command names, flags, platform ids, an example name). Shared
 * with the browser test. */
const LATIN_ALLOWED = allowed.latin_in_chinese;

function latinLeft(text: string): string[] {
  let rest = text.replace(/\{\{[^}]*\}\}/g, " ").replace(/`[^`]*`/g, " ").replace(/--[a-z-]+/g, " ");
  for (const word of LATIN_ALLOWED) rest = rest.split(word).join(" ");
  return rest.match(/[A-Za-z]{2,}/g) ?? [];
}

describe("the catalogue", () => {
  it("has every key in both languages", () => {
    const missingInZh = [...base(en.keys())].filter((k) => !base(zh.keys()).has(k));
    const missingInEn = [...base(zh.keys())].filter((k) => !base(en.keys()).has(k));
    expect(missingInZh).toEqual([]);
    expect(missingInEn).toEqual([]);
    expect(en.size).toBeGreaterThan(250);
  });

  it("has Chinese's one plural form wherever English has plurals", () => {
    const plurals = [...en.keys()].filter((k) => k.endsWith("_other"));
    expect(plurals.length).toBeGreaterThan(0);
    for (const key of plurals) expect(zh.has(key), key).toBe(true);
  });

  it("leaves no string untranslated in Chinese", () => {
    const same = [...zh].filter(([key, text]) => en.get(key) === text && !SAME_IN_EVERY_LANGUAGE.has(text));
    expect(same).toEqual([]);
    const latin = [...zh].map(([key, text]) => [key, latinLeft(text)] as const).filter(([, words]) => words.length > 0);
    expect(latin).toEqual([]);
  });

  it("fails on an English word left in a Chinese string", () => {
    expect(latinLeft("开播并推流到 {{count}} 个目标")).toEqual([]);
    expect(latinLeft("保存 show")).toEqual(["show"]);
  });

  it("takes the same arguments in both languages", () => {
    for (const [key, text] of zh) {
      const english = en.get(key) ?? en.get(key.replace(PLURAL, "_other")) ?? "";
      expect(placeholders(text), key).toEqual(placeholders(english));
    }
  });
});

describe("the language", () => {
  afterEach(() => {
    localStorage.removeItem(STORAGE_KEY);
    setLanguage("en");
  });

  it("follows the browser unless the operator picked one", () => {
    expect(pickLanguage(null, ["zh-CN", "en"])).toBe("zh-CN");
    expect(pickLanguage(null, ["zh-TW"])).toBe("zh-CN");
    expect(pickLanguage(null, ["fr-FR", "en-GB"])).toBe("en");
    expect(pickLanguage(null, ["fr-FR"])).toBe("en");
    expect(pickLanguage("en", ["zh-CN"])).toBe("en");
    expect(pickLanguage("zh-CN", ["en-US"])).toBe("zh-CN");
    expect(pickLanguage("klingon", ["zh-CN"])).toBe("zh-CN");
  });

  it("switches live, remembered, and translates what is already drawn", () => {
    const button = el("button", { text: tr("app.save"), title: tr("app.save_label") });
    document.body.append(button);
    expect(button.textContent).toBe("Save show");
    setLanguage("zh-CN");
    expect(language()).toBe("zh-CN");
    expect(localStorage.getItem(STORAGE_KEY)).toBe("zh-CN");
    expect(document.documentElement.lang).toBe("zh-CN");
    retranslate(document);
    expect(button.textContent).toBe("保存节目");
    expect(button.title).toBe("保存节目（Ctrl+S）");
    setLanguage("en");
    retranslate(document);
    expect(button.textContent).toBe("Save show");
    button.remove();
  });

  it("formats numbers, money and durations for the locale", () => {
    setLanguage("zh-CN");
    expect(money(1024, "CNY")).toBe("¥1,024.00");
    expect(compact(12_000)).toBe("1.2万");
    expect(thousands(1024)).toBe("1,024");
    expect(targetLabel(270)).toBe("4 分 30 秒");
    expect(salesLine({ sold: 1024, stock: 0 })).toBe("已售 1,024 · 已无库存");
    expect(money(50, "coins")).toBe("50 coins");
    setLanguage("en");
    expect(money(1024, "CNY")).toBe("CN¥1,024.00");
    expect(money(9.5, "USD")).toBe("$9.50");
    expect(compact(12_000)).toBe("12K");
    expect(t("app.go_live_question", { count: 1 })).toBe("Go live to 1 destination?");
    expect(t("app.go_live_question", { count: 3 })).toBe("Go live to 3 destinations?");
  });

  it("renders the studio's messages from their key, else in the studio's English", () => {
    const error = { message: "there is no scene \"x\" in this show", key: "not_found.scene", args: { id: "x" } };
    expect(studioText(error)).toBe("there is no scene \"x\" in this show");
    setLanguage("zh-CN");
    expect(studioText(error)).toBe("这个节目里没有场景“x”");
    expect(studioText({ message: "a newer studio's words", key: "not.in.this.catalogue" })).toBe("a newer studio's words");
    expect(studioText({ message: "no key at all" })).toBe("no key at all");
  });
});
