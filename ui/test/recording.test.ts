import { afterEach, describe, expect, it } from "vitest";
import { startApp } from "../src/app";
import type { Command } from "../src/bindings/Command";
import type { Event } from "../src/bindings/Event";
import type { RecordingView } from "../src/bindings/RecordingView";
import type { StudioState } from "../src/bindings/StudioState";
import type { StudioClient } from "../src/client";
import { programWaiting } from "../src/panels/preview";
import { recordingStatus } from "../src/panels/recording";
import { liveState } from "./fixtures";

const recording = (over: Partial<RecordingView> = {}): RecordingView => ({
  file: "/home/kol/Videos/Kaibo/demo-20261202-061500.mp4",
  name: "demo-20261202-061500.mp4",
  running: true,
  with_live: false,
  started_at: "2026-12-02T06:15:00.000Z",
  state: { state: "live" },
  fps: 30,
  bitrate_kbps: 5987.4,
  bytes_written: 1000,
  dropped_frames: 2,
  health: { level: "good" },
  ...over,
});

function app(state: StudioState) {
  const sent: Command[] = [];
  let push: (event: Event) => void = () => {};
  const client: StudioClient = {
    state: async () => state,
    send: async (command) => (sent.push(command), { ok: true, note: null }),
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
  push({ type: "state", state });
  return { root, sent, push };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));
const testid = (root: Element, id: string) => root.querySelector(`[data-testid="${id}"]`) as HTMLElement;

describe("the REC switch", () => {
  afterEach(() => document.body.replaceChildren());

  it("says the elapsed time, the file and its health while recording", () => {
    const now = Date.parse("2026-12-02T06:16:05.000Z");
    expect(recordingStatus(recording(), now)).toEqual(["● 01:05", "demo-20261202-061500.mp4", "30 fps · 5987 kbps · 2 dropped"]);
    expect(recordingStatus(recording({ fps: 0 }), now)[2]).toBe("starting…");
    const warned = recording({ health: { level: "warning", advice: "the disk is slow" } });
    expect(recordingStatus(warned, now)[2]).toContain("the disk is slow");
    expect(recordingStatus(recording({ running: false, state: { state: "stopped" } }), now)).toEqual(["saved", "demo-20261202-061500.mp4"]);
    expect(recordingStatus(null, now)).toEqual([]);
  });

  it("starts a recording off air, and stops the one running", async () => {
    const idle = { ...liveState(), phase: { phase: "idle" as const }, destinations: [] };
    const { root, sent, push } = app(idle);
    const rec = testid(root, "rec") as HTMLButtonElement;
    expect(rec.textContent).toBe("REC");
    expect(rec.getAttribute("aria-pressed")).toBe("false");
    rec.click();
    await settle();
    expect(sent).toEqual([{ type: "start_recording" }]);

    push({ type: "state", state: { ...idle, recording: recording() } });
    expect(rec.textContent).toBe("Stop REC");
    expect(rec.classList.contains("on")).toBe(true);
    expect(testid(root, "rec-status").textContent).toContain("demo-20261202-061500.mp4");
    expect(testid(root, "rec-status").title).toBe("/home/kol/Videos/Kaibo/demo-20261202-061500.mp4");
    rec.click();
    await settle();
    expect(sent).toEqual([{ type: "start_recording" }, { type: "stop_recording" }]);
  });
});

describe("the preview before Go Live", () => {
  afterEach(() => document.body.replaceChildren());

  it("shows the program while it runs, live or not", () => {
    const idle = { ...liveState(), phase: { phase: "idle" as const } };
    const { root } = app(idle);
    expect(testid(root, "preview-image")).not.toBeNull();
    expect(testid(root, "preview-placeholder")).toBeNull();
  });

  it("says why there is no picture while the program is reopened", () => {
    const failed: StudioState = { ...liveState(), phase: { phase: "idle" }, preview: false, program: { state: "reopening", reason: "no camera", attempt: 2, next_in_s: 2 } };
    const { root } = app(failed);
    expect(testid(root, "preview-placeholder").textContent).toContain("The program failed (no camera): opening it again in 2 s");
    expect(programWaiting({ state: "opening" })).toBe("The program is starting…");
  });
});
