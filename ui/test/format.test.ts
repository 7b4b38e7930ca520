import { describe, expect, it } from "vitest";
import { elapsedLabel, elapsedSeconds, formatDuration, salesLine, targetLabel } from "../src/format";

describe("times as the operator reads them", () => {
  it("formats durations as MM:SS, and H:MM:SS from an hour on", () => {
    expect(formatDuration(0)).toBe("00:00");
    expect(formatDuration(5.9)).toBe("00:05");
    expect(formatDuration(133)).toBe("02:13");
    expect(formatDuration(3599)).toBe("59:59");
    expect(formatDuration(3600)).toBe("1:00:00");
    expect(formatDuration(3725)).toBe("1:02:05");
    expect(formatDuration(-4)).toBe("00:00");
  });

  it("counts whole seconds since the cue, never below zero", () => {
    const cued = "2026-11-25T12:00:00.000Z";
    const at = Date.parse(cued);
    expect(elapsedSeconds(cued, at + 133_999)).toBe(133);
    expect(elapsedSeconds("2026-11-25T20:00:00.000+08:00", at + 1000)).toBe(1);
    expect(elapsedSeconds(cued, at - 5000)).toBe(0); // a clock a little behind the studio's
    expect(elapsedSeconds(null, at)).toBeNull();
    expect(elapsedSeconds("not a time", at)).toBeNull();
  });

  it("puts the elapsed time against the target", () => {
    expect(elapsedLabel(133, 300)).toBe("02:13 / 05:00");
    expect(elapsedLabel(42, null)).toBe("00:42");
    expect(targetLabel(300)).toBe("5 min");
    expect(targetLabel(270)).toBe("4 min 30 s");
    expect(targetLabel(45)).toBe("45 s");
    expect(targetLabel(null)).toBe("no target");
  });

  it("writes sales with thousands separators and the stock when known", () => {
    expect(salesLine({ sold: 1024, stock: 12 })).toBe("1,024 sold · 12 left");
    expect(salesLine({ sold: 0, stock: null })).toBe("0 sold");
    expect(salesLine({ sold: 1234567, stock: 0 })).toBe("1,234,567 sold · none left");
  });
});
