import { describe, expect, it } from "vitest";
import { commandForKey } from "../src/hotkeys";
import { emptyView } from "../src/store";

const view = emptyView();
view.state = {
  scene: "main",
  scenes: [{ id: "main", name: "Main", layers: [{ id: "card", kind: "product_card", visible: true, product: "a", look: null, rect: null }] }, { id: "product", name: "P", layers: [] }],
  looks: [{ id: "natural", name: "Natural" }],
  products: [{ id: "a", name: "A", price: 1, currency: "CNY", sold_out: false }, { id: "b", name: "B", price: 2, currency: "CNY", sold_out: false }],
} as never;

const key = (code: string, mods: Partial<{ shiftKey: boolean; altKey: boolean }> = {}) => ({ code, shiftKey: false, altKey: false, ctrlKey: false, metaKey: false, ...mods });

describe("hotkeys", () => {
  it("digits switch scenes", () => {
    expect(commandForKey(key("Digit2"), view)?.command).toEqual({ type: "switch_scene", scene: "product" });
  });
  it("shift+digit sets a look, alt+digit pins a product", () => {
    expect(commandForKey(key("Digit1", { shiftKey: true }), view)?.command).toEqual({ type: "set_look", look: "natural" });
    expect(commandForKey(key("Digit2", { altKey: true }), view)?.command).toEqual({ type: "set_card_product", layer: "card", product: "b" });
  });
  it("keys without a target do nothing", () => {
    expect(commandForKey(key("Digit9"), view)).toBeNull();
    expect(commandForKey(key("KeyA"), view)).toBeNull();
  });
});
