import { describe, expect, it } from "vitest";
import { visibleWindow } from "../src/virtual_list";

describe("the chat list draws only what is visible", () => {
  it("draws a screenful of 10,000 rows", () => {
    const w = visibleWindow(10_000, 50, 250_000, 500, 5);
    expect(w.first).toBe(4995);
    expect(w.last).toBe(5015);
  });
  it("stays inside the list", () => {
    expect(visibleWindow(3, 50, 0, 500)).toEqual({ first: 0, last: 3 });
    expect(visibleWindow(0, 50, 0, 500)).toEqual({ first: 0, last: 0 });
  });
});
