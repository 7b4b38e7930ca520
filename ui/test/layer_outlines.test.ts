import { describe, expect, it } from "vitest";
import { Actions } from "../src/actions";
import type { Command } from "../src/bindings/Command";
import { CommandFailed, type StudioClient } from "../src/client";
import { LayerOutlines } from "../src/panels/layer_outlines";
import { emptyView } from "../src/store";
import { liveState } from "./fixtures";

function outlines(refuse = false) {
  const sent: Command[] = [];
  const client = {
    send: async (command: Command) => {
      sent.push(command);
      if (refuse) throw new CommandFailed({ kind: "bad_request", message: "scenes[0].layers[0].rect: width must be > 0" });
      return { ok: true, note: null };
    },
  } as unknown as StudioClient;
  const panel = new LayerOutlines(new Actions(client, () => {}));
  const view = emptyView();
  view.state = liveState();
  view.state.scenes[0].layers.push(
    { id: "look", kind: "look", visible: true, product: null, look: "natural", device: null, rect: null, locked: false, fields: {} },
    { id: "cam", kind: "camera", visible: true, product: null, look: null, device: "test", rect: [0, 0, 1, 1], locked: false, fields: {} },
  );
  // The canvas as displayed: 640 × 360 CSS pixels (jsdom lays nothing out).
  panel.root.getBoundingClientRect = () => ({ x: 0, y: 0, left: 0, top: 0, right: 640, bottom: 360, width: 640, height: 360, toJSON: () => ({}) });
  document.body.replaceChildren(panel.root);
  panel.render(view);
  return { panel, sent };
}

/** A pointer event as jsdom can make it (it has no PointerEvent). */
function pointer(target: Element, type: string, x: number, y: number, shiftKey = false): void {
  const event = new MouseEvent(type, { bubbles: true, cancelable: true, clientX: x, clientY: y, button: 0, shiftKey });
  Object.defineProperty(event, "pointerId", { value: 1 });
  target.dispatchEvent(event);
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));
const testid = (root: Element, id: string) => root.querySelector(`[data-testid="${id}"]`) as HTMLElement | null;

describe("layer outlines on the preview", () => {
  it("outlines layers with a place; look and full-canvas layers get none", () => {
    const { panel } = outlines();
    expect(testid(panel.root, "outline-card")).not.toBeNull();
    expect(testid(panel.root, "outline-look")).toBeNull();
    expect(testid(panel.root, "outline-cam")).toBeNull();
    expect(panel.root.querySelectorAll("[data-handle]").length).toBe(8); // the card's, hidden until selected
  });

  it("pressing an outline selects it (its handles show); the selection survives a redraw", () => {
    const { panel, sent } = outlines();
    const card = testid(panel.root, "outline-card")!;
    expect(card.classList.contains("selected")).toBe(false);
    pointer(card, "pointerdown", 500, 250);
    pointer(card, "pointerup", 500, 250);
    expect(panel.selection).toBe("card");
    expect(testid(panel.root, "outline-card")!.classList.contains("selected")).toBe(true);
    expect(sent).toEqual([]); // a press without a move changes nothing
    panel.select(null);
    expect(testid(panel.root, "outline-card")!.classList.contains("selected")).toBe(false);
  });

  it("dragging a corner handle resizes the layer, sent on release", async () => {
    const { panel, sent } = outlines();
    pointer(testid(panel.root, "outline-card")!, "pointerdown", 500, 250);
    pointer(testid(panel.root, "outline-card")!, "pointerup", 500, 250);
    // The card is [0.6, 0.5, 0.3, 0.4]: its north-west corner is at (384, 180).
    const handle = testid(panel.root, "handle-card-nw")!;
    pointer(handle, "pointerdown", 384, 180);
    const box = testid(panel.root, "outline-card")!;
    pointer(box, "pointermove", 320, 144);
    expect(box.style.left).toBe("50%");
    expect(box.style.width).toBe("40%");
    pointer(box, "pointerup", 320, 144);
    await settle();
    expect(sent.at(-1)).toEqual({ type: "set_layer_rect", layer: "card", rect: [0.5, 0.4, 0.4, 0.5] });
  });

  it("with Shift the corner keeps the layer's shape", async () => {
    const { panel, sent } = outlines();
    const card = testid(panel.root, "outline-card")!;
    pointer(card, "pointerdown", 500, 250);
    pointer(card, "pointerup", 500, 250);
    const handle = testid(panel.root, "handle-card-nw")!;
    pointer(handle, "pointerdown", 384, 180);
    pointer(testid(panel.root, "outline-card")!, "pointerup", 320, 180, true); // wider by 0.1
    await settle();
    const last = sent.at(-1) as Extract<Command, { type: "set_layer_rect" }>;
    const [x, y, w, h] = last.rect;
    expect(w / h).toBeCloseTo(0.3 / 0.4, 3);
    expect([x + w, y + h].map((v) => Math.round(v * 1e4) / 1e4)).toEqual([0.9, 0.9]); // the far corner held
  });

  it("the handles of a layer not selected do nothing: a press there moves the layer", async () => {
    const { panel, sent } = outlines();
    const handle = testid(panel.root, "handle-card-se")!;
    pointer(handle, "pointerdown", 576, 324);
    pointer(testid(panel.root, "outline-card")!, "pointerup", 544, 288);
    await settle();
    expect(sent.at(-1)).toEqual({ type: "set_layer_rect", layer: "card", rect: [0.55, 0.4, 0.3, 0.4] });
  });

  it("a refused resize puts the outline back where the studio has it", async () => {
    const { panel, sent } = outlines(true);
    const card = testid(panel.root, "outline-card")!;
    pointer(card, "pointerdown", 500, 250);
    pointer(card, "pointerup", 500, 250);
    pointer(testid(panel.root, "handle-card-se")!, "pointerdown", 576, 324);
    pointer(testid(panel.root, "outline-card")!, "pointerup", 608, 342);
    await settle();
    expect(sent.at(-1)).toEqual({ type: "set_layer_rect", layer: "card", rect: [0.6, 0.5, 0.35, 0.45] });
    const box = testid(panel.root, "outline-card")!;
    expect([box.style.left, box.style.width]).toEqual(["60%", "30%"]);
    expect(box.classList.contains("selected")).toBe(true);
  });

  it("a cancelled drag (the tablet took the touch) puts the layer back", async () => {
    const { panel, sent } = outlines();
    const card = testid(panel.root, "outline-card")!;
    pointer(card, "pointerdown", 500, 250);
    pointer(card, "pointermove", 564, 250); // sent live
    pointer(card, "pointercancel", 564, 250);
    await settle();
    expect(sent).toEqual([
      { type: "set_layer_rect", layer: "card", rect: [0.7, 0.5, 0.3, 0.4] },
      { type: "set_layer_rect", layer: "card", rect: [0.6, 0.5, 0.3, 0.4] },
    ]);
  });
});
