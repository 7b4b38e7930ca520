import { describe, expect, it } from "vitest";
import { containBox, type Rect } from "../src/layout";
import { minSize, resizeRect } from "../src/resize";

// A 640×360 preview of a 1280×720 canvas: 64 px across is 0.1 of the width, 36 px down 0.1
// of the height.
const W = 640;
const H = 360;
const rect: Rect = [0.2, 0.2, 0.4, 0.2];
const min = minSize(1280, 720);

describe("resizing a layer from its handles", () => {
  it("a corner moves its two edges; the opposite corner stays", () => {
    expect(resizeRect(rect, "se", 64, 36, W, H, { min })).toEqual([0.2, 0.2, 0.5, 0.3]);
    expect(resizeRect(rect, "nw", 64, 36, W, H, { min })).toEqual([0.3, 0.3, 0.3, 0.1]);
    expect(resizeRect(rect, "ne", -64, -36, W, H, { min })).toEqual([0.2, 0.1, 0.3, 0.3]);
    expect(resizeRect(rect, "sw", -64, 36, W, H, { min })).toEqual([0.1, 0.2, 0.5, 0.3]);
  });

  it("an edge moves only itself; the aspect is free", () => {
    expect(resizeRect(rect, "e", 64, 500, W, H, { min })).toEqual([0.2, 0.2, 0.5, 0.2]);
    expect(resizeRect(rect, "w", -64, 0, W, H, { min })).toEqual([0.1, 0.2, 0.5, 0.2]);
    expect(resizeRect(rect, "n", 999, -36, W, H, { min })).toEqual([0.2, 0.1, 0.4, 0.3]);
    expect(resizeRect(rect, "s", 0, 72, W, H, { min })).toEqual([0.2, 0.2, 0.4, 0.4]);
  });

  it("stays on the canvas", () => {
    expect(resizeRect(rect, "se", 10_000, 10_000, W, H, { min })).toEqual([0.2, 0.2, 0.8, 0.8]);
    expect(resizeRect(rect, "nw", -10_000, -10_000, W, H, { min })).toEqual([0, 0, 0.6, 0.4]);
    const [x, y, w, h] = resizeRect([0.3333, 0.1, 0.3333, 0.5], "e", 10_000, 0, W, H, { min });
    expect(x + w).toBeLessThanOrEqual(1 + 1e-6); // the studio's edge tolerance
    expect(y + h).toBeLessThanOrEqual(1 + 1e-6);
  });

  it("never gets smaller than a few canvas pixels, nor flips over", () => {
    const [, , w, h] = resizeRect(rect, "se", -10_000, -10_000, W, H, { min });
    expect(w).toBeCloseTo(8 / 1280, 4);
    expect(h).toBeCloseTo(8 / 720, 4);
    const [x, y] = resizeRect(rect, "nw", 10_000, 10_000, W, H, { min });
    expect(x).toBeCloseTo(0.6 - 8 / 1280, 4); // the right and bottom edges held
    expect(y).toBeCloseTo(0.4 - 8 / 720, 4);
    // A layer already smaller than that is not made bigger by a small drag.
    const tiny: Rect = [0.5, 0.5, 0.002, 0.002];
    expect(resizeRect(tiny, "se", -5, -5, W, H, { min })).toEqual(tiny);
  });

  it("with Shift keeps the aspect ratio, from the corner opposite the handle", () => {
    // Wider by 0.2 (×1.5): the height follows (0.3), whatever the pointer's height.
    expect(resizeRect(rect, "se", 128, 0, W, H, { min, keepAspect: true })).toEqual([0.2, 0.2, 0.6, 0.3]);
    // The side that grew the most leads.
    expect(resizeRect(rect, "se", 64, 72, W, H, { min, keepAspect: true })).toEqual([0.2, 0.2, 0.8, 0.4]);
    expect(resizeRect(rect, "nw", -128, 0, W, H, { min, keepAspect: true })).toEqual([0, 0.1, 0.6, 0.3]);
    // Smaller, both ways.
    expect(resizeRect(rect, "se", -128, -36, W, H, { min, keepAspect: true })).toEqual([0.2, 0.2, 0.2, 0.1]);
  });

  it("with Shift on an edge, the other side grows about its centre line", () => {
    expect(resizeRect(rect, "e", 128, 0, W, H, { min, keepAspect: true })).toEqual([0.2, 0.15, 0.6, 0.3]);
    expect(resizeRect(rect, "s", 0, 36, W, H, { min, keepAspect: true })).toEqual([0.1, 0.2, 0.6, 0.3]);
  });

  it("with Shift, stops where one side meets the canvas's edge, keeping the shape", () => {
    // Room to grow right: 0.8 of 0.4 (×2), down: 0.8 of 0.2 (×4). Width limits: ×2.
    expect(resizeRect(rect, "se", 10_000, 10_000, W, H, { min, keepAspect: true })).toEqual([0.2, 0.2, 0.8, 0.4]);
    // About the centre line: the height has 0.15 above its centre (×1.5 at most) and the
    // width room for ×4.5: the height limits.
    expect(resizeRect([0.1, 0.05, 0.2, 0.2], "e", 10_000, 0, W, H, { min, keepAspect: true })).toEqual([0.1, 0, 0.3, 0.3]);
    const [, , w, h] = resizeRect(rect, "se", -10_000, -10_000, W, H, { min, keepAspect: true });
    expect(w / h).toBeCloseTo(2, 1);
    expect(h).toBeGreaterThanOrEqual(8 / 720 - 1e-4);
  });

  it("ignores no move and a preview with no size", () => {
    expect(resizeRect(rect, "se", 0, 0, W, H)).toBe(rect);
    expect(resizeRect(rect, "se", 10, 10, 0, 0)).toBe(rect);
  });
});

describe("the picture as displayed", () => {
  it("fits whole and centred, like object-fit: contain", () => {
    expect(containBox(800, 360, 640, 360)).toEqual({ left: 80, top: 0, width: 640, height: 360 });
    expect(containBox(640, 480, 1280, 720)).toEqual({ left: 0, top: 60, width: 640, height: 360 });
    expect(containBox(0, 0, 1280, 720)).toEqual({ left: 0, top: 0, width: 0, height: 0 });
  });
});
