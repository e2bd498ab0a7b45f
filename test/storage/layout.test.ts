/**
 * The storage layout's one rule: a backend folder imports only the storage
 * contract (store.ts, records.ts), the shared pieces in core/ and the layers
 * below storage, never another backend; only factory.ts knows every backend.
 * memory and embedded build on the in-process engine (inprocess/), which is
 * not a backend of its own.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { repoRoot } from "../api/harness.js";

const STORAGE = join(repoRoot, "src/storage");
const SHARED = new Set(["core", "sql", "inprocess"]);
const CONTRACT = new Set(["store.js", "records.js"]);
const ENGINE_USERS = new Set(["memory", "embedded"]);

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) return filesUnder(path);
    // A test beside a module may use any backend to drive it.
    return path.endsWith(".ts") && !path.endsWith(".test.ts") ? [path] : [];
  });
}

/** The storage folder each relative import of `file` reaches, or the file's name for files at the storage root. */
function reachedFolders(file: string): string[] {
  const text = readFileSync(file, "utf8");
  const folders: string[] = [];
  for (const match of text.matchAll(/from "(\.[^"]+)"/g)) {
    const target = relative(STORAGE, join(file, "..", match[1]!));
    if (target.startsWith("..")) continue; // a layer below storage
    folders.push(target.includes("/") ? target.split("/")[0]! : target);
  }
  return folders;
}

describe("storage layout", () => {
  const backends = readdirSync(STORAGE).filter(
    (entry) => statSync(join(STORAGE, entry)).isDirectory() && !SHARED.has(entry) && entry !== "cache",
  );

  it("has backend folders to check", () => {
    expect(backends).toEqual(expect.arrayContaining(["memory", "embedded", "postgres", "dynamodb", "redis"]));
  });

  it("lets a backend import only the contract, core/, sql/ and its own folder", () => {
    const wrong: string[] = [];
    for (const backend of backends) {
      for (const file of filesUnder(join(STORAGE, backend))) {
        for (const folder of reachedFolders(file)) {
          const allowed =
            folder === backend ||
            folder === "core" ||
            folder === "sql" ||
            CONTRACT.has(folder) ||
            (folder === "inprocess" && ENGINE_USERS.has(backend));
          if (!allowed) wrong.push(`${relative(repoRoot, file)} imports from ${folder}/`);
        }
      }
    }
    expect(wrong).toEqual([]);
  });

  it("keeps core/ and sql/ free of backends", () => {
    const wrong: string[] = [];
    for (const shared of ["core", "sql"]) {
      const dir = join(STORAGE, shared);
      if (!statSync(dir, { throwIfNoEntry: false })?.isDirectory()) continue;
      for (const file of filesUnder(dir)) {
        for (const folder of reachedFolders(file)) {
          if (folder !== shared && folder !== "core" && !CONTRACT.has(folder))
            wrong.push(`${relative(repoRoot, file)} -> ${folder}/`);
        }
      }
    }
    expect(wrong).toEqual([]);
  });
});
