import { describe, expect, it } from "vitest";
import { CatalogError } from "../../errors/index.js";
import { MemoryCatalogStore } from "../memory/catalog.js";
import type { CatalogEvent } from "../records.js";
import { EventTail, type EventTailSink } from "./event-tail.js";

const meta = (i: number) => ({ actor: "tail-test", time: new Date(Date.UTC(2030, 0, 1, 0, 0, i)).toISOString() });

function record(name: string) {
  return {
    name,
    version: "1.0.0",
    provider: "aws",
    category: "db",
    description: "",
    labels: {},
    deprecation: { deprecated: false, message: "" },
    inputs: [],
    outputs: [],
    deployment: { engine: "terraform", engineVersion: "1", config: {} },
    contentDigest: `sha256:${name}`,
  };
}

async function storeWith(writes: number): Promise<MemoryCatalogStore> {
  const store = new MemoryCatalogStore();
  for (let i = 0; i < writes; i++) await store.insertVersion(record(`c${i}`), meta(i));
  return store;
}

function recordingSink() {
  const batches: number[][] = [];
  const skipped: Array<{ after: number; current: number }> = [];
  const failures: unknown[] = [];
  const sink: EventTailSink = {
    apply: (events: readonly CatalogEvent[]) => {
      batches.push(events.map((event) => event.revision));
    },
    skipped: (after, bounds) => {
      skipped.push({ after, current: bounds.current });
    },
    failed: (err) => failures.push(err),
  };
  return { sink, batches, skipped, failures };
}

describe("EventTail", () => {
  it("reads every event after its position in batches, in revision order", async () => {
    const store = await storeWith(7);
    const { sink, batches } = recordingSink();
    const tail = new EventTail(store, sink, 2, 3);
    await tail.wake();
    expect(batches).toEqual([
      [3, 4, 5],
      [6, 7],
    ]);
    expect(tail.position).toBe(7);
  });

  it("coalesces wake-ups during a catch-up into one more pass that sees later writes", async () => {
    const store = await storeWith(2);
    const { sink, batches } = recordingSink();
    let reads = 0;
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const log = {
      readEvents: async (after: number, limit: number) => {
        reads += 1;
        if (reads === 1) await gate;
        return store.readEvents(after, limit);
      },
      revisionBounds: () => store.revisionBounds(),
    };
    const tail = new EventTail(log, sink, 0);
    const first = tail.wake();
    await store.insertVersion(record("late"), meta(9));
    const more = [tail.wake(), tail.wake(), tail.wake()];
    release();
    await Promise.all([first, ...more]);
    expect(batches.flat()).toEqual([1, 2, 3]);
    // The held first read saw all three events; the three wake-ups behind it cost one more read, not three.
    expect(reads).toBe(2);
  });

  it("skips a compacted stretch to the current revision and tells the sink", async () => {
    const store = await storeWith(6);
    await store.compact(4);
    const { sink, batches, skipped } = recordingSink();
    const tail = new EventTail(store, sink, 1);
    await tail.wake();
    expect(skipped).toEqual([{ after: 1, current: 6 }]);
    expect(tail.position).toBe(6);
    expect(batches).toEqual([]);
  });

  it("stays where it was when the sink fails, and re-reads those events on the next wake-up", async () => {
    const store = await storeWith(3);
    const { sink, batches, failures } = recordingSink();
    let refuse = true;
    const tail = new EventTail(
      store,
      {
        ...sink,
        apply: (events) => {
          if (refuse) throw new CatalogError("UNAVAILABLE", "replica down");
          return sink.apply(events);
        },
      },
      0,
    );
    await tail.wake();
    expect(failures).toHaveLength(1);
    expect(tail.position).toBe(0);
    refuse = false;
    await tail.wake();
    expect(batches).toEqual([[1, 2, 3]]);
  });

  it("reports a failing log to the sink and never rejects", async () => {
    const store = await storeWith(1);
    await store.close();
    const { sink, failures } = recordingSink();
    await expect(new EventTail(store, sink, 0).wake()).resolves.toBeUndefined();
    expect(failures).toHaveLength(1);
  });
});
