// The mixer: one strip per sound source of the show (a fader in dB, mute, a meter with its
// peak hold and clip light, the microphone picker, filter toggles), the master meter, and
// warnings in plain words while live (a muted microphone, clipping, no sound for 10 s).
//
// Strips are drawn from the state; the meters move from the `audio_levels` events alone
// (ten a second), which never redraw anything else.
import type { Actions } from "../actions";
import type { AudioSourceView } from "../bindings/AudioSourceView";
import type { LevelView } from "../bindings/LevelView";
import type { SourceLevelView } from "../bindings/SourceLevelView";
import type { StudioState } from "../bindings/StudioState";
import { el, fill, tr, type Tr } from "../dom";
import { t } from "../i18n";
import type { View } from "../store";

/** The meter's scale: −60 dBFS at the left, 0 at the right. */
const FLOOR_DB = -60;
/** How long a peak is held, and a clip shown, in milliseconds. */
const PEAK_HOLD_MS = 1500;
const CLIP_HOLD_MS = 2000;
/** A peak at or above this is a clip. */
const CLIP_DB = -0.5;
/** Below this the master counts as silent. */
const SILENT_DB = -70;
const SILENT_WARNING_MS = 10_000;
/** Fader moves are sent at most this often while dragging. */
const FADER_SEND_MS = 100;

/** A filter's name in the UI's language. */
function filterName(kind: string): Tr {
  return tr(`mixer.filters.${kind}`, { defaultValue: kind });
}

/** A dBFS value as a width in percent of the meter. */
export function meterPercent(db: number): number {
  return Math.max(0, Math.min(100, ((db - FLOOR_DB) / -FLOOR_DB) * 100));
}

/** A level as the meter's readout says it. */
export function dbLabel(db: number): string {
  return db <= -99 ? "−∞" : `${db.toFixed(1)} dB`;
}

/** One meter: a bar (RMS), a peak line, a held peak and a clip light. */
class Meter {
  readonly root: HTMLElement;
  private readonly rms: HTMLElement;
  private readonly peak: HTMLElement;
  private readonly hold: HTMLElement;
  private readonly clip: HTMLElement;
  private readonly value: HTMLElement;
  private held = { db: -100, at: 0 };
  private clippedAt = Number.NEGATIVE_INFINITY;

  constructor(id: string) {
    this.rms = el("div", { className: "meter-rms" });
    this.peak = el("div", { className: "meter-peak" });
    this.hold = el("div", { className: "meter-hold" });
    this.clip = el("span", { className: "clip", text: tr("mixer.clip"), "data-testid": `clip-${id}`, title: tr("mixer.clip_title") });
    this.value = el("span", { className: "meter-value", "data-testid": `meter-value-${id}`, text: "−∞" });
    this.root = el("div", { className: "meter-row" },
      el("div", { className: "meter", "data-testid": `meter-${id}` }, this.rms, this.peak, this.hold), this.clip, this.value);
  }

  show(level: LevelView, now: number): void {
    this.rms.style.width = `${meterPercent(level.rms_db)}%`;
    this.peak.style.width = `${meterPercent(level.peak_db)}%`;
    if (level.peak_db >= this.held.db || now - this.held.at > PEAK_HOLD_MS) this.held = { db: level.peak_db, at: now };
    this.hold.style.left = `${meterPercent(this.held.db)}%`;
    if (level.peak_db >= CLIP_DB) this.clippedAt = now;
    this.clip.classList.toggle("lit", now - this.clippedAt < CLIP_HOLD_MS);
    this.value.textContent = dbLabel(level.peak_db);
    this.root.dataset.peak = String(level.peak_db);
  }

  get clipping(): boolean {
    return this.clip.classList.contains("lit");
  }
}

export class MixerPanel {
  readonly root = el("section", { className: "panel mixer", "data-testid": "mixer" });
  private readonly strips = el("div", { className: "strips" });
  private readonly master = new Meter("master");
  private readonly warning = el("p", { className: "mixer-warning", "data-testid": "mixer-warning", role: "status" });
  private meters = new Map<string, Meter>();
  /** What the strips were drawn from, to draw them again only when it changes. */
  private drawn = "";
  /** A fader being dragged is not redrawn under the operator's hand. */
  private dragging: string | null = null;
  private silentSince: number | null = null;
  private live = false;
  private sources: AudioSourceView[] = [];

  constructor(private readonly actions: Actions) {
    fill(this.root, el("h2", { text: tr("mixer.title") }), this.strips,
      el("div", { className: "strip master" }, el("span", { className: "strip-name", text: tr("mixer.master") }), this.master.root),
      this.warning, actions.errorLine("mixer"));
  }

  render(view: View): void {
    const state = view.state;
    if (!state) return;
    this.live = state.phase.phase === "live" || state.phase.phase === "starting";
    this.sources = state.audio;
    const key = JSON.stringify([state.audio, state.devices.microphones]);
    if (key !== this.drawn && this.dragging === null) {
      this.drawn = key;
      this.meters = new Map();
      fill(this.strips, ...state.audio.map((source) => this.strip(source, state)));
    }
    this.warn(Date.now());
  }

