import { describe, expect, it } from "vitest";
import { Mutex, type Release } from "./mutex.js";

/** A section that runs until the test lets it finish. */
function blocker() {
  let finish!: () => void;
  const done = new Promise<void>((resolve) => (finish = resolve));
  let started!: () => void;
  const running = new Promise<void>((resolve) => (started = resolve));
  return {
    section: async () => {
      started();
      await done;
    },
    running,
    finish,
  };
}

describe("Mutex", () => {
  it("runs sections one at a time in arrival order", async () => {
    const mutex = new Mutex();
    const order: string[] = [];
    const first = blocker();
    const a = mutex.run(first.section);
    const b = mutex.run(async () => void order.push("b"));
    const c = mutex.run(async () => void order.push("c"));
    await first.running;
    expect(order).toEqual([]);
    first.finish();
    await Promise.all([a, b, c]);
    expect(order).toEqual(["b", "c"]);
  });

  it("an aborted waiter leaves the queue without running, and later waiters still run in order", async () => {
    const mutex = new Mutex();
    const order: string[] = [];
    const first = blocker();
    const held = mutex.run(first.section);
    await first.running;
    const controller = new AbortController();
    const reason = new Error("deadline");
    const abandoned = mutex.run(async () => void order.push("abandoned"), { signal: controller.signal });
    const b = mutex.run(async () => void order.push("b"));
    const c = mutex.run(async () => void order.push("c"));
    expect(mutex.queued).toBe(3);
    controller.abort(reason);
    await expect(abandoned).rejects.toBe(reason);
    expect(mutex.queued).toBe(2);
    first.finish();
    await Promise.all([held, b, c]);
    expect(order).toEqual(["b", "c"]);
    expect(mutex.queued).toBe(0);
  });

  it("refuses a waiter whose signal is already aborted without queueing it", async () => {
    const mutex = new Mutex();
    const controller = new AbortController();
    controller.abort();
    let ran = false;
    await expect(
      mutex.run(
        async () => {
          ran = true;
        },
        { signal: controller.signal },
      ),
    ).rejects.toMatchObject({
      name: "AbortError",
    });
    expect(ran).toBe(false);
    expect(mutex.queued).toBe(0);
    // The lock is still free.
    await expect(mutex.run(async () => "ran")).resolves.toBe("ran");
  });

  it("gives up on a waiter after its timeout with the error it asked for, leaving the queue intact", async () => {
    const mutex = new Mutex();
    const first = blocker();
    const held = mutex.run(first.section);
    await first.running;
    const order: string[] = [];
    const timedOut = new Error("UNAVAILABLE: waited too long");
    const late = mutex.run(async () => void order.push("late"), { timeoutMs: 1, timedOut: () => timedOut });
    const next = mutex.run(async () => void order.push("next"));
    await expect(late).rejects.toBe(timedOut);
    first.finish();
    await Promise.all([held, next]);
    expect(order).toEqual(["next"]);
  });

  it("keeps the lock from a newcomer while it passes to the next waiter", async () => {
    const mutex = new Mutex();
    const release: Release = await mutex.acquire();
    const order: string[] = [];
    const waiter = mutex.run(async () => void order.push("waiter"));
    release();
    // Arrives after the release, but the waiter was granted the lock first.
    const newcomer = mutex.run(async () => void order.push("newcomer"));
    await Promise.all([waiter, newcomer]);
    expect(order).toEqual(["waiter", "newcomer"]);
  });

  it("holds the lock after a section throws only until it settles", async () => {
    const mutex = new Mutex();
    await expect(mutex.run(async () => Promise.reject(new Error("boom")))).rejects.toThrow("boom");
    await expect(mutex.run(async () => "after")).resolves.toBe("after");
  });
});
