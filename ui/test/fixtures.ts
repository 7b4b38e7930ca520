// A studio state for the tests: live, two products, a run of show with the first item cued.
import type { StudioState } from "../src/bindings/StudioState";

export function liveState(): StudioState {
  return {
    show_name: "demo",
    canvas: { width: 1280, height: 720, fps: 30 },
    phase: { phase: "live" },
    encoding: { video_bitrate_kbps: 3000, keyframe_interval_s: 2, x264_preset: "veryfast", audio_bitrate_kbps: 128 },
    scene: "main",
    preview_scene: null,
    transition: { kind: "cut", ms: 0 },
    look: null,
    scenes: [{ id: "main", name: "Main", layers: [{ id: "card", kind: "product_card", visible: true, product: "a", look: null, device: null, rect: [0.6, 0.5, 0.3, 0.4], locked: false, fields: { id: "card", kind: "product_card", product: "a", rect: [0.6, 0.5, 0.3, 0.4] } }] }],
    looks: [{ id: "natural", name: "Natural" }],
    products: [
      { id: "a", name: "<b>Lipstick</b>", price: 129, original_price: null, currency: "CNY", url: "https://shop.example/a", image: null, sold_out: false, sold: 1024, stock: 12 },
      { id: "b", name: "Matcha", price: 88, original_price: null, currency: "CNY", url: "https://shop.example/b", image: null, sold_out: false, sold: 0, stock: null },
    ],
    destinations: [{ id: "bili", platform: "bilibili", url: "rtmp://x/live/****", has_key: true, enabled: true, delay_seconds: 10, state: { state: "live" }, health: { level: "good" } }],
    preview: true,
    program: { state: "running" },
    recording: null,
    blocked_users: [],
    chat: [],
    audience: { sources: [], events: 0, chats: 0, gifts: 0, likes: 0, orders: 0, peak_viewers: 0, gift_totals: [], order_totals: [], leaderboard: [] },
    run_of_show: {
      card: "card",
      auto_advance: false,
      items: [
        { product: "a", name: "<b>Lipstick</b>", target_seconds: 300, talking_points: ["Swatch on the wrist", "<script>x</script>"] },
        { product: "b", name: "Matcha", target_seconds: null, talking_points: [] },
      ],
      current: 0,
      cued_at: "2026-11-25T12:00:00.000Z",
    },
    kill_switch: { on: false, refilling: [] },
    show_file: "/home/kol/.config/kaibo/shows/show.json",
    connectors: [],
    banned_words: [],
    session: 7,
    devices: { cameras: [], microphones: [] },
    audio: [
      { id: "mic", kind: "microphone", device: "auto", file: null, volume_db: 0, muted: false, sync_offset_ms: 0, monitor: false, filters: [], duck_under: null, duck_by_db: null },
      { id: "bed", kind: "file", device: null, file: "bed.mp3", volume_db: -18, muted: false, sync_offset_ms: 0, monitor: false, filters: [{ kind: "compressor", threshold_db: -18, ratio: 4 }], duck_under: "mic", duck_by_db: 12 },
    ],
  };
}
