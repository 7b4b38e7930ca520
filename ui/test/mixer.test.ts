import { describe, expect, it } from "vitest";
import { Actions } from "../src/actions";
import type { Command } from "../src/bindings/Command";
import type { StudioClient } from "../src/client";
import { dbLabel, meterPercent, MixerPanel } from "../src/panels/mixer";
import { emptyView } from "../src/store";
import { liveState } from "./fixtures";

function recorder() {
  const sent: Command[] = [];
  const client = { send: async (command: Command) => (sent.push(command), { ok: true, note: null }) } as unknown as StudioClient;
  return { actions: new Actions(client, () => {}), sent };
}

function panel() {
  const { actions, sent } = recorder();
  const mixer = new MixerPanel(actions);
  const view = emptyView();
  view.state = liveState();
  mixer.render(view);
  return { mixer, view, sent };
}

const quiet = { peak_db: -100, rms_db: -100 };

describe("the mixer", () => {
  it("draws a strip per source with its fader, mute, meter and microphone picker", () => {
    const { mixer } = panel();
    const root = mixer.root;
    expect(root.querySelector('[data-testid="strip-mic"]')).not.toBeNull();
    expect(root.querySelector<HTMLInputElement>('[data-testid="fader-bed"]')?.value).toBe("-18");
    expect(root.querySelector('[data-testid="mic-device-mic"]')).not.toBeNull();
    expect(root.querySelector('[data-testid="mic-device-bed"]')).toBeNull();
    expect(root.querySelector('[data-testid="filter-bed-compressor"]')).not.toBeNull();
  });

  it("sends set_audio for a mute, a fader and a filter toggle", async () => {
    const { mixer, sent } = panel();
    mixer.root.querySelector<HTMLButtonElement>('[data-testid="mute-mic"]')?.click();
    const fader = mixer.root.querySelector<HTMLInputElement>('[data-testid="fader-bed"]')!;
    fader.value = "-24";
    fader.dispatchEvent(new Event("change"));
    const ns = mixer.root.querySelector<HTMLInputElement>('[data-testid="filter-mic-noise_suppression"]')!;
    ns.checked = true;
    ns.dispatchEvent(new Event("change"));
    await Promise.resolve();
    expect(sent).toEqual([
      { type: "set_audio", source: "mic", muted: true },
      { type: "set_audio", source: "bed", volume_db: -24 },
      { type: "set_audio", source: "mic", filters: [{ kind: "noise_suppression", enabled: true }] },
    ]);
  });

  it("moves the meters, holds the peak and lights the clip", () => {
    const { mixer } = panel();
    mixer.levels([{ id: "mic", peak_db: 0, rms_db: -3 }], { peak_db: 0, rms_db: -3 }, 1000);
    const clip = mixer.root.querySelector('[data-testid="clip-mic"]')!;
    expect(clip.classList.contains("lit")).toBe(true);
    expect(mixer.root.querySelector('[data-testid="meter-value-mic"]')?.textContent).toBe("0.0 dB");
    expect(mixer.root.querySelector('[data-testid="mixer-warning"]')?.textContent).toContain("clipping");
    mixer.levels([{ id: "mic", peak_db: -30, rms_db: -33 }], { peak_db: -30, rms_db: -33 }, 1500);
    const hold = mixer.root.querySelector<HTMLElement>('[data-testid="meter-mic"] .meter-hold')!;
    expect(hold.style.left).toBe("100%");
    mixer.levels([{ id: "mic", peak_db: -30, rms_db: -33 }], { peak_db: -30, rms_db: -33 }, 4000);
    expect(hold.style.left).toBe(`${meterPercent(-30)}%`);
    expect(clip.classList.contains("lit")).toBe(false);
    expect(mixer.root.querySelector('[data-testid="mixer-warning"]')?.textContent).toBe("");
  });

  it("warns in plain words while live: a muted microphone, no sound for 10 s", () => {
    const { mixer, view } = panel();
    view.state!.audio[0].muted = true;
    mixer.render(view);
    mixer.levels([], quiet, 0);
    const warning = mixer.root.querySelector('[data-testid="mixer-warning"]')!;
    expect(warning.textContent).toBe("your microphone is muted");
    mixer.levels([], quiet, 10_500);
    expect(warning.textContent).toContain("no sound for 10 s");
    view.state!.phase = { phase: "idle" };
    mixer.render(view);
    expect(warning.textContent).toBe("");
  });

  it("labels levels", () => {
    expect(dbLabel(-100)).toBe("−∞");
    expect(dbLabel(-12.04)).toBe("-12.0 dB");
    expect(meterPercent(-60)).toBe(0);
    expect(meterPercent(6)).toBe(100);
  });
});
