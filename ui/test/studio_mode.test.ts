import { describe, expect, it } from "vitest";
import { Actions } from "../src/actions";
import type { Command } from "../src/bindings/Command";
import type { StudioClient } from "../src/client";
import { sceneButtonCommand, StudioModePanel } from "../src/panels/studio_mode";
import { emptyView } from "../src/store";
import { liveState } from "./fixtures";

describe("the transition panel", () => {
  it("sets the show's transition, and shows the one the state has", async () => {
    const sent: Command[] = [];
    const client = { send: async (command: Command) => (sent.push(command), { ok: true, note: null }), preview: () => "" } as unknown as StudioClient;
    const panel = new StudioModePanel(client, new Actions(client, () => {}));
    const view = emptyView();
    view.state = liveState();
    panel.render(view);
    const kind = panel.root.querySelector<HTMLSelectElement>('[data-testid="transition-kind"]')!;
    const ms = panel.root.querySelector<HTMLInputElement>('[data-testid="transition-ms"]')!;
    expect(kind.value).toBe("cut");
    kind.value = "fade";
    ms.value = "800";
    ms.dispatchEvent(new Event("change"));
    await Promise.resolve();
    expect(sent).toEqual([{ type: "set_transition", transition: { kind: "fade", ms: 800 } }]);

    // Another client (a Stream Deck) changed it: the picker follows.
    view.state = { ...liveState(), transition: { kind: "fade", ms: 1500 } };
    panel.render(view);
    expect([kind.value, ms.value]).toEqual(["fade", "1500"]);
    // A scene button no longer carries a transition of its own.
    expect(sceneButtonCommand(view, "promo")).toEqual({ type: "switch_scene", scene: "promo" });
  });
});
