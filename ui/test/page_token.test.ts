import { describe, expect, it } from "vitest";
import { TOKEN_KEY, tokenFromPage, type PageParts } from "../src/page_token";

function page(href: string, stored: string | null = null) {
  const storage = new Map<string, string>(stored ? [[TOKEN_KEY, stored]] : []);
  const replaced: string[] = [];
  const parts: PageParts = {
    location: { href },
    history: { replaceState: (_data: unknown, _title: string, url?: string | URL | null) => void replaced.push(String(url)) },
    sessionStorage: { getItem: (key) => storage.get(key) ?? null, setItem: (key, value) => void storage.set(key, value) },
  };
  return { parts, storage, replaced };
}

describe("the token in the page's address", () => {
  it("is kept for this tab and taken out of the address (and so out of history)", () => {
    const { parts, storage, replaced } = page("http://127.0.0.1:8417/?token=abc123&x=1#chat");
    expect(tokenFromPage(parts)).toBe("abc123");
    expect(storage.get(TOKEN_KEY)).toBe("abc123");
    expect(replaced).toEqual(["http://127.0.0.1:8417/?x=1#chat"]);
    expect(replaced[0]).not.toContain("abc123");
  });

  it("a reload finds it in the tab's storage, and the address is left alone", () => {
    const { parts, replaced } = page("http://127.0.0.1:8417/", "abc123");
    expect(tokenFromPage(parts)).toBe("abc123");
    expect(replaced).toEqual([]);
  });

  it("an empty token= is still taken out; none at all gives null", () => {
    const { parts, replaced } = page("http://127.0.0.1:8417/?token=");
    expect(tokenFromPage(parts)).toBeNull();
    expect(replaced).toEqual(["http://127.0.0.1:8417/"]);
  });
});
