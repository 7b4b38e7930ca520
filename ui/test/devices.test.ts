import { describe, expect, it } from "vitest";
import { Actions } from "../src/actions";
import type { Command } from "../src/bindings/Command";
import type { StudioClient } from "../src/client";
import { bestModeLabel, cameraPicker, devicesList } from "../src/panels/devices";
import { renderScenes } from "../src/panels/scenes";
import { emptyView } from "../src/store";
import { liveState } from "./fixtures";

function recorder() {
  const sent: Command[] = [];
  const client = { send: async (command: Command) => (sent.push(command), { ok: true, note: null }) } as unknown as StudioClient;
  return { actions: new Actions(client, () => {}), sent };
}

function withCameras() {
  const state = liveState();
  state.scenes[0].layers.unshift({ id: "cam", kind: "camera", visible: true, product: null, look: null, device: "/dev/video0", rect: [0, 0, 1, 1], locked: false, fields: {} });
  state.devices = {
    cameras: [
      {
        id: "/dev/video0",
        name: "HD Pro Webcam C920",
        modes: [
          { format: "raw", width: 1920, height: 1080, fps: [5] },
          { format: "mjpeg", width: 1920, height: 1080, fps: [30, 24] },
        ],
        gone: false,
      },
      { id: "/dev/video2", name: "<b>Overhead</b>", modes: [], gone: true },
    ],
    microphones: [{ id: "alsa_input.usb", name: "C920 Mic" }],
  };
  return state;
}

describe("the camera picker", () => {
  it("lists auto, the test pattern and the cameras, with the layer's own selected", () => {
    const { actions } = recorder();
    const state = withCameras();
    const select = cameraPicker(state.scenes[0].layers[0], state, actions);
    const options = [...select.options].map((o) => [o.value, o.textContent, o.disabled]);
    expect(options).toEqual([
      ["auto", "First camera (auto)", false],
      ["test", "Test pattern", false],
      ["/dev/video0", "HD Pro Webcam C920", false],
      ["/dev/video2", "<b>Overhead</b> (unplugged)", true],
    ]);
    expect(select.value).toBe("/dev/video0");
    expect(select.querySelector("b")).toBeNull(); // names stay text
  });

  it("sends set_layer_device when another camera is picked", () => {
    const { actions, sent } = recorder();
    const state = withCameras();
    const select = cameraPicker(state.scenes[0].layers[0], state, actions);
    select.value = "test";
    select.dispatchEvent(new Event("change"));
    expect(sent).toEqual([{ type: "set_layer_device", layer: "cam", device: "test" }]);
  });

  it("is on camera layers in the scenes panel, and on no other", () => {
    const { actions } = recorder();
    const view = emptyView();
    view.state = withCameras();
    const root = document.createElement("div");
    renderScenes(root, view, actions);
    expect(root.querySelector('[data-testid="camera-device-cam"]')).not.toBeNull();
    expect(root.querySelectorAll("select.camera-picker").length).toBe(1);
    expect(root.querySelector('[data-testid="devices"]')).not.toBeNull();
  });

  it("the device list shows each camera's largest mode, and what is unplugged", () => {
    const state = withCameras();
    expect(bestModeLabel(state.devices.cameras[0])).toBe("MJPEG 1920×1080 @ 30");
    const root = devicesList(state);
    expect(root.querySelector("summary")!.textContent).toBe("Devices: 1 cameras, 1 microphones");
    expect(root.textContent).toContain("HD Pro Webcam C920 MJPEG 1920×1080 @ 30");
    expect(root.textContent).toContain("unplugged");
    expect(root.textContent).toContain("C920 Mic");
  });
});
