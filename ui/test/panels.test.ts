import { describe, expect, it } from "vitest";
import { Actions } from "../src/actions";
import { blockedDialog } from "../src/blocked_dialog";
import type { Command } from "../src/bindings/Command";
import type { StudioClient } from "../src/client";
import { renderDestinations } from "../src/panels/destinations";
import { KillSwitch } from "../src/panels/kill_switch";
import { t } from "../src/i18n";
import { renderProducts } from "../src/panels/products";
import { RunOfShowPanel } from "../src/panels/run_of_show";
import { emptyView } from "../src/store";
import { liveState } from "./fixtures";

function recorder() {
  const sent: Command[] = [];
  const client = { send: async (command: Command) => (sent.push(command), { ok: true, note: null }) } as unknown as StudioClient;
  return { actions: new Actions(client, () => {}), sent };
}

const testid = (root: Element, id: string) => root.querySelector(`[data-testid="${id}"]`) as HTMLElement | null;

describe("run of show", () => {
  it("lists the items, highlights the current one with its time against the target", () => {
    const view = emptyView();
    view.state = liveState();
    const { actions } = recorder();
    const panel = new RunOfShowPanel(actions);
    panel.render(view);
    const first = testid(panel.root, "run-item-a")!;
    expect(first.dataset.current).toBe("true");
    expect(testid(panel.root, "run-item-b")!.dataset.current).toBe("false");
    expect(first.textContent).toContain("<b>Lipstick</b>"); // names and points stay text
    expect(first.textContent).toContain("<script>x</script>");
    expect(panel.root.querySelector("b, script")).toBeNull();
    expect(testid(panel.root, "run-sales-a")!.textContent).toBe("1,024 sold · 12 left");
    panel.tick(view, Date.parse("2026-11-25T12:02:13.500Z"));
    expect(testid(panel.root, "run-elapsed")!.textContent).toBe("02:13 / 05:00");
    panel.tick(view, Date.parse("2026-11-25T12:05:01Z"));
    expect(testid(panel.root, "run-elapsed")!.classList.contains("over")).toBe(true);
    view.state!.phase = { phase: "idle" }; // the show ended: the clock stops
    panel.tick(view, Date.parse("2026-11-25T12:09:00Z"));
    expect(testid(panel.root, "run-elapsed")!.textContent).toBe("on the card");
  });

  it("cues the next item, or the one clicked", () => {
    const view = emptyView();
    view.state = liveState();
    const { actions, sent } = recorder();
    const panel = new RunOfShowPanel(actions);
    panel.render(view);
    testid(panel.root, "cue-next")!.click();
    testid(panel.root, "run-item-b")!.click();
    expect(sent).toEqual([{ type: "cue_next_product" }, { type: "cue_product", product: "b" }]);
  });

  it("stays out of the way when the show has no run of show", () => {
    const view = emptyView();
    view.state = { ...liveState(), run_of_show: null };
    const panel = new RunOfShowPanel(recorder().actions);
    panel.render(view);
    expect(panel.root.hidden).toBe(true);
  });
});

describe("kill switch", () => {
  it("is there while live, and sends kill_switch", () => {
    const view = emptyView();
    view.state = liveState();
    const { actions, sent } = recorder();
    const kill = new KillSwitch(actions);
    kill.render(view);
    expect(kill.button.hidden).toBe(false);
    expect(kill.banner.hidden).toBe(true);
    kill.button.click();
    expect(sent).toEqual([{ type: "kill_switch" }]);
    view.state.phase = { phase: "idle" };
    kill.render(view);
    expect(kill.button.hidden).toBe(true);
  });

  it("while on: the banner says the slate is on air, and Resume sends resume", () => {
    const view = emptyView();
    view.state = liveState();
    view.state.kill_switch = { on: true, refilling: [] };
    const { actions, sent } = recorder();
    const kill = new KillSwitch(actions);
    kill.render(view);
    expect(kill.banner.hidden).toBe(false);
    expect(kill.banner.textContent).toContain(t("kill.slate_on_air"));
    testid(kill.banner, "resume")!.click();
    expect(sent).toEqual([{ type: "resume" }]);
  });

  it("after resume, says which destinations wait for their delay to refill", () => {
    const view = emptyView();
    view.state = liveState();
    view.state.kill_switch = { on: false, refilling: ["bili"] };
    const { actions } = recorder();
    const kill = new KillSwitch(actions);
    kill.render(view);
    expect(kill.banner.hidden).toBe(false);
    expect(testid(kill.banner, "kill-refilling")!.textContent).toContain("back on air when the delay refills");
    const destinations = document.createElement("section");
    renderDestinations(destinations, view, actions);
    expect(testid(destinations, "dest-delay-bili")!.textContent).toBe("delay 10 s");
    expect(testid(destinations, "dest-refilling-bili")!.textContent).toBe("bili: back on air when the delay refills");
  });
});

describe("products", () => {
  it("show units sold and left", () => {
    const view = emptyView();
    view.state = liveState();
    const root = document.createElement("section");
    renderProducts(root, view, recorder().actions);
    expect(testid(root, "sales-a")!.textContent).toBe("1,024 sold · 12 left");
    expect(testid(root, "sales-b")!.textContent).toBe("0 sold");
  });
});

describe("the blocked dialog", () => {
  it("shows the studio's words as text, focuses Cancel, and overrides only on the click", async () => {
    const { root, open } = blockedDialog();
    document.body.append(root);
    const first = open(`banned word in <img src=x onerror="window.pwned=1">`);
    expect(root.querySelector("img")).toBeNull();
    expect(testid(root, "blocked-message")!.textContent).toContain("<img src=x");
    expect(document.activeElement).toBe(testid(root, "blocked-cancel"));
    expect(testid(root, "blocked-override")!.hasAttribute("autofocus")).toBe(false);
    testid(root, "blocked-cancel")!.click();
    expect(await first).toBe(false);
    const second = open("again");
    testid(root, "blocked-override")!.click();
    expect(await second).toBe(true);
    expect(root.open).toBe(false);
    const third = open("and again");
    expect(await Promise.race([open("a newer one"), third])).toBe(false); // the older one stays off air
    root.remove();
  });
});
