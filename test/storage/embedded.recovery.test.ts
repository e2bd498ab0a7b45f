import { spawnSync } from "node:child_process";
import { appendFile, copyFile, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { isCatalogError } from "../../src/errors/index.js";
import { createLogger, silentLogger } from "../../src/logging/index.js";
import {
  type EmbeddedCatalogStore,
  openEmbeddedStore,
  SNAPSHOT_FILE,
  WAL_FILE,
} from "../../src/storage/embedded/catalog.js";
import { expectCode, metaClock, newRecord } from "./contract/index.js";

let dataDir: string;
let opened: EmbeddedCatalogStore[] = [];

beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "nestor-embedded-recovery-"));
  opened = [];
});

afterEach(async () => {
  for (const store of opened) await store.close();
  await rm(dataDir, { recursive: true, force: true });
});

async function openStore(logger = silentLogger): Promise<EmbeddedCatalogStore> {
  const store = await openEmbeddedStore({ dataDir, fsync: true }, logger);
  opened.push(store);
  return store;
}

async function closeStore(store: EmbeddedCatalogStore): Promise<void> {
  opened = opened.filter((s) => s !== store);
  await store.close();
}

/** Everything a client can observe, to compare before and after a restart. */
async function observe(store: EmbeddedCatalogStore, names: string[]) {
  const bounds = await store.revisionBounds();
  return {
    bounds,
    events: await store.readEvents(bounds.compacted, 10_000),
    versions: await Promise.all(names.map((name) => store.listVersions(name))),
    list: await store.list({
      filter: { includeDeprecated: true },
      allVersions: true,
      orderBy: { field: "updateTime", descending: true },
      pageSize: 1000,
    }),
  };
}

const walPath = () => join(dataDir, WAL_FILE);

function capturingLogger() {
  const lines: string[] = [];
  return { lines, logger: createLogger({ level: "debug", format: "json", write: (line) => lines.push(line) }) };
}

