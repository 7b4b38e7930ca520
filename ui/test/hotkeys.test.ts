import { describe, expect, it } from "vitest";
import { commandForKey, isSaveKey } from "../src/hotkeys";
import { emptyView } from "../src/store";
import { liveState } from "./fixtures";

const view = emptyView();
view.state = liveState();
view.state.scenes.push({ id: "product", name: "P", layers: [] });

const key = (code: string, mods: Partial<{ shiftKey: boolean; altKey: boolean; ctrlKey: boolean; metaKey: boolean; key: string }> = {}) => ({ code, shiftKey: false, altKey: false, ctrlKey: false, metaKey: false, ...mods });

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
  it("N cues the next product of the run of show", () => {
    expect(commandForKey(key("KeyN"), view)?.command).toEqual({ type: "cue_next_product" });
    const none = emptyView();
    none.state = { ...liveState(), run_of_show: null };
    expect(commandForKey(key("KeyN"), none)).toBeNull();
  });
  it("the kill switch needs Shift+K, and a live show", () => {
    expect(commandForKey(key("KeyK", { shiftKey: true }), view)?.command).toEqual({ type: "kill_switch" });
    expect(commandForKey(key("KeyK"), view)).toBeNull();
    expect(commandForKey(key("KeyK", { shiftKey: true, ctrlKey: true }), view)).toBeNull();
    expect(commandForKey(key("KeyK", { shiftKey: true, altKey: true }), view)).toBeNull();
    const idle = emptyView();
    idle.state = { ...liveState(), phase: { phase: "idle" } };
    expect(commandForKey(key("KeyK", { shiftKey: true }), idle)).toBeNull();
  });
  it("Ctrl+S and Cmd+S save the show", () => {
    const save = { panel: "save", command: { type: "save_show" } };
    expect(commandForKey(key("KeyS", { ctrlKey: true, key: "s" }), view)).toEqual(save);
    expect(commandForKey(key("KeyS", { metaKey: true, key: "s" }), view)).toEqual(save);
    expect(commandForKey(key("KeyS", { ctrlKey: true }), view)).toEqual(save); // no key given
    expect(commandForKey(key("KeyS", { ctrlKey: true, key: "ы" }), view)).toEqual(save); // a Russian layout: by place
    expect(commandForKey(key("Semicolon", { ctrlKey: true, key: "s" }), view)).toEqual(save); // Dvorak: by letter
    expect(commandForKey(key("KeyS", { ctrlKey: true, key: "o" }), view)).toBeNull(); // Dvorak's O
    expect(commandForKey(key("KeyS", { key: "s" }), view)).toBeNull(); // a plain "s" is nothing
    expect(commandForKey(key("KeyS", { ctrlKey: true, shiftKey: true, key: "S" }), view)).toBeNull();
    expect(commandForKey(key("KeyS", { ctrlKey: true, altKey: true, key: "s" }), view)).toBeNull();
    expect(isSaveKey(key("KeyS", { ctrlKey: true, key: "s" }))).toBe(true);
    expect(commandForKey(key("KeyS", { ctrlKey: true, key: "s" }), emptyView())).toBeNull(); // no studio yet
  });
});
