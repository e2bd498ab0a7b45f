/**
 * The embedded store's write bound (storage.embedded.timeoutMs) against a
 * log whose fsync the test holds: the caller is answered UNAVAILABLE in
 * time, but the write keeps the mutex until its persistence really returns,
 * and is applied only if that persistence succeeded.
 */

import { afterEach, describe, expect, it } from "vitest";
import { isCatalogError } from "../../src/errors/index.js";
import { silentLogger } from "../../src/logging/index.js";
import { type EmbeddedCatalogStore, openEmbeddedStore } from "../../src/storage/embedded/catalog.js";
import { isComponentEvent } from "../../src/storage/records.js";
import { tempDir } from "../api/harness.js";
import { expectCode } from "./contract/index.js";
import { metaClock, newRecord } from "./fixtures.js";
import { openGatedEmbeddedStore } from "./gated-embedded-store.js";

// Long enough that an ordinary fsync on a busy machine stays inside it; the held ones never do.
const TIMEOUT_MS = 1_000;

const dirs: { remove(): void }[] = [];
const stores: EmbeddedCatalogStore[] = [];
afterEach(async () => {
  await Promise.all(stores.splice(0).map((store) => store.close().catch(() => undefined)));
  dirs.splice(0).forEach((dir) => dir.remove());
});

async function gatedStore() {
  const dir = tempDir("nestor-embedded-timeout-");
  dirs.push(dir);
  const opened = await openGatedEmbeddedStore(dir.path, TIMEOUT_MS);
  stores.push(opened.store);
  return { ...opened, dir: dir.path };
}

async function reopen(store: EmbeddedCatalogStore, dataDir: string): Promise<EmbeddedCatalogStore> {
  await store.close();
  const reopened = await openEmbeddedStore({ dataDir, fsync: true }, silentLogger);
  stores.push(reopened);
  return reopened;
}

describe("embedded store write bound", () => {
  it("answers UNAVAILABLE (outcome unknown) when fsync hangs, holds later writes, applies it later", async () => {
    const { store, gate, dir } = await gatedStore();
    const clock = metaClock();
    gate.hold();

    const stuck = await expectCode(store.insertVersion(newRecord("stuck", "1.0.0"), clock()), "UNAVAILABLE");
    expect(stuck.message).toContain(dir);
    expect(stuck.message).toContain("storage.embedded.timeoutMs");
    expect(stuck.message).toContain("outcome is unknown");
    // Not applied while its persistence has not returned.
    expect(await store.listVersions("stuck")).toEqual([]);
    expect((await store.revisionBounds()).current).toBe(0);

    // The mutex is still the stuck write's: the next write gives up waiting and never reaches the log.
    const queued = await expectCode(store.insertVersion(newRecord("queued", "1.0.0"), clock()), "UNAVAILABLE");
    expect(queued.message).toContain(dir);
    expect(queued.message).toContain("storage.embedded.timeoutMs");
    expect(queued.message).toContain("nothing was written");
    expect(gate.arrived).toBe(1);

    const committed = new Promise<number>((resolve) => store.onCommit(resolve));
    gate.open();
    expect(await committed).toBe(1);
    expect((await store.listVersions("stuck")).map((r) => r.version)).toEqual(["1.0.0"]);

    const after = await store.insertVersion(newRecord("after", "1.0.0"), clock());
    expect(after.revision).toBe(2);
    expect(await store.listVersions("queued")).toEqual([]);

    // What the answer did not know is on disk, in order, with no revision taken twice.
    const reopened = await reopen(store, dir);
    expect((await reopened.revisionBounds()).current).toBe(2);
    expect(
      (await reopened.readEvents(0, 10)).filter(isComponentEvent).map((e) => `${e.revision}:${e.component.name}`),
    ).toEqual(["1:stuck", "2:after"]);
  });

  it("applies nothing when the timed-out fsync finally fails, and the next write takes its revision", async () => {
    const { store, gate, dir } = await gatedStore();
    const clock = metaClock();
    gate.hold();
    await expectCode(store.insertVersion(newRecord("lost", "1.0.0"), clock()), "UNAVAILABLE");

    // Queued behind the stuck write, which then fails: this one runs after it, on the state it left.
    const next = store.insertVersion(newRecord("next", "1.0.0"), clock());
    gate.fail(new Error("EIO: the disk went away"));
    expect((await next).revision).toBe(1);
    expect(await store.listVersions("lost")).toEqual([]);
    expect((await store.health()).ok).toBe(true);

    const reopened = await reopen(store, dir);
    expect(
      (await reopened.readEvents(0, 10)).filter(isComponentEvent).map((e) => `${e.revision}:${e.component.name}`),
    ).toEqual(["1:next"]);
  });

  it("lets a write whose signal aborts while it waits behind a stuck one leave without writing", async () => {
    const { store, gate } = await gatedStore();
    const clock = metaClock();
    gate.hold();
    const first = store.insertVersion(newRecord("first", "1.0.0"), clock()).catch((err: unknown) => err);
    await gate.reached(1);
    const controller = new AbortController();
    const reason = new Error("the caller cancelled");
    const waiting = store.insertVersion(newRecord("cancelled", "1.0.0"), { ...clock(), signal: controller.signal });
    controller.abort(reason);
    await expect(waiting).rejects.toBe(reason);
    gate.open();
    const outcome = await first;
    // Either answered in time or timed out and applied later: it lands either way once fsync returns.
    if (isCatalogError(outcome)) expect(outcome.code).toBe("UNAVAILABLE");
    const last = await store.insertVersion(newRecord("last", "1.0.0"), clock());
    expect(last.revision).toBe(2);
    expect(await store.listVersions("cancelled")).toEqual([]);
    expect((await store.listVersions("first")).map((r) => r.version)).toEqual(["1.0.0"]);
  });
});
