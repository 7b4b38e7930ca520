import { describe, expect, it } from "vitest";
import { el } from "../src/dom";

describe("outside text stays text", () => {
  it("never turns chat into markup", () => {
    const hostile = `<img src=x onerror="window.pwned=1"><script>window.pwned=2</script>`;
    const node = el("span", { text: hostile });
    expect(node.children.length).toBe(0);
    expect(node.textContent).toBe(hostile);
    const parent = el("div", {}, hostile);
    expect(parent.querySelector("img, script")).toBeNull();
  });
});
