/**
 * The embedded store's snapshots: a format-1 snapshot (one JSON record per
 * line) still opens, and compaction writes format 2 (prefix + compact record
 * per line) that opens to the same catalog, including text a line-oriented
 * format must not trip on (tabs, newlines, non-ASCII).
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { silentLogger } from "../../src/logging/index.js";
import { openEmbeddedStore, SNAPSHOT_FILE } from "../../src/storage/embedded/catalog.js";
import type { ComponentRecord } from "../../src/storage/records.js";
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
  it("opens a format-1 snapshot and rewrites it as format 2 on the next compaction, same catalog", async () => {
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
    expect((await readFile(join(dir, SNAPSHOT_FILE), "utf8")).split("\n")[0]).toContain("nestor-embedded-snapshot/2");

    const reopened = await openEmbeddedStore({ dataDir: dir, fsync: false }, silentLogger);
    try {
      const after = await everything(reopened);
      expect(after.filter((r) => r.name !== "gamma")).toEqual(before);
      expect(after.map((r) => r.name)).toContain("gamma");
      expect((await reopened.getVersion("alpha", "1.0.0"))?.description).toBe("tab\there, newline\nthere, caf\u00e9");
      expect(await reopened.revisionBounds()).toEqual({ current: 5, compacted: 4 });
      expect((await reopened.readEvents(4, 10)).map((event) => event.component.version)).toEqual(["1.1.0"]);
    } finally {
      await reopened.close();
    }
  });
});
