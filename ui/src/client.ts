// The one way the UI reaches the studio. Two transports implement it: HTTP + WebSocket
// (a browser, the remote console, the tests) and Tauri IPC (the desktop window).
import type { Command } from "./bindings/Command";
import type { CommandReply } from "./bindings/CommandReply";
import type { Event } from "./bindings/Event";
import type { StudioError } from "./bindings/StudioError";
import type { StudioState } from "./bindings/StudioState";
import { t } from "./i18n";
import { studioText } from "./messages";

export type ConnectionStatus = "connecting" | "open" | "closed";

/** Who is asking, for the studio's audit log: a click in the UI, or a keyboard shortcut.
 * (The studio's `CommandSource`; the UI only ever claims these two.) */
export type UiSource = "remote_console" | "hotkey";

export interface SendOptions {
  /** The command comes from a keyboard shortcut rather than a click. */
  hotkey?: boolean;
}

/** The `X-Kaibo-Source` value the HTTP transport sends. */
export function sourceOf(options: SendOptions = {}): UiSource {
  return options.hotkey ? "hotkey" : "remote_console";
}

/** Where the session report is: a page to open (web: `url()` gives a one-use link, so the
 * token never sits in a tab's address or history), or written by the studio on request
 * (desktop, which has no HTTP server: `write_report` answers with where it went). Either
 * way in the language given (`zh-CN` or `en`). */
export type ReportLink = { kind: "url"; url: (lang?: string) => Promise<string> } | { kind: "command" };

export interface StudioClient {
  /** The whole state, fresh from the studio. */
  state(): Promise<StudioState>;
  /** Sends one command; rejects with a CommandFailed carrying the studio's words. */
  send(command: Command, options?: SendOptions): Promise<CommandReply>;
  /** Calls `onEvent` for every event (the state first); returns a function that stops. */
  subscribe(onEvent: (event: Event) => void, onStatus: (status: ConnectionStatus) => void): () => void;
  /** Where the `<img>` preview comes from (MJPEG), or a function giving the latest frame. */
  preview(scene?: PreviewScene): { kind: "mjpeg"; url: string } | { kind: "frames"; latest: () => Promise<Blob | null> };
  /** The session report of the show that ended. */
  report(): ReportLink;
  /** Puts a picked file in the studio's media folder (`POST /api/media`); the path it gives
   * goes into a layer or a product. The desktop picks files with its own dialog instead. */
  upload?(name: string, body: Blob): Promise<Uploaded>;
}

/** A file the studio took: where it is now, and its name there. */
export interface Uploaded {
  path: string;
  name: string;
}

/** A command the studio refused, with its reason in words for the operator. */
export class CommandFailed extends Error {
  constructor(public readonly error: StudioError) {
    super(error.message);
  }
}

/** Turns anything thrown into a sentence a person can read, in the UI's language. */
export function describe(error: unknown): string {
  if (error instanceof CommandFailed) return studioText(error.error);
  if (error instanceof Error) return t("errors.unreachable", { detail: error.message });
  return t("errors.unknown");
}

/** Which preview: the program, or studio mode's preview scene. */
export type PreviewScene = "program" | "preview";
