// Tauri IPC: the same commands and events, with the studio in the desktop app's process.
// Reaches Tauri through @tauri-apps/api (no `withGlobalTauri`: no page script gets a global
// handle on the IPC), and only when the page runs inside the desktop app.
import { invoke, isTauri } from "@tauri-apps/api/core";
import { listen } from "@tauri-apps/api/event";
import type { Command } from "../bindings/Command";
import type { CommandReply } from "../bindings/CommandReply";
import type { Event } from "../bindings/Event";
import type { StudioError } from "../bindings/StudioError";
import type { StudioState } from "../bindings/StudioState";
import { CommandFailed, type ConnectionStatus, type PreviewScene, type SendOptions, type StudioClient } from "../client";

/** The two pieces of Tauri the studio window uses: its commands and its event. */
export interface TauriIpc {
  core: { invoke<T>(command: string, args?: Record<string, unknown>): Promise<T> };
  event: { listen<T>(name: string, handler: (event: { payload: T }) => void): Promise<() => void> };
}

/** Tauri's IPC inside the desktop app; `null` in a browser (the web build, `kaibo serve`). */
export function tauriIpc(): TauriIpc | null {
  const inDesktopApp = isTauri() || "__TAURI_INTERNALS__" in window;
  return inDesktopApp ? { core: { invoke }, event: { listen } } : null;
}

export class TauriStudioClient implements StudioClient {
  constructor(private readonly tauri: TauriIpc) {}

  private async call<T>(command: string, args?: Record<string, unknown>): Promise<T> {
    try {
      return await this.tauri.core.invoke<T>(command, args);
    } catch (error) {
      const studioError = error as StudioError;
      if (studioError && typeof studioError.message === "string") throw new CommandFailed(studioError);
      throw error;
    }
  }

  state(): Promise<StudioState> {
    return this.call<StudioState>("studio_state");
  }

  /** `studio_command(command, hotkey)`: the desktop app records the source itself
   * (`desktop`, or `hotkey` when a shortcut sent it). */
  send(command: Command, options: SendOptions = {}): Promise<CommandReply> {
    return this.call<CommandReply>("studio_command", { command, hotkey: options.hotkey === true });
  }

  subscribe(onEvent: (event: Event) => void, onStatus: (status: ConnectionStatus) => void): () => void {
    let unlisten: (() => void) | null = null;
    let stopped = false;
    onStatus("connecting");
    void this.tauri.event.listen<Event>("studio-event", (event) => onEvent(event.payload)).then(async (stop) => {
      if (stopped) return stop();
      unlisten = stop;
      onStatus("open");
      onEvent({ type: "state", state: await this.state() });
    });
    return () => {
      stopped = true;
      unlisten?.();
    };
  }

  preview(scene: PreviewScene = "program"): { kind: "frames"; latest: () => Promise<Blob | null> } {
    return {
      kind: "frames",
      latest: async () => {
        const bytes = await this.call<ArrayBuffer | number[] | null>("studio_preview_frame", { scene });
        if (!bytes) return null;
        const data = bytes instanceof ArrayBuffer ? new Uint8Array(bytes) : new Uint8Array(bytes);
        return data.length ? new Blob([data], { type: "image/jpeg" }) : null;
      },
    };
  }

  /** No HTTP server in the desktop app: `write_report` writes the report and says where. */
  report(): { kind: "command" } {
    return { kind: "command" };
  }
}
