import { describe, expect, it } from "vitest";
import type { ChatItem } from "../src/bindings/ChatItem";
import type { StudioState } from "../src/bindings/StudioState";
import { applyEvent, CHAT_LIMIT, emptyView, healthClass } from "../src/store";

const state: StudioState = {
  show_name: "demo",
  canvas: { width: 1280, height: 720, fps: 30 },
  phase: { phase: "live" },
  encoding: { video_bitrate_kbps: 3000, keyframe_interval_s: 2, x264_preset: "veryfast", audio_bitrate_kbps: 128 },
  scene: "main",
  preview_scene: null,
  transition: { kind: "cut", ms: 0 },
  look: null,
  scenes: [],
  looks: [],
  products: [],
  destinations: [{ id: "nginx", platform: "custom", url: "rtmp://x/live/****", has_key: false, enabled: true, delay_seconds: 0, state: { state: "connecting" }, health: { level: "unknown" } }],
  preview: true,
  program: { state: "running" },
  recording: null,
  blocked_users: [],
  chat: [],
  audience: { sources: [], events: 0, chats: 0, gifts: 0, likes: 0, orders: 0, peak_viewers: 0, gift_totals: [], order_totals: [], leaderboard: [] },
  run_of_show: null,
  kill_switch: { on: false, refilling: [] },
  show_file: "show.json",
  connectors: [],
  banned_words: [],
  session: null,
  devices: { cameras: [], microphones: [] },
  audio: [],
};

const chat = (id: string): ChatItem => ({ id, platform: "simulator", at: "", kind: "chat", user: "u", user_key: "simulator:u", text: "hi", amount: null, masked: false });

describe("the view follows the studio's events", () => {
  it("takes destination state and health from stats", () => {
    const view = emptyView();
    applyEvent(view, { type: "state", state: structuredClone(state) });
    applyEvent(view, {
      type: "stats",
      stats: { uptime_s: 3, encoder_fps: 30, program_fps: 30, on_air: true, render_lag_ms: 40, scene: "main", camera_ok: true, outputs: [{ id: "nginx", label: "rtmp://x/live/****", state: { state: "live" }, fps: 30, dropped_frames: 0, dropped_percent: 0, bitrate_kbps: 3000, bytes_sent: 1, queued_ms: 0, health: { level: "good" } }] },
    });
    const d = view.state!.destinations[0];
    expect(healthClass(d.state, d.health)).toBe("good");
  });

  it("keeps at most CHAT_LIMIT messages and drops hidden ones", () => {
    const view = emptyView();
    applyEvent(view, { type: "chat", items: Array.from({ length: CHAT_LIMIT + 5 }, (_, i) => chat(String(i))) });
    expect(view.chat.length).toBe(CHAT_LIMIT);
    expect(view.chat[0].id).toBe("5");
    applyEvent(view, { type: "chat_hidden", ids: ["5", "6"] });
    expect(view.chat[0].id).toBe("7");
  });

  it("a failed output is red whatever its last health", () => {
    expect(healthClass({ state: "failed", reason: "refused" }, { level: "good" })).toBe("error");
    expect(healthClass({ state: "idle" }, { level: "unknown" })).toBe("idle");
  });
});
