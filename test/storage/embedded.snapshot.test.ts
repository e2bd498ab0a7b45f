/**
 * The embedded store's snapshots: format-1 (one JSON record per line) and
 * format-2 (a 9-element prefix + compact record per line) snapshots still
 * open, and compaction writes format 3 (the prefix with the yanked flag,
 * then policies and consumer registrations) that opens to the same catalog,
 * including text a line-oriented format must not trip on (tabs, newlines,
 * non-ASCII).
 */

import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { silentLogger } from "../../src/logging/index.js";
import { openEmbeddedStore, SNAPSHOT_FILE } from "../../src/storage/embedded/catalog.js";
import { encodeRecord } from "../../src/storage/inprocess/record-codec.js";
import type { ComponentRecord } from "../../src/storage/records.js";
import { isComponentEvent } from "../../src/storage/records.js";
import type { CatalogStore } from "../../src/storage/store.js";
import { metaClock, newRecord } from "./fixtures.js";

const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

async function dataDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "nestor-snapshot-"));
  dirs.push(dir);
  return dir;
}

async function everything(store: CatalogStore): Promise<ComponentRecord[]> {
  const page = await store.list({
    filter: { includeDeprecated: true },
    allVersions: true,
    orderBy: { field: "name", descending: false },
    pageSize: 1000,
  });
  return page.items;
}

describe("embedded snapshots", () => {
  it("opens a format-1 snapshot and rewrites it as format 3 on the next compaction, same catalog", async () => {
    const dir = await dataDir();
    const time = "2030-01-01T00:00:00.000Z";
    const stored = (name: string, version: string, revision: number): ComponentRecord => ({
      ...newRecord(name, version, { description: "tab\there, newline\nthere, caf\u00e9" }),
      createTime: time,
      updateTime: time,
      createRevision: revision,
      updateRevision: revision,
      createActor: "old",
      updateActor: "old",
    });
    const records = [stored("alpha", "1.0.0", 1), stored("alpha", "2.0.0", 2), stored("beta", "1.0.0-rc.1", 3)];
    const header = { format: "nestor-embedded-snapshot/1", revision: 3, compacted: 3, records: records.length };
    await writeFile(
      join(dir, SNAPSHOT_FILE),
      `${[JSON.stringify(header), ...records.map((r) => JSON.stringify(r))].join("\n")}\n`,
    );
    const store = await openEmbeddedStore({ dataDir: dir, fsync: false }, silentLogger);
    const before = await everything(store);
    expect(before.map((r) => `${r.name}@${r.version}`)).toEqual(["alpha@2.0.0", "alpha@1.0.0", "beta@1.0.0-rc.1"]);
    expect(before[1]).toEqual(records[0]);
    expect(await store.revisionBounds()).toEqual({ current: 3, compacted: 3 });
    const clock = metaClock();
    await store.insertVersion(newRecord("gamma", "1.0.0"), clock());
    await store.insertVersion(newRecord("gamma", "1.1.0"), clock());
    await store.compact(4);
    await store.close();
    expect((await readFile(join(dir, SNAPSHOT_FILE), "utf8")).split("\n")[0]).toContain("nestor-embedded-snapshot/3");

    const reopened = await openEmbeddedStore({ dataDir: dir, fsync: false }, silentLogger);
    try {
      const after = await everything(reopened);
      expect(after.filter((r) => r.name !== "gamma")).toEqual(before);
      expect(after.map((r) => r.name)).toContain("gamma");
      expect((await reopened.getVersion("alpha", "1.0.0"))?.description).toBe("tab\there, newline\nthere, caf\u00e9");
      expect(await reopened.revisionBounds()).toEqual({ current: 5, compacted: 4 });
      expect(
        (await reopened.readEvents(4, 10)).filter(isComponentEvent).map((event) => event.component.version),
      ).toEqual(["1.1.0"]);
    } finally {
      await reopened.close();
    }
  });

  it("opens a format-2 snapshot (no yanked flag, no registry) as it was", async () => {
    const dir = await dataDir();
    const time = "2030-01-01T00:00:00.000Z";
    const record: ComponentRecord = {
      ...newRecord("delta", "1.0.0"),
      createTime: time,
      updateTime: time,
      createRevision: 1,
      updateRevision: 1,
      createActor: "old",
      updateActor: "old",
    };
    const prefix = ["delta", "1.0.0", Date.parse(time), 1, 0, record.provider, record.category, "terraform", {}];
    const header = { format: "nestor-embedded-snapshot/2", revision: 1, compacted: 1, records: 1 };
    await writeFile(
      join(dir, SNAPSHOT_FILE),
      `${JSON.stringify(header)}\n${JSON.stringify(prefix)}\t${encodeRecord(record)}\n`,
    );
    const store = await openEmbeddedStore({ dataDir: dir, fsync: false }, silentLogger);
    try {
      expect(await store.getVersion("delta", "1.0.0")).toEqual(record);
      expect((await everything(store)).map((r) => r.version)).toEqual(["1.0.0"]);
    } finally {
      await store.close();
    }
  });

  it("keeps yanked versions, policies and consumer registrations across a compaction and a reopen", async () => {
    const dir = await dataDir();
    const store = await openEmbeddedStore({ dataDir: dir, fsync: false }, silentLogger);
    const clock = metaClock();
    await store.insertVersion(newRecord("epsilon", "1.0.0"), clock());
    await store.insertVersion(newRecord("epsilon", "2.0.0"), clock());
    await store.updateVersion(
      "epsilon",
      "2.0.0",
      { yank: { time: clock().time, actor: "admin", reason: "broken" } },
      clock(),
    );
    await store.setPolicy("epsilon", "full_transitive", clock());
    await store.putConsumer({ consumer: "billing", name: "epsilon", constraint: "^1", labels: { team: "a" } }, clock());
    await store.putConsumer({ consumer: "search", name: "epsilon", constraint: "", labels: {} }, clock());
    await store.deleteConsumer("search", "epsilon", clock());
    const latestBefore = (await store.list({ ...everyLatest, filter: { includeDeprecated: true, names: ["epsilon"] } }))
      .items;
    await store.compact(6);
    await store.close();
    expect((await readFile(join(dir, SNAPSHOT_FILE), "utf8")).split("\n")[0]).toContain('"policies":1');

    const reopened = await openEmbeddedStore({ dataDir: dir, fsync: false }, silentLogger);
    try {
      expect((await reopened.getVersion("epsilon", "2.0.0"))?.yank).toMatchObject({ reason: "broken" });
      const latest = await reopened.list({ ...everyLatest, filter: { includeDeprecated: true, names: ["epsilon"] } });
      expect(latest.items.map((r) => r.version)).toEqual(["1.0.0"]);
      expect(latest.items).toEqual(latestBefore);
      expect((await reopened.getPolicy("epsilon"))?.mode).toBe("full_transitive");
      expect((await reopened.listConsumers({ name: "epsilon" })).map((c) => c.consumer)).toEqual(["billing"]);
      expect((await reopened.listConsumers({ consumer: "billing" }))[0]).toMatchObject({ constraint: "^1" });
      expect((await reopened.readEvents(6, 10)).map((event) => event.type)).toEqual(["consumer_deregistered"]);
    } finally {
      await reopened.close();
    }
  });
});

const everyLatest = { allVersions: false, orderBy: { field: "name" as const, descending: false }, pageSize: 100 };
