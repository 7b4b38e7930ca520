// Hotkeys: 1–9 put a scene on air, Shift+1–9 a look, Alt+1–9 pin a product on the card,
// N cues the next product of the run of show, Shift+K throws the kill switch (while live).
// Ignored while typing in a field, except Ctrl+S (⌘S on a Mac), which saves the show from
// anywhere (and never opens the browser's "save page").
import type { Command } from "./bindings/Command";
import { cardLayer } from "./panels/products";
import type { View } from "./store";

type Key = Pick<KeyboardEvent, "code" | "shiftKey" | "altKey" | "ctrlKey" | "metaKey"> & Partial<Pick<KeyboardEvent, "key">>;

/** Ctrl+S, or ⌘S: "save". By the key's letter, or its place when the layout has no S. */
export function isSaveKey(event: Key): boolean {
  if (!(event.ctrlKey || event.metaKey) || event.altKey || event.shiftKey) return false;
  const letter = event.key?.length === 1 ? event.key.toLowerCase() : null;
  return letter === "s" || (event.code === "KeyS" && (letter === null || !/[a-z]/.test(letter)));
}

export function commandForKey(event: Key, view: View): { panel: string; command: Command } | null {
  const state = view.state;
  if (state && isSaveKey(event)) return { panel: "save", command: { type: "save_show" } };
  if (!state || event.ctrlKey || event.metaKey || (event.altKey && !event.code.startsWith("Digit"))) return null;
  if (event.code === "KeyK") {
    // Shift is required: a stray "k" must not take the show off the platforms.
    const live = state.phase.phase === "live" || state.phase.phase === "starting";
    return event.shiftKey && live && !state.kill_switch.on ? { panel: "kill", command: { type: "kill_switch" } } : null;
  }
  if (event.code === "KeyN") {
    return !event.shiftKey && state.run_of_show ? { panel: "run", command: { type: "cue_next_product" } } : null;
  }
  const match = /^Digit([1-9])$/.exec(event.code);
  if (!match) return null;
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
