// The REC switch in the top bar, beside Go Live: starts and stops a recording of the
// program, live or not. While it records: a red dot, the elapsed time, the file's name and
// its health (fps, bitrate, dropped frames); after it, the file that was saved.
import type { Actions } from "../actions";
import type { RecordingView } from "../bindings/RecordingView";
import { el, fill, tr } from "../dom";
import { t } from "../i18n";
import { studioText } from "../messages";
import { decimal, elapsedSeconds, formatDuration } from "../format";
import type { View } from "../store";

export class RecordButton {
  readonly button = el("button", { className: "rec", "data-testid": "rec", title: tr("rec.title") });
  readonly status = el("span", { className: "rec-status", "data-testid": "rec-status" });
  readonly root = el("span", { className: "rec-group" }, this.button, this.status);
  private recording: RecordingView | null = null;

  constructor(private readonly actions: Actions) {
    this.button.addEventListener("click", () => {
      const command = this.recording?.running ? "stop_recording" : "start_recording";
      void this.actions.run("rec", { type: command });
    });
  }

  render(view: View, now = Date.now()): void {
    this.recording = view.state?.recording ?? null;
    const running = this.recording?.running ?? false;
    this.button.classList.toggle("on", running);
    this.button.setAttribute("aria-pressed", running ? "true" : "false");
    fill(this.button, el("span", { className: "rec-dot" }), running ? t("rec.stop") : t("rec.start"));
    this.tick(now);
  }

  /** The elapsed time and health, once a second. */
  tick(now = Date.now()): void {
    fill(this.status, ...recordingStatus(this.recording, now).map((text, i) => el("span", { className: i === 0 ? "rec-time" : "rec-detail", text })));
    this.status.title = this.recording?.file ?? "";
  }
}

/** What the top bar says of a recording: `["● 01:05", "show-2026….mp4", "30 fps · 6000 kbps · 0 dropped"]`
 * while it runs, `["saved", name]` after. */
export function recordingStatus(recording: RecordingView | null, now: number): string[] {
  if (!recording) return [];
  if (!recording.running) {
    const failed = recording.state.state === "failed" ? t("rec.failed", { reason: recording.state.reason }) : t("rec.saved");
    return [failed, recording.name];
  }
  const elapsed = elapsedSeconds(recording.started_at, now) ?? 0;
  const h = recording.health;
  const health = h.level === "warning" || h.level === "error" ? ` · ${studioText({ message: h.advice, key: h.key, args: h.args })}` : "";
  const measured = recording.fps > 0
    ? t("destinations.measured", { fps: decimal(recording.fps, 0), kbps: Math.round(recording.bitrate_kbps), dropped: recording.dropped_frames }) + health
    : t("rec.starting");
  return [`● ${formatDuration(elapsed)}`, recording.name, measured];
}
