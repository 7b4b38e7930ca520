import { afterEach, describe, expect, it, vi } from "vitest";
import { Actions } from "../src/actions";
import { CommandFailed, type StudioClient } from "../src/client";
import { ReportButton } from "../src/report_button";

afterEach(() => vi.unstubAllGlobals());

function button(url: () => Promise<string>) {
  const client = { report: () => ({ kind: "url", url }) } as unknown as StudioClient;
  const actions = new Actions(client, () => {});
  return { report: new ReportButton(client, actions), actions };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

describe("the Session report button on the web", () => {
  it("opens the one-use link it is given, in a new tab without an opener", async () => {
    const open = vi.fn();
    vi.stubGlobal("open", open);
    const { report } = button(async () => "http://127.0.0.1:8417/api/report?ticket=t1");
    report.root.click();
    await settle();
    expect(open).toHaveBeenCalledWith("http://127.0.0.1:8417/api/report?ticket=t1", "_blank", "noopener");
  });

  it("says why when no link could be had, and opens nothing", async () => {
    const open = vi.fn();
    vi.stubGlobal("open", open);
    const { report, actions } = button(async () => {
      throw new CommandFailed({ kind: "unauthorized", message: "a valid access token is needed" });
    });
    report.root.click();
    await settle();
    expect(open).not.toHaveBeenCalled();
    expect(actions.errorLine("header").textContent).toContain("a valid access token is needed");
  });
});