  /** An `audio_levels` event: the meters move, and the warnings follow. */
  levels(sources: SourceLevelView[], master: LevelView, now = Date.now()): void {
    for (const level of sources) this.meters.get(level.id)?.show(level, now);
    this.master.show(master, now);
    if (master.peak_db > SILENT_DB) this.silentSince = null;
    else if (this.silentSince === null) this.silentSince = now;
    this.warn(now);
  }

  private warn(now: number): void {
    const words: string[] = [];
    if (this.live) {
      for (const source of this.sources.filter((s) => s.kind === "microphone" && s.muted)) {
        words.push(this.sources.filter((s) => s.kind === "microphone").length > 1 ? t("mixer.mic_muted_named", { id: source.id }) : t("mixer.mic_muted"));
      }
      if (this.master.clipping) words.push(t("mixer.clipping"));
      if (this.silentSince !== null && now - this.silentSince >= SILENT_WARNING_MS) {
        words.push(t("mixer.silent", { s: Math.floor((now - this.silentSince) / 1000) }));
      }
    }
    this.warning.textContent = words.join(" · ");
    this.warning.hidden = words.length === 0;
  }

  private strip(source: AudioSourceView, state: StudioState): HTMLElement {
    const meter = new Meter(source.id);
    this.meters.set(source.id, meter);
    const send = (fields: Record<string, unknown>) =>
      void this.actions.run("mixer", { type: "set_audio", source: source.id, ...fields });
    const readout = el("span", { className: "fader-value", "data-testid": `fader-value-${source.id}`, text: `${source.volume_db.toFixed(1)} dB` });
    const fader = el("input", {
      type: "range", min: -60, max: 12, step: 0.5, value: source.volume_db,
      className: "fader", "data-testid": `fader-${source.id}`, "aria-label": tr("mixer.volume_of", { id: source.id }),
    });
    let lastSent = 0;
    fader.addEventListener("input", () => {
      this.dragging = source.id;
      readout.textContent = `${Number(fader.value).toFixed(1)} dB`;
      const now = Date.now();
      if (now - lastSent >= FADER_SEND_MS) {
        lastSent = now;
        send({ volume_db: Number(fader.value) });
      }
    });
    fader.addEventListener("change", () => {
      this.dragging = null;
      send({ volume_db: Number(fader.value) });
    });
    const mute = el("button", {
      className: source.muted ? "mute on" : "mute", "data-testid": `mute-${source.id}`,
      text: source.muted ? tr("mixer.unmute") : tr("mixer.mute"), "aria-pressed": source.muted ? "true" : "false",
      onclick: () => send({ muted: !source.muted }),
    });
    const what = source.kind === "file" && source.file ? source.file : tr(`mixer.kinds.${source.kind}`, { defaultValue: source.kind });
    return el("div", { className: source.muted ? "strip muted" : "strip", "data-testid": `strip-${source.id}` },
      el("span", { className: "strip-name", text: source.id, title: what }),
      el("span", { className: "strip-kind", text: what }),
      meter.root,
      el("div", { className: "fader-row" }, fader, readout, mute),
      source.kind === "microphone" ? this.devicePicker(source, state, send) : null,
      this.filterToggles(source, send));
  }

  private devicePicker(source: AudioSourceView, state: StudioState, send: (fields: Record<string, unknown>) => void): HTMLElement {
    const current = source.device ?? "auto";
    const option = (value: string, label: string | Tr) => el("option", { value, text: label, selected: value === current });
    const known = state.devices.microphones.some((m) => m.id === current) || current === "auto" || current === "test";
    const select = el("select", { className: "mic-picker", "data-testid": `mic-device-${source.id}`, "aria-label": tr("mixer.mic_of", { id: source.id }) },
      option("auto", tr("mixer.mic_auto")),
      option("test", tr("mixer.mic_test")),
      ...state.devices.microphones.map((mic) => option(mic.id, mic.name)),
      known ? null : option(current, tr("mixer.unplugged", { name: current })));
    select.value = current;
    select.addEventListener("change", () => send({ device: select.value }));
    return select;
  }

  private filterToggles(source: AudioSourceView, send: (fields: Record<string, unknown>) => void): HTMLElement {
    const filters = source.filters.map((f) => ({ ...f }));
    if (!filters.some((f) => f.kind === "noise_suppression")) filters.push({ kind: "noise_suppression", enabled: false });
    const toggles = filters.map((filter, index) => {
      const on = filter.enabled !== false;
      const box = el("input", { type: "checkbox", checked: on, "data-testid": `filter-${source.id}-${String(filter.kind)}` });
      box.addEventListener("change", () => {
        const next = filters.map((f, i) => (i === index ? { ...f, enabled: box.checked } : f));
        // A filter the show never had is only written once it is turned on.
        const kept = next.filter((f, i) => i < source.filters.length || f.enabled !== false);
        send({ filters: kept });
      });
      return el("label", { className: "filter-toggle" }, box, filterName(String(filter.kind)));
    });
    return el("div", { className: "filters" }, ...toggles);
  }
}
