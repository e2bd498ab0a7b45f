import { describe, expect, it } from "vitest";
import { consumeInSlices } from "./sliced-consumer.js";

/** Pushes `items` one per event-loop turn, like a pipe handing over chunks. */
function trickle<T>(items: T[]): (push: (item: T) => void) => Promise<void> {
  return async (push) => {
    for (const item of items) {
      push(item);
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  };
}

describe("consumeInSlices", () => {
  it("consumes every pushed item once, in order, and settles after the producer", async () => {
    const seen: number[] = [];
    const items = Array.from({ length: 500 }, (_, i) => i);
    await consumeInSlices(trickle(items), (item) => seen.push(item));
    expect(seen).toEqual(items);
  });

  it("consumes items pushed all at once and by a producer that pushes nothing", async () => {
    const seen: string[] = [];
    await consumeInSlices<string>(
      async (push) => ["a", "b", "c"].forEach(push),
      (item) => seen.push(item),
    );
    expect(seen).toEqual(["a", "b", "c"]);
    await expect(
      consumeInSlices(
        async () => {},
        () => {},
      ),
    ).resolves.toBeUndefined();
  });

  it("gives the event loop back between slices while consuming", async () => {
    let loopTurns = 0;
    let consumedWhenTheLoopRan = -1;
    let consumed = 0;
    const ticker = setInterval(() => {
      loopTurns++;
      if (consumedWhenTheLoopRan === -1 && consumed > 0) consumedWhenTheLoopRan = consumed;
    }, 0);
    try {
      await consumeInSlices(
        async (push) => {
          for (let i = 0; i < 40; i++) push(i);
        },
        () => {
          const until = Date.now() + 2;
          while (Date.now() < until) {
            // busy, as parsing a file is
          }
          consumed++;
        },
        3,
      );
    } finally {
      clearInterval(ticker);
    }
    expect(consumed).toBe(40);
    expect(loopTurns).toBeGreaterThan(0);
    // The timer ran while items were still waiting, not only after the last one.
    expect(consumedWhenTheLoopRan).toBeGreaterThan(0);
    expect(consumedWhenTheLoopRan).toBeLessThan(40);
  });

  it("rejects with the consumer's error after the producer has finished, consuming nothing after it", async () => {
    const seen: number[] = [];
    let producerDone = false;
    const failure = new Error("bad item");
    const result = consumeInSlices<number>(
      async (push) => {
        await trickle([1, 2, 3, 4, 5])(push);
        producerDone = true;
      },
      (item) => {
        if (item === 3) throw failure;
        seen.push(item);
      },
    );
    await expect(result).rejects.toBe(failure);
    expect(producerDone).toBe(true);
    expect(seen).toEqual([1, 2]);
  });

  it("rejects with the producer's error", async () => {
    const failure = new Error("git failed");
    await expect(
      consumeInSlices(
        async (push) => {
          push(1);
          throw failure;
        },
        () => {},
      ),
    ).rejects.toBe(failure);
    await expect(
      consumeInSlices(
        () => {
          throw failure;
        },
        () => {},
      ),
    ).rejects.toBe(failure);
  });
});