describe("embedded store recovery", () => {
  it("keeps records, events and the revision across a restart, and continues the revision sequence", async () => {
    const clock = metaClock();
    const store = await openStore();
    await store.insertVersion(newRecord("alpha", "1.0.0"), clock());
    await store.insertVersion(newRecord("alpha", "1.1.0"), clock());
    await store.insertVersion(newRecord("beta", "2.0.0+build.7"), clock());
    await store.updateVersion("alpha", "1.0.0", { deprecation: { deprecated: true, message: "old" } }, clock());
    await store.deleteVersions("beta", "all", clock());
    const before = await observe(store, ["alpha", "beta"]);
    await closeStore(store);

    const reopened = await openStore();
    expect(await observe(reopened, ["alpha", "beta"])).toEqual(before);
    const next = await reopened.insertVersion(newRecord("beta", "3.0.0"), clock());
    expect(next.revision).toBe(before.bounds.current + 1);
  });

  it("cuts off a torn final line with a warning and keeps every complete write", async () => {
    const clock = metaClock();
    const store = await openStore();
    for (const version of ["1.0.0", "1.1.0", "1.2.0"]) await store.insertVersion(newRecord("torn", version), clock());
    const before = await observe(store, ["torn"]);
    await closeStore(store);
    const intactSize = (await stat(walPath())).size;
    await appendFile(walPath(), '{"batch":4,"of":1,"event":{"revision":4,"type":"crea');

    const { lines, logger } = capturingLogger();
    const reopened = await openStore(logger);
    expect(await observe(reopened, ["torn"])).toEqual(before);
    expect((await stat(walPath())).size).toBe(intactSize);
    expect(lines.some((line) => line.includes('"level":"warn"') && line.includes(WAL_FILE))).toBe(true);
    const next = await reopened.insertVersion(newRecord("torn", "2.0.0"), clock());
    expect(next.revision).toBe(4);
    await closeStore(reopened);
    const again = await openStore();
    expect((await again.listVersions("torn")).map((r) => r.version)).toEqual(["2.0.0", "1.2.0", "1.1.0", "1.0.0"]);
  });

  it("drops a multi-version delete whole when only some of its lines reached the disk", async () => {
    const clock = metaClock();
    const store = await openStore();
    for (const version of ["1.0.0", "1.1.0", "1.2.0"]) await store.insertVersion(newRecord("multi", version), clock());
    const before = await observe(store, ["multi"]);
    await store.deleteVersions("multi", "all", clock());
    await closeStore(store);
    const log = await readFile(walPath(), "utf8");
    const lines = log.trimEnd().split("\n");
    expect(lines).toHaveLength(6);

    for (const cut of [
      `${lines.slice(0, 4).join("\n")}\n`, // one of three delete lines, newline-terminated
      `${lines.slice(0, 5).join("\n")}\n`, // two of three
      `${lines.slice(0, 5).join("\n")}\n${lines[5]!.slice(0, 20)}`, // two and a half
    ]) {
      await writeFile(walPath(), cut);
      const reopened = await openStore();
      expect(await observe(reopened, ["multi"])).toEqual(before);
      await closeStore(reopened);
    }
  });

  it("refuses to open a log damaged before its tail, naming the file and line", async () => {
    const clock = metaClock();
    const store = await openStore();
    for (const version of ["1.0.0", "1.1.0", "1.2.0"]) await store.insertVersion(newRecord("rot", version), clock());
    await closeStore(store);
    const lines = (await readFile(walPath(), "utf8")).trimEnd().split("\n");
    lines[1] = "{ this is not json";
    await writeFile(walPath(), `${lines.join("\n")}\n`);

    const err = await openEmbeddedStore({ dataDir, fsync: true }, silentLogger).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isCatalogError(err)).toBe(true);
    expect(String((err as Error).message)).toContain(walPath());
    expect(String((err as Error).message)).toContain("line 2");
    // The failed open released the lock, and left the log untouched.
    expect((await readFile(walPath(), "utf8")).split("\n")[1]).toBe("{ this is not json");
    await expect(stat(join(dataDir, "LOCK"))).rejects.toThrow();
  });

  it("keeps revisions, the compacted mark and the remaining events after compaction and restart", async () => {
    const clock = metaClock();
    const store = await openStore();
    for (let i = 0; i < 6; i++) await store.insertVersion(newRecord("compacted", `1.${i}.0`), clock());
    await store.deleteVersions("compacted", ["1.0.0"], clock());
    await store.compact(5);
    await store.insertVersion(newRecord("compacted", "2.0.0"), clock());
    const before = await observe(store, ["compacted"]);
    expect(before.bounds).toEqual({ current: 8, compacted: 5 });
    await closeStore(store);

    const reopened = await openStore();
    expect(await observe(reopened, ["compacted"])).toEqual(before);
    await expectCode(reopened.readEvents(4, 10), "OUT_OF_RANGE");
    await reopened.compact(7);
    await closeStore(reopened);

    const third = await openStore();
    const after = await observe(third, ["compacted"]);
    expect(after.bounds).toEqual({ current: 8, compacted: 7 });
    expect(after.events.map((e) => e.revision)).toEqual([8]);
    expect(after.versions).toEqual(before.versions);
  });

  it("recovers when a crash left the snapshot written but the old log not yet rewritten", async () => {
    const clock = metaClock();
    const store = await openStore();
    for (let i = 0; i < 5; i++) await store.insertVersion(newRecord("halfway", `1.${i}.0`), clock());
    const uncompactedLog = join(dataDir, "uncompacted.copy");
    await copyFile(walPath(), uncompactedLog);
    await store.compact(3);
    const before = await observe(store, ["halfway"]);
    await closeStore(store);
    await copyFile(uncompactedLog, walPath());
    await rm(uncompactedLog);
    const reopened = await openStore();
    expect(await observe(reopened, ["halfway"])).toEqual(before);
    expect(await stat(join(dataDir, SNAPSHOT_FILE))).toBeDefined();
  });

  it("refuses a second open of the same data directory while the first is open", async () => {
    const first = await openStore();
    const err = await openEmbeddedStore({ dataDir, fsync: true }, silentLogger).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isCatalogError(err, "FAILED_PRECONDITION")).toBe(true);
    expect((err as Error).message).toContain(dataDir);
    await closeStore(first);
    const second = await openStore();
    expect((await second.health()).ok).toBe(true);
  });

  it("takes over a lock left by a process that no longer exists", async () => {
    const exited = spawnSync(process.execPath, ["-e", "process.exit(0)"]);
    await writeFile(join(dataDir, "LOCK"), `${exited.pid}\n`);
    const store = await openStore();
    expect((await store.health()).ok).toBe(true);
    expect((await readFile(join(dataDir, "LOCK"), "utf8")).trim()).toBe(String(process.pid));
  });

  it("fails calls UNAVAILABLE and reports unhealthy once closed", async () => {
    const store = await openStore();
    await closeStore(store);
    expect((await store.health()).ok).toBe(false);
    await expectCode(store.getVersion("x", "1.0.0"), "UNAVAILABLE");
    await expectCode(store.insertVersion(newRecord("x", "1.0.0"), metaClock()()), "UNAVAILABLE");
  });
});
