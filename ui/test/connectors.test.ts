import { describe, expect, it } from "vitest";
import { Actions } from "../src/actions";
import type { Command } from "../src/bindings/Command";
import type { ConnectorView } from "../src/bindings/ConnectorView";
import { CommandFailed, type StudioClient } from "../src/client";
import { connectCommand } from "../src/panels/connect_form";
import { renderDestinations } from "../src/panels/destinations";
import { ConnectorsPanel, statusClass } from "../src/panels/connectors";
import { emptyView } from "../src/store";
import { liveState } from "./fixtures";

const KEY = "AIzaSy-DO-NOT-LEAK-0123";

/** A studio that records the commands and answers each one when the test says. */
function studio() {
  const sent: Command[] = [];
  const answers: ((error?: string) => void)[] = [];
  const client = {
    send: (command: Command) => {
      sent.push(command);
      return new Promise((resolve, reject) =>
        answers.push((error) => (error ? reject(new CommandFailed({ kind: "bad_request", message: error })) : resolve({ ok: true, note: null }))));
    },
  } as unknown as StudioClient;
  const panel = new ConnectorsPanel(new Actions(client, () => {}));
  document.body.append(panel.root);
  const answer = async (error?: string) => {
    answers.shift()!(error);
    await new Promise((r) => setTimeout(r, 0));
  };
  return { panel, sent, answer };
}

const testid = (root: Element, id: string) => root.querySelector(`[data-testid="${id}"]`) as HTMLElement | null;
const input = (root: Element, id: string) => testid(root, id) as HTMLInputElement;

function choose(root: Element, platform: string) {
  const select = testid(root, "connect-platform") as HTMLSelectElement;
  select.value = platform;
  select.dispatchEvent(new Event("change"));
}

function submit(root: Element) {
  (testid(root, "connect-form") as HTMLFormElement).requestSubmit();
}

describe("connect chat form", () => {
  it("asks each platform for its own room, and for a key only where it takes one", () => {
    const { panel } = studio();
    const form = testid(panel.root, "connect-form")!;
    const keyField = testid(panel.root, "connect-key-field")!;
    expect(form.textContent).toContain("channel name");
    expect(keyField.hidden).toBe(true);
    choose(panel.root, "youtube");
    expect(form.textContent).toContain("live chat id");
    expect(keyField.hidden).toBe(false);
    expect(keyField.textContent).toContain("API key");
    expect(input(panel.root, "connect-key").type).toBe("password");
    choose(panel.root, "bilibili");
    expect(form.textContent).toContain("numeric room id");
    expect(keyField.textContent).toContain("danmaku token, optional");
    expect(testid(panel.root, "connect-endpoint")!.closest("details")!.textContent).toContain("Advanced");
    panel.root.remove();
  });

  it("sends connect_audience, empty fields as null, and clears the room once accepted", async () => {
    const { panel, sent, answer } = studio();
    input(panel.root, "connect-room").value = " kaiboshop ";
    input(panel.root, "connect-endpoint").value = "ws://127.0.0.1:9";
    submit(panel.root);
    expect(sent).toEqual([{ type: "connect_audience", platform: "twitch", room: "kaiboshop", key: null, endpoint: "ws://127.0.0.1:9" }]);
    await answer();
    expect(input(panel.root, "connect-room").value).toBe("");
    panel.root.remove();
  });

  it("clears the key as soon as it is sent, and keeps it out of the page when refused", async () => {
    const { panel, sent, answer } = studio();
    choose(panel.root, "youtube");
    input(panel.root, "connect-room").value = "Cg0KC2xpdmU";
    input(panel.root, "connect-key").value = KEY;
    submit(panel.root);
    expect(sent[0]).toEqual({ type: "connect_audience", platform: "youtube", room: "Cg0KC2xpdmU", key: KEY, endpoint: null });
    expect(input(panel.root, "connect-key").value).toBe(""); // before the studio answers
    await answer("the key could not be stored: <script>alert(1)</script>");
    expect(input(panel.root, "connect-key").value).toBe("");
    expect(input(panel.root, "connect-room").value).toBe("Cg0KC2xpdmU"); // kept, to fix and retry
    const error = testid(panel.root, "error-connectors")!;
    expect(error.textContent).toBe("the key could not be stored: <script>alert(1)</script>");
    expect(panel.root.querySelector("script")).toBeNull();
    expect(document.documentElement.outerHTML).not.toContain(KEY);
    panel.root.remove();
  });

  it("never sends a key typed for another platform", () => {
    const { panel, sent } = studio();
    choose(panel.root, "youtube");
    input(panel.root, "connect-key").value = KEY;
    choose(panel.root, "twitch");
    expect(input(panel.root, "connect-key").value).toBe("");
    input(panel.root, "connect-room").value = "kaiboshop";
    submit(panel.root);
    expect(sent).toEqual([{ type: "connect_audience", platform: "twitch", room: "kaiboshop", key: null, endpoint: null }]);
    expect(connectCommand("twitch", "x", "typed", " ")).toMatchObject({ key: null, endpoint: null });
    panel.root.remove();
  });

  it("sends nothing without a room", () => {
    const { panel, sent } = studio();
    submit(panel.root);
    expect(sent).toEqual([]);
    panel.root.remove();
  });
});

