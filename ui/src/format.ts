// Numbers and times as the operator reads them.
import type { ProductView } from "./bindings/ProductView";

const two = (n: number) => String(n).padStart(2, "0");

/** `MM:SS`, or `H:MM:SS` from an hour on. */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h > 0 ? `${h}:${two(m)}:${two(s % 60)}` : `${two(m)}:${two(s % 60)}`;
}

/** Whole seconds since `cuedAt` (RFC 3339), or null when there is no (readable) time. */
export function elapsedSeconds(cuedAt: string | null, now: number): number | null {
  if (!cuedAt) return null;
  const at = Date.parse(cuedAt);
  if (Number.isNaN(at)) return null;
  return Math.max(0, Math.floor((now - at) / 1000));
}

/** "02:13 / 05:00" (elapsed / target), or just the elapsed time when there is no target. */
export function elapsedLabel(elapsed: number, target: number | null): string {
  return target ? `${formatDuration(elapsed)} / ${formatDuration(target)}` : formatDuration(elapsed);
}

/** A target as a short duration: "5 min", "90 s", "4 min 30 s". */
export function targetLabel(seconds: number | null): string {
  if (!seconds) return "no target";
  const m = Math.floor(seconds / 60);
  const s = seconds % 60;
  if (m === 0) return `${s} s`;
  return s ? `${m} min ${s} s` : `${m} min`;
}

/** 1024 → "1,024". */
export function thousands(n: number): string {
  return n.toLocaleString("en-US");
}

/** "1,024 sold · 12 left" (stock only when known). */
export function salesLine(product: Pick<ProductView, "sold" | "stock">): string {
  const sold = `${thousands(product.sold)} sold`;
  if (product.stock === null || product.stock === undefined) return sold;
  return product.stock === 0 ? `${sold} · none left` : `${sold} · ${thousands(product.stock)} left`;
}
