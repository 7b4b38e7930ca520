// Hotkeys: 1–9 put a scene on air, Shift+1–9 a look, Alt+1–9 pin a product on the card.
// Ignored while typing in a field.
import type { Command } from "./bindings/Command";
import { cardLayer } from "./panels/products";
import type { View } from "./store";

export function commandForKey(event: Pick<KeyboardEvent, "code" | "shiftKey" | "altKey" | "ctrlKey" | "metaKey">, view: View): { panel: string; command: Command } | null {
  const state = view.state;
  const match = /^Digit([1-9])$/.exec(event.code);
  if (!state || !match || event.ctrlKey || event.metaKey) return null;
  const index = Number(match[1]) - 1;
  if (event.altKey) {
    const product = state.products[index];
    const layer = cardLayer(view);
    return product && layer ? { panel: "products", command: { type: "set_card_product", layer, product: product.id } } : null;
  }
  if (event.shiftKey) {
    const look = state.looks[index];
    return look ? { panel: "looks", command: { type: "set_look", look: look.id } } : null;
  }
  const scene = state.scenes[index];
  return scene ? { panel: "scenes", command: { type: "switch_scene", scene: scene.id } } : null;
}

export function isTyping(target: EventTarget | null): boolean {
  return target instanceof HTMLInputElement || target instanceof HTMLSelectElement || target instanceof HTMLTextAreaElement;
}