describe("connected chats", () => {
  const connectors: ConnectorView[] = [
    { label: "twitch:kaiboshop", platform: "twitch", room: "kaiboshop", status: "retrying", error: `cannot reach <script>window.pwned=1</script> <img src=x onerror="window.pwned=2">`, events: 0 },
    { label: "bilibili:42", platform: "bilibili", room: "42", status: "live", error: null, events: 1234 },
    { label: "youtube:abc", platform: "youtube", room: "abc", status: "stopped", error: null, events: 1 },
  ];

  it("lists each with its status, events read and last error, as text", () => {
    const { panel } = studio();
    const view = emptyView();
    view.state = { ...liveState(), connectors };
    panel.render(view);
    const twitch = testid(panel.root, "connector-twitch:kaiboshop")!;
    expect(twitch.dataset.status).toBe("retrying");
    expect(twitch.querySelector(".dot")!.classList.contains("warning")).toBe(true);
    expect(testid(panel.root, "connector-status-twitch:kaiboshop")!.textContent).toBe("retrying");
    expect(testid(panel.root, "connector-error-twitch:kaiboshop")!.textContent).toBe(connectors[0].error);
    expect(panel.root.querySelector("script, img")).toBeNull();
    expect((window as unknown as { pwned?: number }).pwned).toBeUndefined();
    const bili = testid(panel.root, "connector-bilibili:42")!;
    expect(bili.querySelector(".dot")!.classList.contains("good")).toBe(true);
    expect(bili.textContent).toContain("1,234 events read");
    expect(testid(panel.root, "connector-error-bilibili:42")).toBeNull();
    expect(testid(panel.root, "connector-youtube:abc")!.querySelector(".dot")!.classList.contains("idle")).toBe(true);
    expect(testid(panel.root, "connector-youtube:abc")!.textContent).toContain("1 event read");
    view.state = { ...liveState(), connectors: [] };
    panel.render(view);
    expect(testid(panel.root, "connector-list")!.childElementCount).toBe(0);
    panel.root.remove();
  });

  it("Disconnect sends disconnect_audience with the label", () => {
    const { panel, sent } = studio();
    const view = emptyView();
    view.state = { ...liveState(), connectors };
    panel.render(view);
    testid(panel.root, "connector-disconnect-bilibili:42")!.click();
    expect(sent).toEqual([{ type: "disconnect_audience", connector: "bilibili:42" }]);
    panel.root.remove();
  });

  it("colours the dot by status", () => {
    expect(["live", "connecting", "retrying", "stopped", "other"].map(statusClass)).toEqual(["good", "warning", "warning", "idle", "idle"]);
  });
});

describe("typing survives the state events a retrying connector brings", () => {
  it("keeps the destination form and what is typed in it", () => {
    const actions = new Actions({ send: async () => ({ ok: true, note: null }) } as unknown as StudioClient, () => {});
    const view = emptyView();
    view.state = liveState();
    const root = document.createElement("section");
    renderDestinations(root, view, actions);
    input(root, "dest-id").value = "half-typed";
    view.state = { ...liveState(), connectors: [{ label: "twitch:a", platform: "twitch", room: "a", status: "retrying", error: "refused", events: 0 }] };
    renderDestinations(root, view, actions);
    expect(input(root, "dest-id").value).toBe("half-typed");
  });
});
