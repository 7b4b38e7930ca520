// Devices: the camera picker of a camera layer (a select of the cameras plugged in, kept
// current by the studio's device watch), and the list of cameras and microphones.
import type { Actions } from "../actions";
import type { CameraView } from "../bindings/CameraView";
import type { LayerView } from "../bindings/LayerView";
import type { StudioState } from "../bindings/StudioState";
import { el } from "../dom";
import { t } from "../i18n";

/** What a camera's best mode reads as: "MJPEG 1920×1080 @ 30". */
export function bestModeLabel(camera: CameraView): string {
  const best = [...camera.modes].sort((a, b) => b.width * b.height - a.width * a.height || (b.fps[0] ?? 0) - (a.fps[0] ?? 0))[0];
  if (!best) return "";
  return `${best.format === "mjpeg" ? "MJPEG" : t("devices.raw")} ${best.width}×${best.height} @ ${best.fps[0] ?? "?"}`;
}

/** The select that picks a camera layer's device; sends `set_layer_device` on a change. */
export function cameraPicker(layer: LayerView, state: StudioState, actions: Actions): HTMLSelectElement {
  const current = layer.device ?? "auto";
  const option = (value: string, label: string, disabled = false) =>
    el("option", { value, text: label, selected: value === current, disabled });
  const cameras = state.devices.cameras.map((camera) =>
    option(camera.id, camera.gone ? t("devices.unplugged_name", { name: camera.name }) : camera.name, camera.gone));
  const select = el("select", {
    className: "camera-picker",
    "data-testid": `camera-device-${layer.id}`,
    "aria-label": t("devices.camera_of", { id: layer.id }),
    title: t("devices.picker_title"),
  },
  option("auto", t("devices.auto")),
  option("test", t("devices.test")),
  ...cameras);
  select.value = current;
  select.addEventListener("change", () => {
    void actions.run("scenes", { type: "set_layer_device", layer: layer.id, device: select.value });
  });
  return select;
}

/** The cameras and microphones plugged in, as a short list (under the scene's layers). */
export function devicesList(state: StudioState): HTMLElement {
  const cameras = state.devices.cameras.map((camera) =>
    el("li", { "data-testid": `camera-${camera.id}`, className: camera.gone ? "device gone" : "device" },
      camera.name,
      el("span", { className: "device-detail", text: camera.gone ? ` ${t("devices.unplugged")}` : ` ${bestModeLabel(camera)}` })));
  const microphones = state.devices.microphones.map((mic) =>
    el("li", { className: "device", "data-testid": `microphone-${mic.id}` }, mic.name));
  return el("details", { className: "devices", "data-testid": "devices" },
    el("summary", { text: t("devices.summary", { cameras: state.devices.cameras.filter((c) => !c.gone).length, microphones: microphones.length }) }),
    el("ul", {}, ...(cameras.length ? cameras : [el("li", { className: "device", text: t("devices.no_camera") })]), ...microphones));
}
