import { afterEach, describe, expect, it } from "vitest";
import { tauriIpc } from "../src/transport/tauri";

const w = window as unknown as Record<string, unknown>;

afterEach(() => {
  delete w.__TAURI_INTERNALS__;
  delete w.__TAURI__;
  delete w.isTauri;
});

describe("the Tauri transport only in the desktop app", () => {
  it("a browser page has no Tauri IPC, even with a page-made __TAURI__ global", () => {
    w.__TAURI__ = { core: { invoke: () => Promise.resolve() } };
    expect(tauriIpc()).toBeNull();
  });

  it("inside the desktop app the IPC comes from @tauri-apps/api", async () => {
    const calls: { cmd: string; args: unknown }[] = [];
    w.__TAURI_INTERNALS__ = {
      invoke: (cmd: string, args: unknown) => {
        calls.push({ cmd, args });
        return Promise.resolve({ ok: true, note: null });
      },
      transformCallback: () => 1,
    };
    const ipc = tauriIpc();
    expect(ipc).not.toBeNull();
    await ipc?.core.invoke("studio_state");
    expect(calls[0].cmd).toBe("studio_state");
  });
});
