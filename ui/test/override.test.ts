import { describe, expect, it, vi } from "vitest";
import { Actions } from "../src/actions";
import type { Command } from "../src/bindings/Command";
import { CommandFailed, type SendOptions, type StudioClient } from "../src/client";
import { isBlocked, overrideOf } from "../src/override";

const banned = "the text \"<b>最便宜</b>\" has a banned word: 最便宜";

/** A studio whose pre-air check blocks every command that is not an override. */
function blockingClient() {
  const sent: { command: Command; options?: SendOptions }[] = [];
  const client = {
    send: async (command: Command, options?: SendOptions) => {
      sent.push({ command, options });
      if (command.type !== "override") throw new CommandFailed({ kind: "blocked", message: banned });
      return { ok: true, note: null };
    },
  } as unknown as StudioClient;
  return { client, sent };
}

describe("blocked → override", () => {
  it("wraps the original command once", () => {
    const original: Command = { type: "set_card_product", layer: "card", product: "tea" };
    expect(overrideOf(original)).toEqual({ type: "override", command: original });
    expect(overrideOf(overrideOf(original))).toEqual({ type: "override", command: original });
    expect(JSON.stringify(overrideOf({ type: "cue_next_product" }))).toBe('{"type":"override","command":{"type":"cue_next_product"}}');
  });

  it("knows a blocked refusal from the others", () => {
    expect(isBlocked(new CommandFailed({ kind: "blocked", message: "x" }))).toBe(true);
    expect(isBlocked(new CommandFailed({ kind: "not_found", message: "x" }))).toBe(false);
    expect(isBlocked(new Error("x"))).toBe(false);
  });

  it("a blocked command asks, and the override re-sends it wrapped, as a click", async () => {
    const { client, sent } = blockingClient();
    const toast = vi.fn();
    const actions = new Actions(client, toast);
    const asked: string[] = [];
    actions.onBlocked = async (message) => (asked.push(message), true);
    const command: Command = { type: "cue_product", product: "tea" };
    expect(await actions.run("run", command, { hotkey: true })).toBe(true);
    expect(asked).toEqual([banned]);
    expect(toast).not.toHaveBeenCalled();
    expect(sent.map((s) => s.command)).toEqual([command, { type: "override", command }]);
    expect(sent[1].options?.hotkey).toBeFalsy();
    expect(actions.errorLine("run").textContent).toBe("");
  });

  it("keeping it off air sends nothing more", async () => {
    const { client, sent } = blockingClient();
    const actions = new Actions(client, vi.fn());
    actions.onBlocked = async () => false;
    expect(await actions.run("scenes", { type: "switch_scene", scene: "promo" })).toBe(false);
    expect(sent.length).toBe(1);
    expect(actions.errorLine("scenes").textContent).toBe(banned);
  });

  it("other refusals go to the notice bar, not the dialog", async () => {
    const client = { send: async () => { throw new CommandFailed({ kind: "wrong_phase", message: "not live" }); } } as unknown as StudioClient;
    const toast = vi.fn();
    const actions = new Actions(client, toast);
    actions.onBlocked = vi.fn();
    expect(await actions.run("kill", { type: "kill_switch" })).toBe(false);
    expect(actions.onBlocked).not.toHaveBeenCalled();
    expect(toast).toHaveBeenCalledWith("error", "not live");
  });
});
