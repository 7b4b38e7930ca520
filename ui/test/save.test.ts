import { afterEach, describe, expect, it } from "vitest";
import { startApp } from "../src/app";
import type { Command } from "../src/bindings/Command";
import type { Event } from "../src/bindings/Event";
import { CommandFailed, type SendOptions, type StudioClient } from "../src/client";
import { liveState } from "./fixtures";

/** The whole app on a fake studio that answers `save_show` with `answer`. */
function app(answer: (command: Command) => Promise<{ ok: boolean; note: string | null }>) {
  const sent: Array<{ command: Command; options?: SendOptions }> = [];
  let push: (event: Event) => void = () => {};
  const client: StudioClient = {
    state: async () => liveState(),
    send: (command, options) => (sent.push({ command, options }), answer(command)),
    subscribe: (onEvent, onStatus) => {
      push = onEvent;
      onStatus("open");
      return () => {};
    },
    preview: () => ({ kind: "mjpeg", url: "/api/preview?token=t" }),
    report: () => ({ kind: "url", url: async () => "/api/report?ticket=t" }),
  };
  const root = document.createElement("div");
  document.body.replaceChildren(root);
  startApp(root, client);
  push({ type: "state", state: liveState() });
  return { root, sent };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));
const testid = (root: Element, id: string) => root.querySelector(`[data-testid="${id}"]`) as HTMLElement;

function press(target: EventTarget, init: KeyboardEventInit): KeyboardEvent {
  const event = new KeyboardEvent("keydown", { bubbles: true, cancelable: true, ...init });
  target.dispatchEvent(event);
  return event;
}

describe("saving the show", () => {
  afterEach(() => document.body.replaceChildren());

  it("the button sends save_show, says where in its tooltip, and the note comes up", async () => {
    const { root, sent } = app(async () => ({ ok: true, note: "show saved: /tmp/show.json" }));
    const button = testid(root, "save-show") as HTMLButtonElement;
    expect(button.textContent).toBe("Save show");
    expect(button.title).toBe("/home/kol/.config/kaibo/shows/show.json");
    button.click();
    await settle();
    expect(sent).toEqual([{ command: { type: "save_show" }, options: {} }]);
    expect(testid(root, "notices").textContent).toContain("show saved: /tmp/show.json");
  });

  it("Ctrl+S saves as a hotkey, even from a text field, without the browser's save dialog", async () => {
    const { root, sent } = app(async () => ({ ok: true, note: "show saved: /tmp/show.json" }));
    const event = press(document.body, { code: "KeyS", key: "s", ctrlKey: true });
    expect(event.defaultPrevented).toBe(true);
    const field = testid(root, "new-text");
    press(field, { code: "KeyS", key: "s", metaKey: true });
    press(field, { code: "KeyS", key: "s", ctrlKey: true, repeat: true }); // held down: once
    press(field, { code: "KeyS", key: "s" }); // typing an "s"
    await settle();
    expect(sent).toEqual([
      { command: { type: "save_show" }, options: { hotkey: true } },
      { command: { type: "save_show" }, options: { hotkey: true } },
    ]);
  });

  it("a failure shows the studio's words", async () => {
    const { root } = app(async () => {
      throw new CommandFailed({ kind: "internal", message: "cannot write /ro/show.json: read-only file system" });
    });
    press(document.body, { code: "KeyS", key: "s", ctrlKey: true });
    await settle();
    expect(testid(root, "error-save").textContent).toBe("cannot write /ro/show.json: read-only file system");
    expect(testid(root, "notices").textContent).toContain("read-only file system");
  });
});
