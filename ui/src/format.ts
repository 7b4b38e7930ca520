// Numbers, money and times as the operator reads them, in the UI's language (Intl).
import type { ProductView } from "./bindings/ProductView";
import { language, t } from "./i18n";

const two = (n: number) => String(n).padStart(2, "0");

/** The Intl locale of the UI's language. */
export function locale(): string {
  return language() === "zh-CN" ? "zh-CN" : "en-US";
}

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

/** A target as a short duration: "5 min", "90 s", "4 min 30 s" (分钟, 秒 in Chinese). */
export function targetLabel(seconds: number | null): string {
  if (!seconds) return t("format.no_target");
  const m = Math.floor(seconds / 60);
  const s = seconds % 60;
  if (m === 0) return t("format.seconds", { n: s });
  return s ? t("format.minutes_seconds", { m, s }) : t("format.minutes", { m });
}

/** 1024 → "1,024". */
export function thousands(n: number): string {
  return new Intl.NumberFormat(locale()).format(n);
}

/** A count in short: 12,345 → "12K" in English, "1.2万" in Chinese. */
export function compact(n: number): string {
  return new Intl.NumberFormat(locale(), { notation: "compact", maximumFractionDigits: 1 }).format(n);
}

/** A fixed number of decimals, in the locale's digits: 29.97 → "30.0". */
export function decimal(n: number, digits: number): string {
  return new Intl.NumberFormat(locale(), { minimumFractionDigits: digits, maximumFractionDigits: digits }).format(n);
}

/** An amount in its currency: 1024 CNY → "¥1,024.00" (zh-CN), "CN¥1,024.00" (en-US). A
 * code Intl does not know (a platform's coins) is written after the number. */
export function money(amount: number | string, currency: string): string {
  const value = typeof amount === "number" ? amount : Number(amount);
  if (!Number.isFinite(value)) return `${amount} ${currency}`;
  try {
    if (!/^[A-Za-z]{3}$/.test(currency)) throw new RangeError(currency);
    return new Intl.NumberFormat(locale(), { style: "currency", currency: currency.toUpperCase() }).format(value);
  } catch {
    return `${thousands(value)} ${currency}`;
  }
}

/** "1,024 sold · 12 left" (stock only when known). */
export function salesLine(product: Pick<ProductView, "sold" | "stock">): string {
  const sold = t("format.sold", { n: thousands(product.sold) });
  if (product.stock === null || product.stock === undefined) return sold;
  return product.stock === 0 ? t("format.sold_none_left", { sold }) : t("format.sold_left", { sold, left: thousands(product.stock) });
}
