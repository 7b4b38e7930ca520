// HTTP for commands and state, a WebSocket for events, MJPEG for the preview.
import type { Command } from "../bindings/Command";
import type { CommandReply } from "../bindings/CommandReply";
import type { Event } from "../bindings/Event";
import type { StudioError } from "../bindings/StudioError";
import type { StudioState } from "../bindings/StudioState";
import { CommandFailed, sourceOf, type ConnectionStatus, type PreviewScene, type SendOptions, type StudioClient, type Uploaded } from "../client";

const RECONNECT_MAX_MS = 5000;

export class HttpStudioClient implements StudioClient {
  constructor(
    private readonly base: URL,
    private readonly token: string,
  ) {}

  private headers(): HeadersInit {
    return { Authorization: `Bearer ${this.token}`, "Content-Type": "application/json" };
  }

  private url(path: string, protocol?: string): string {
    const url = new URL(path, this.base);
    if (protocol) url.protocol = protocol;
    return url.toString();
  }

  async state(): Promise<StudioState> {
    const response = await fetch(this.url("/api/state"), { headers: this.headers() });
    if (!response.ok) throw new CommandFailed(await readError(response));
    return (await response.json()) as StudioState;
  }

  async send(command: Command, options: SendOptions = {}): Promise<CommandReply> {
    const response = await fetch(this.url("/api/commands"), {
      method: "POST",
      // The audit log records who asked: a click on this console, or a hotkey.
      headers: { ...this.headers(), "X-Kaibo-Source": sourceOf(options) },
      body: JSON.stringify(command),
    });
    if (!response.ok) throw new CommandFailed(await readError(response));
    return (await response.json()) as CommandReply;
  }

  async upload(name: string, body: Blob): Promise<Uploaded> {
    const url = new URL("/api/media", this.base);
    url.searchParams.set("name", name);
    const response = await fetch(url.toString(), {
      method: "POST",
      headers: { Authorization: `Bearer ${this.token}`, "Content-Type": "application/octet-stream" },
      body,
    });
    if (!response.ok) throw new CommandFailed(await readError(response));
    return (await response.json()) as Uploaded;
  }

  subscribe(onEvent: (event: Event) => void, onStatus: (status: ConnectionStatus) => void): () => void {
    let socket: WebSocket | null = null;
    let stopped = false;
    let delay = 250;
    const connect = () => {
      onStatus("connecting");
      const wsProtocol = this.base.protocol === "https:" ? "wss:" : "ws:";
      const url = new URL(this.url("/api/events", wsProtocol));
      url.searchParams.set("token", this.token);
      socket = new WebSocket(url);
      socket.onopen = () => {
        delay = 250;
        onStatus("open");
      };
      socket.onmessage = (message) => {
        try {
          onEvent(JSON.parse(String(message.data)) as Event);
        } catch {
          // A message we cannot read is skipped; the next state event corrects the view.
        }
      };
      socket.onclose = () => {
        onStatus("closed");
        if (stopped) return;
        setTimeout(connect, delay);
        delay = Math.min(delay * 2, RECONNECT_MAX_MS);
      };
    };
    connect();
    return () => {
      stopped = true;
      socket?.close();
    };
  }

  preview(scene: PreviewScene = "program"): { kind: "mjpeg"; url: string } {
    const url = new URL(this.url("/api/preview"));
    url.searchParams.set("token", this.token);
    if (scene !== "program") url.searchParams.set("scene", scene);
    return { kind: "mjpeg", url: url.toString() };
  }

  /** The report page. A new tab cannot send headers, and its address stays in history, so
   * it opens with a one-use ticket (good for a minute) that this client asks for with the
   * token in a header; the token itself never goes into the tab's address. */
  report(): { kind: "url"; url: (lang?: string) => Promise<string> } {
    return {
      kind: "url",
      url: async (lang?: string) => {
        const response = await fetch(this.url("/api/report/ticket"), { method: "POST", headers: this.headers() });
        if (!response.ok) throw new CommandFailed(await readError(response));
        const { url } = (await response.json()) as { url: string };
        const page = new URL(this.url(url));
        if (lang) page.searchParams.set("lang", lang);
        return page.toString();
      },
    };
  }
}

async function readError(response: Response): Promise<StudioError> {
  try {
    const body = (await response.json()) as StudioError;
    if (typeof body.message === "string") return body;
  } catch {
    // fall through to a generic message
  }
  return { kind: "internal", message: `The studio answered ${response.status} ${response.statusText}.`, key: "answered", args: { status: `${response.status} ${response.statusText}`.trim() } };
}
