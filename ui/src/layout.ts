// Layer geometry on the preview: rects are [x, y, w, h] in 0..1 of the canvas, the preview
// element is some size in CSS pixels, and a drag must keep the layer on the canvas.

export type Rect = [number, number, number, number];

/** Rounds to 4 decimals, a tenth of a pixel on a 1080p canvas: tidy numbers in the show. */
export function tidy(value: number): number {
  return Math.round(value * 10_000) / 10_000;
}

/** `rect` moved by a pointer drag of (dx, dy) CSS pixels over a preview of width × height
 * pixels, kept whole on the canvas. */
export function dragRect(rect: Rect, dx: number, dy: number, width: number, height: number): Rect {
  const [x, y, w, h] = rect;
  if (width <= 0 || height <= 0) return rect;
  const clamp = (value: number, size: number) => Math.min(Math.max(value, 0), Math.max(1 - size, 0));
  return [tidy(clamp(x + dx / width, w)), tidy(clamp(y + dy / height, h)), w, h];
}

/** Where a picture of `innerW` × `innerH` shows inside a box of `outerW` × `outerH` when it
 * is fitted whole and centred (CSS `object-fit: contain`), in the box's pixels. */
export function containBox(outerW: number, outerH: number, innerW: number, innerH: number): { left: number; top: number; width: number; height: number } {
  if (outerW <= 0 || outerH <= 0 || innerW <= 0 || innerH <= 0) return { left: 0, top: 0, width: Math.max(outerW, 0), height: Math.max(outerH, 0) };
  const scale = Math.min(outerW / innerW, outerH / innerH);
  const width = innerW * scale;
  const height = innerH * scale;
  return { left: (outerW - width) / 2, top: (outerH - height) / 2, width, height };
}

/** A rect as CSS percentages of the preview, for the layer's outline. */
export function rectStyle(rect: Rect): string {
  const [x, y, w, h] = rect;
  return `left:${x * 100}%;top:${y * 100}%;width:${w * 100}%;height:${h * 100}%`;
}

/** An id not yet used by `taken`: `base-1`, `base-2`, ... */
export function freshId(base: string, taken: string[]): string {
  for (let n = 1; ; n++) {
    const id = `${base}-${n}`;
    if (!taken.includes(id)) return id;
  }
}
