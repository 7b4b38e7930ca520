import { describe, expect, it } from "vitest";
import { dragRect, freshId, rectStyle, type Rect } from "../src/layout";

describe("layer layout", () => {
  const rect: Rect = [0.1, 0.2, 0.3, 0.25];

  it("turns a drag in preview pixels into canvas fractions", () => {
    expect(dragRect(rect, 64, 36, 640, 360)).toEqual([0.2, 0.3, 0.3, 0.25]);
    expect(dragRect(rect, -32, 0, 320, 180)).toEqual([0, 0.2, 0.3, 0.25]);
  });

  it("keeps the layer whole on the canvas", () => {
    expect(dragRect(rect, 10_000, 10_000, 640, 360)).toEqual([0.7, 0.75, 0.3, 0.25]);
    expect(dragRect(rect, -10_000, -10_000, 640, 360)).toEqual([0, 0, 0.3, 0.25]);
    expect(dragRect([0, 0, 1, 1], 50, 50, 640, 360)).toEqual([0, 0, 1, 1]);
  });

  it("ignores a preview with no size", () => {
    expect(dragRect(rect, 10, 10, 0, 0)).toBe(rect);
  });

  it("places outlines and names new layers", () => {
    expect(rectStyle([0.5, 0.25, 0.5, 0.5])).toBe("left:50%;top:25%;width:50%;height:50%");
    expect(freshId("text", ["text-1", "logo"])).toBe("text-2");
  });
});
