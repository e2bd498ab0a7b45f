import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_SYNC_REPOSITORY } from "../../config/schema.js";
import { silentLogger } from "../../logging/index.js";
import { GitRepositoryCache } from "./git-repository.js";

describe("reading files from the repository cache", () => {
  let root: string;
  let cache: GitRepositoryCache;
  let head: string;
  const many = Array.from({ length: 100 }, (_, i) => `many/file-${i}.yaml`);

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), "nestor-git-cache-"));
    const origin = join(root, "origin");
    mkdirSync(join(origin, "many"), { recursive: true });
    mkdirSync(join(origin, "dir"));
    writeFileSync(join(origin, "dir", "a.yaml"), "a: 1\n");
    writeFileSync(join(origin, "odd name*[x].yaml"), "odd: true\n");
    symlinkSync("dir/a.yaml", join(origin, "link.yaml"));
    many.forEach((path, i) => writeFileSync(join(origin, path), `n: ${i}\n`));
    const git = (...args: string[]) => execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@example.com", ...args], { cwd: origin });
    git("init", "-q", "-b", "main");
    git("add", "-A");
    git("commit", "-q", "-m", "files");
    cache = new GitRepositoryCache(join(root, "cache"), { ...DEFAULT_SYNC_REPOSITORY, name: "r", url: origin }, silentLogger);
    head = await cache.update();
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it("returns regular files and leaves symbolic links, directories and missing paths undefined, for a few paths", async () => {
    const texts = await cache.readFilesAt(head, ["dir/a.yaml", "odd name*[x].yaml", "link.yaml", "dir", "missing.yaml"]);
    expect(Object.fromEntries(texts)).toEqual({
      "dir/a.yaml": "a: 1\n",
      "odd name*[x].yaml": "odd: true\n",
      "link.yaml": undefined,
      dir: undefined,
      "missing.yaml": undefined,
    });
  });

  it("reads every file a full listing names, by object id, and leaves the symbolic link undefined", async () => {
    const entries = await cache.listFiles(head);
    expect(entries.map((e) => e.path).sort()).toEqual(["dir/a.yaml", "link.yaml", ...many, "odd name*[x].yaml"].sort());
    const texts = await cache.readFiles(entries);
    expect(texts.get("many/file-42.yaml")).toBe("n: 42\n");
    expect(many.every((path, i) => texts.get(path) === `n: ${i}\n`)).toBe(true);
    expect(texts.get("dir/a.yaml")).toBe("a: 1\n");
    expect(texts.get("odd name*[x].yaml")).toBe("odd: true\n");
    expect(texts.has("link.yaml")).toBe(true);
    expect(texts.get("link.yaml")).toBeUndefined();
    expect(texts.size).toBe(many.length + 3);
  });
});
