// Resizing a layer from the handles of its outline on the preview: the dragged corner or edge
// follows the pointer, the opposite one stays put. Free aspect by default; with Shift the
// layer keeps its aspect ratio (about its centre line when an edge is dragged). The layer
// stays on the canvas and never gets smaller than a few canvas pixels.
import { tidy, type Rect } from "./layout";

/** Compass points of the outline: four corners, four edges. */
export type Handle = "nw" | "n" | "ne" | "e" | "se" | "s" | "sw" | "w";

export const HANDLES: readonly Handle[] = ["nw", "n", "ne", "e", "se", "s", "sw", "w"];

/** The smallest layer, in canvas pixels. */
export const MIN_LAYER_PX = 8;

export interface ResizeOptions {
  /** Keep the rect's width:height (Shift held). */
  keepAspect?: boolean;
  /** The smallest [width, height] in 0..1 of the canvas (see `minSize`). */
  min?: [number, number];
}

/** `MIN_LAYER_PX` of a canvas of `width` × `height` pixels, in 0..1 of the canvas. */
export function minSize(width: number, height: number): [number, number] {
  return [width > 0 ? MIN_LAYER_PX / width : 0.01, height > 0 ? MIN_LAYER_PX / height : 0.01];
}

const clamp = (value: number, low: number, high: number) => Math.min(Math.max(value, low), high);

/** `rect` with its `handle` dragged by (dx, dy) CSS pixels over a preview of
 * width × height pixels (the picture of the canvas as displayed). */
export function resizeRect(rect: Rect, handle: Handle, dx: number, dy: number, width: number, height: number, options: ResizeOptions = {}): Rect {
  const [x, y, w, h] = rect;
  if (width <= 0 || height <= 0 || w <= 0 || h <= 0 || (dx === 0 && dy === 0)) return rect;
  const fx = dx / width;
  const fy = dy / height;
  const west = handle.endsWith("w");
  const east = handle.endsWith("e");
  const north = handle.startsWith("n");
  const south = handle.startsWith("s");
  // A layer already smaller than the minimum may stay as it is, not jump bigger.
  const [minW, minH] = [Math.min(options.min?.[0] ?? 0.01, w), Math.min(options.min?.[1] ?? 0.01, h)];

  let left = x;
  let right = x + w;
  let top = y;
  let bottom = y + h;
  if (west) left = clamp(x + fx, 0, right - minW);
  if (east) right = clamp(right + fx, left + minW, 1);
  if (north) top = clamp(y + fy, 0, bottom - minH);
  if (south) bottom = clamp(bottom + fy, top + minH, 1);

  if (options.keepAspect) {
    const horizontal = west || east;
    const vertical = north || south;
    // A corner follows whichever side grew (or shrank) the least.
    let scale = horizontal && vertical
      ? Math.max((right - left) / w, (bottom - top) / h)
      : horizontal ? (right - left) / w : (bottom - top) / h;
    const cx = x + w / 2;
    const cy = y + h / 2;
    // Room from the side that stays put (or on both sides of the centre line).
    const roomW = west ? x + w : east ? 1 - x : 2 * Math.min(cx, 1 - cx);
    const roomH = north ? y + h : south ? 1 - y : 2 * Math.min(cy, 1 - cy);
    const most = Math.min(roomW / w, roomH / h);
    const least = Math.max(minW / w, minH / h);
    scale = Math.min(Math.max(scale, least), most);
    const nw = w * scale;
    const nh = h * scale;
    left = west ? x + w - nw : east ? x : cx - nw / 2;
    top = north ? y + h - nh : south ? y : cy - nh / 2;
    right = left + nw;
    bottom = top + nh;
  }

  const l = tidy(clamp(left, 0, 1));
  const t = tidy(clamp(top, 0, 1));
  const r = tidy(clamp(right, 0, 1));
  const b = tidy(clamp(bottom, 0, 1));
  return [l, t, tidy(r - l), tidy(b - t)];
}

/** The cursor over a handle. */
export function handleCursor(handle: Handle): string {
  return handle === "n" || handle === "s" ? "ns-resize" : handle === "e" || handle === "w" ? "ew-resize" : handle === "nw" || handle === "se" ? "nwse-resize" : "nesw-resize";
}
