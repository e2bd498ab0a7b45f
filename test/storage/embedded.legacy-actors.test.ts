/**
 * Embedded data directories written before versions carried createActor /
 * updateActor must still open: the records read with "" (unknown) for both,
 * and later writes record their actor as usual. The files are written by
 * hand in the old shape rather than by the current code.
 */

import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { silentLogger } from "../../src/logging/index.js";
import {
  type EmbeddedCatalogStore,
  openEmbeddedStore,
  SNAPSHOT_FILE,
  WAL_FILE,
} from "../../src/storage/embedded/catalog.js";
import { isComponentEvent } from "../../src/storage/records.js";
import { newRecord } from "./contract/index.js";

let dataDir: string;
let opened: EmbeddedCatalogStore[] = [];

beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "nestor-embedded-legacy-"));
  opened = [];
});

afterEach(async () => {
  for (const store of opened) await store.close();
  await rm(dataDir, { recursive: true, force: true });
});

async function openStore(): Promise<EmbeddedCatalogStore> {
  const store = await openEmbeddedStore({ dataDir, fsync: false }, silentLogger);
  opened.push(store);
  return store;
}

/** A stored record as servers before actors wrote it: no createActor/updateActor keys. */
function oldRecord(name: string, revision: number, time: string) {
  return {
    ...newRecord(name, "1.0.0"),
    createTime: time,
    updateTime: time,
    createRevision: revision,
    updateRevision: revision,
  };
}

/** One log line of a single-event write, in the log's JSON-lines format. */
function logLine(revision: number, type: string, component: object, actor: string, time: string): string {
  return `${JSON.stringify({ batch: revision, of: 1, event: { revision, type, time, component, actor } })}\n`;
}

describe("embedded store with data written before versions carried actors", () => {
  it("opens a log whose records lack the actor fields, reading them as empty", async () => {
    const time = "2030-01-01T00:00:01.000Z";
    const later = "2030-01-01T00:00:02.000Z";
    const created = oldRecord("legacy-log", 1, time);
    const updated = { ...created, description: "changed", updateTime: later, updateRevision: 2 };
    await writeFile(
      join(dataDir, WAL_FILE),
      logLine(1, "created", created, "alice", time) + logLine(2, "updated", updated, "bob", later),
    );

    const store = await openStore();
    expect(await store.revisionBounds()).toEqual({ current: 2, compacted: 0 });
    const record = await store.getVersion("legacy-log", "1.0.0");
    expect(record).toMatchObject({ description: "changed", createActor: "", updateActor: "" });
    const events = (await store.readEvents(0, 10)).filter(isComponentEvent);
    expect(events.map((event) => event.actor)).toEqual(["alice", "bob"]);
    expect(events.map((event) => [event.component.createActor, event.component.updateActor])).toEqual([
      ["", ""],
      ["", ""],
    ]);

    const next = await store.updateVersion(
      "legacy-log",
      "1.0.0",
      { description: "again" },
      { actor: "carol", time: "2030-01-01T00:00:03.000Z" },
    );
    expect(next.component).toMatchObject({ createActor: "", updateActor: "carol", updateRevision: 3 });
  });

  it("opens a snapshot whose records lack the actor fields, reading them as empty", async () => {
    const time = "2030-01-01T00:00:01.000Z";
    const header = JSON.stringify({ format: "nestor-embedded-snapshot/1", revision: 1, compacted: 1, records: 1 });
    await writeFile(
      join(dataDir, SNAPSHOT_FILE),
      `${header}\n${JSON.stringify(oldRecord("legacy-snapshot", 1, time))}\n`,
    );

    const store = await openStore();
    expect(await store.revisionBounds()).toEqual({ current: 1, compacted: 1 });
    expect(await store.getVersion("legacy-snapshot", "1.0.0")).toMatchObject({ createActor: "", updateActor: "" });
    const listed = await store.list({
      filter: { includeDeprecated: true },
      allVersions: true,
      orderBy: { field: "name", descending: false },
      pageSize: 10,
    });
    expect(listed.items.map((item) => [item.createActor, item.updateActor])).toEqual([["", ""]]);
  });
});
