import { afterEach, describe, expect, it, vi } from "vitest";
import { sourceOf } from "../src/client";
import { HttpStudioClient } from "../src/transport/http";
import { TauriStudioClient } from "../src/transport/tauri";

afterEach(() => vi.unstubAllGlobals());

function captureFetch() {
  const calls: { url: string; init: RequestInit }[] = [];
  vi.stubGlobal("fetch", async (url: string, init: RequestInit) => {
    calls.push({ url, init });
    return new Response(JSON.stringify({ ok: true, note: null }), { status: 200 });
  });
  return calls;
}

describe("every command says where it came from", () => {
  it("HTTP: a click is remote_console, a shortcut is hotkey", async () => {
    const calls = captureFetch();
    const client = new HttpStudioClient(new URL("http://127.0.0.1:8417"), "tok");
    await client.send({ type: "cue_next_product" });
    await client.send({ type: "kill_switch" }, { hotkey: true });
    const headers = calls.map((c) => c.init.headers as Record<string, string>);
    expect(headers[0]["X-Kaibo-Source"]).toBe("remote_console");
    expect(headers[1]["X-Kaibo-Source"]).toBe("hotkey");
    expect(headers[1].Authorization).toBe("Bearer tok");
    expect(JSON.parse(String(calls[1].init.body))).toEqual({ type: "kill_switch" });
  });

  it("Tauri: studio_command gets hotkey as a flag", async () => {
    const invoke = vi.fn(async () => ({ ok: true, note: null }));
    const client = new TauriStudioClient({ core: { invoke } as never, event: { listen: vi.fn() } as never });
    await client.send({ type: "resume" });
    await client.send({ type: "cue_next_product" }, { hotkey: true });
    expect(invoke).toHaveBeenNthCalledWith(1, "studio_command", { command: { type: "resume" }, hotkey: false });
    expect(invoke).toHaveBeenNthCalledWith(2, "studio_command", { command: { type: "cue_next_product" }, hotkey: true });
  });

  it("the source values are the studio's CommandSource names", () => {
    expect(sourceOf()).toBe("remote_console");
    expect(sourceOf({ hotkey: false })).toBe("remote_console");
    expect(sourceOf({ hotkey: true })).toBe("hotkey");
  });

  it("the web report opens with a one-use ticket, never the token in the tab's address", async () => {
    const calls: { url: string; init: RequestInit }[] = [];
    vi.stubGlobal("fetch", async (url: string, init: RequestInit) => {
      calls.push({ url, init });
      return new Response(JSON.stringify({ url: "/api/report?ticket=t1", ticket: "t1" }), { status: 200 });
    });
    const client = new HttpStudioClient(new URL("http://127.0.0.1:8417"), "secret-token");
    const report = client.report();
    expect(report.kind).toBe("url");
    const link = new URL(report.kind === "url" ? await report.url() : "");
    expect(link.origin).toBe("http://127.0.0.1:8417");
    expect(link.pathname).toBe("/api/report");
    expect(link.searchParams.get("ticket")).toBe("t1");
    expect(link.toString()).not.toContain("secret-token");
    expect(calls).toHaveLength(1);
    expect(calls[0].url).toBe("http://127.0.0.1:8417/api/report/ticket");
    expect(calls[0].init.method).toBe("POST");
    expect((calls[0].init.headers as Record<string, string>).Authorization).toBe("Bearer secret-token");
  });

  it("a refused ticket says why", async () => {
    vi.stubGlobal("fetch", async () => new Response(JSON.stringify({ kind: "unauthorized", message: "a valid access token is needed" }), { status: 401 }));
    const report = new HttpStudioClient(new URL("http://127.0.0.1:8417"), "t").report();
    await expect(report.kind === "url" ? report.url() : Promise.resolve("")).rejects.toThrow("a valid access token is needed");
  });
});
