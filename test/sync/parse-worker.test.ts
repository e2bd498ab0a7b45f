import { afterEach, describe, expect, it } from "vitest";
import { systemClock } from "../../src/catalog/clock.js";
import { Manager } from "../../src/catalog/manager.js";
import {
  createFileParser,
  GitSync,
  InProcessSyncStateStore,
  runningParseWorkers,
  type FileParserOptions,
  type SyncFileError,
} from "../../src/catalog/sync/index.js";
import type { FileWork } from "../../src/catalog/sync/parse-file.js";
import { DEFAULT_SYNC_REPOSITORY } from "../../src/config/schema.js";
import { silentLogger } from "../../src/logging/index.js";
import { MemoryCatalogStore } from "../../src/storage/memory/index.js";
import { definition, definitionYaml, GitFixture, tempDir } from "./git-fixture.js";

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

const COMMIT = "0123456789abcdef0123456789abcdef01234567";
const ON_WORKER: FileParserOptions = { minFilesForWorker: 1 };
const ON_MAIN_THREAD: FileParserOptions = { minFilesForWorker: Number.POSITIVE_INFINITY };
const BROKEN_WORKER: FileParserOptions = { minFilesForWorker: 1, workerUrl: new URL("./no-such-parse-worker.js", import.meta.url) };

/** Valid files, structural problems, syntax errors, several documents, JSON, a non-regular entry. */
function sampleFiles(): Array<[string, string | undefined]> {
  const files: Array<[string, string | undefined]> = [];
  for (let i = 0; i < 150; i++) files.push([`c/ok-${i}.yaml`, definitionYaml(definition({ name: `comp-${i % 7}`, version: `1.${i}.0` }))]);
  files.push(["c/two.yaml", definitionYaml(definition({ name: "two", version: "1.0.0" }), definition({ name: "two", version: "2.0.0" }))]);
  files.push(["c/broken.yaml", "metadata:\n  name: [unclosed\n"]);
  files.push(["c/missing.yaml", "apiVersion: catalog.nestor.io/v1\nkind: ComponentDefinition\nmetadata:\n  name: x\n"]);
  files.push(["c/json.json", JSON.stringify(definition({ name: "from-json", version: "0.1.0" }))]);
  files.push(["c/link.yaml", undefined]);
  return files;
}

async function parseAll(options: FileParserOptions, expectedMode?: "worker" | "main thread"): Promise<Map<string, FileWork>> {
  const files = sampleFiles();
  const parser = createFileParser(files.length, COMMIT, silentLogger, options);
  try {
    for (const [path, text] of files) parser.add(path, text);
    const work = await parser.finish();
    if (expectedMode) expect(parser.stats.mode).toBe(expectedMode);
    return work;
  } finally {
    await parser.close();
  }
}

/** Everything a FileWork carries, with `locate` applied to a few Manager field paths. */
function comparable(work: Map<string, FileWork>): unknown {
  const fields = ["component.name", "component.inputs[0].name", "component.deployment.engine", "component.labels[\"team\"]"];
  return [...work.values()]
    .sort((a, b) => a.path.localeCompare(b.path))
    .map((file) => ({
      path: file.path,
      errors: file.errors,
      definitions: file.definitions.map((d) => ({ draft: d.draft, line: d.line, located: fields.map((f) => d.locate(f)) })),
    }));
}

describe("parsing definition files on a worker thread", () => {
  it("gives the same drafts, lines, locations and problems as parsing on the main thread", async () => {
    const onMain = await parseAll(ON_MAIN_THREAD, "main thread");
    const onWorker = await parseAll(ON_WORKER, "worker");
    expect(onMain.size).toBe(sampleFiles().length);
    expect(comparable(onWorker)).toEqual(comparable(onMain));
    expect(runningParseWorkers()).toBe(0);
  });

  it("falls back to the main thread with identical results when the worker cannot start", async () => {
    const parser = createFileParser(10, COMMIT, silentLogger, BROKEN_WORKER);
    await parser.close();
    const fallback = await parseAll(BROKEN_WORKER, "main thread");
    expect(comparable(fallback)).toEqual(comparable(await parseAll(ON_MAIN_THREAD)));
    expect(runningParseWorkers()).toBe(0);
  });

  it("stays on the main thread for a few files", async () => {
    const parser = createFileParser(5, COMMIT, silentLogger);
    expect(parser.stats.mode).toBe("main thread");
    await parser.close();
  });
});

describe("a sync large enough for the parse worker", () => {
  function repository(): GitFixture {
    const repo = new GitFixture();
    cleanups.push(() => repo.cleanup());
    for (let i = 0; i < 240; i++) repo.write(`defs/c-${i}.yaml`, definitionYaml(definition({ name: `comp-${i % 11}`, version: `1.${i}.0` })));
    // Structurally valid but rejected by the Manager: its field violation must still point at the file's line.
    repo.write("defs/bad-name.yaml", definitionYaml(definition({ name: "Not A Valid Name", version: "1.0.0" })));
    repo.write("defs/syntax.yaml", "metadata: [oops\n");
    repo.commit("definitions");
    return repo;
  }

  async function syncOnce(repo: GitFixture, parsing: FileParserOptions | undefined): Promise<{ created: number; failed: number; fileErrors: SyncFileError[] }> {
    const state = new InProcessSyncStateStore();
    const sync = new GitSync({
      config: {
        repositories: [{ ...DEFAULT_SYNC_REPOSITORY, name: "defs", url: repo.dir, pollIntervalMs: 0 }],
        cacheDir: tempDir("nestor-sync-cache-"),
        leaseTtlMs: 60_000,
      },
      manager: new Manager(new MemoryCatalogStore(), systemClock, silentLogger),
      state,
      clock: systemClock,
      logger: silentLogger,
      ...(parsing ? { parsing } : {}),
    });
    cleanups.push(() => sync.close());
    const run = await sync.syncNow("defs");
    expect(run.state).toBe("succeeded");
    const status = await state.getStatus("defs");
    return { created: run.counts.created, failed: run.counts.failed, fileErrors: status?.fileErrors ?? [] };
  }

  it("publishes the same versions and reports the same file errors as a main-thread sync, and leaves no worker running", async () => {
    const repo = repository();
    const withWorker = await syncOnce(repo, undefined);
    expect(runningParseWorkers()).toBe(0);
    const onMain = await syncOnce(repo, ON_MAIN_THREAD);
    expect(withWorker.created).toBe(240);
    expect(withWorker.failed).toBe(2);
    expect(withWorker.fileErrors.find((e) => e.path === "defs/bad-name.yaml")?.message).toMatch(/metadata\.name/);
    expect(withWorker).toEqual(onMain);
  });

  it("syncs through the fallback with the same outcome when the worker cannot start", async () => {
    const repo = repository();
    const fallback = await syncOnce(repo, { workerUrl: BROKEN_WORKER.workerUrl! });
    expect(runningParseWorkers()).toBe(0);
    expect(fallback).toEqual(await syncOnce(repo, ON_MAIN_THREAD));
  });
});
