import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { LatestSender } from "../src/send_latest";

describe("live updates during a drag", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  /** A studio that answers when told to. */
  function studio() {
    const sent: number[] = [];
    const answers: Array<() => void> = [];
    const send = (value: number) => {
      sent.push(value);
      return new Promise<boolean>((resolve) => answers.push(() => resolve(true)));
    };
    const answer = async () => {
      answers.shift()?.();
      await vi.advanceTimersByTimeAsync(0);
    };
    return { sent, send, answer };
  }

  it("sends the latest value, one at a time, at most one per interval", async () => {
    const { sent, send, answer } = studio();
    const sender = new LatestSender(send, 100);
    sender.update(1);
    sender.update(2);
    sender.update(3);
    expect(sent).toEqual([1]); // the first at once; the others wait for its answer
    await answer();
    expect(sent).toEqual([1]); // answered, but not 100 ms yet
    await vi.advanceTimersByTimeAsync(100);
    expect(sent).toEqual([1, 3]); // 2 was replaced by 3 before its turn
    await answer();
    sender.update(4);
    await vi.advanceTimersByTimeAsync(99);
    expect(sent).toEqual([1, 3]);
    await vi.advanceTimersByTimeAsync(1);
    expect(sent).toEqual([1, 3, 4]);
  });

  it("sends the final value last, after what is in flight, and drops what waits", async () => {
    const { sent, send, answer } = studio();
    const sender = new LatestSender(send, 100);
    sender.update(1);
    sender.update(2);
    const done = sender.finish(9);
    await vi.advanceTimersByTimeAsync(0);
    expect(sent).toEqual([1]); // 9 waits for 1's answer
    await answer();
    expect(sent).toEqual([1, 9]);
    await answer();
    expect(await done).toBe(true);
    sender.update(5);
    await vi.advanceTimersByTimeAsync(500);
    expect(sent).toEqual([1, 9]); // nothing after the end
  });

  it("cancel sends nothing more", async () => {
    const { sent, send } = studio();
    const sender = new LatestSender(send, 100);
    sender.update(1);
    sender.update(2);
    sender.cancel();
    await vi.advanceTimersByTimeAsync(500);
    expect(sent).toEqual([1]);
  });
});
