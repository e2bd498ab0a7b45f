import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_SYNC_REPOSITORY } from "../../config/schema.js";
import { silentLogger } from "../../logging/index.js";
import { BatchOutputReader, GitRepositoryCache } from "./git-repository.js";

describe("reading files from the repository cache", () => {
  let root: string;
  let cache: GitRepositoryCache;
  let head: string;
  const many = Array.from({ length: 100 }, (_, i) => `many/file-${i}.yaml`);
  // Larger than a pipe read, with multi-byte characters, so it reaches the reader in several chunks.
  const large = "description: ünïcode ✓\n".repeat(20_000);

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), "nestor-git-cache-"));
    const origin = join(root, "origin");
    mkdirSync(join(origin, "many"), { recursive: true });
    mkdirSync(join(origin, "dir"));
    writeFileSync(join(origin, "dir", "a.yaml"), "a: 1\n");
    writeFileSync(join(origin, "odd name*[x].yaml"), "odd: true\n");
    symlinkSync("dir/a.yaml", join(origin, "link.yaml"));
    many.forEach((path, i) => writeFileSync(join(origin, path), `n: ${i}\n`));
    writeFileSync(join(origin, "large.yaml"), large);
    const git = (...args: string[]) =>
      execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@example.com", ...args], { cwd: origin });
    git("init", "-q", "-b", "main");
    git("add", "-A");
    git("commit", "-q", "-m", "files");
    cache = new GitRepositoryCache(
      join(root, "cache"),
      { ...DEFAULT_SYNC_REPOSITORY, name: "r", url: origin },
      silentLogger,
    );
    head = await cache.update();
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it("reads a few paths: regular files, and undefined for symbolic links, directories and missing paths", async () => {
    const texts = await cache.readFilesAt(head, [
      "dir/a.yaml",
      "odd name*[x].yaml",
      "link.yaml",
      "dir",
      "missing.yaml",
    ]);
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
    expect(entries.map((e) => e.path).sort()).toEqual(
      ["dir/a.yaml", "large.yaml", "link.yaml", ...many, "odd name*[x].yaml"].sort(),
    );
    const texts = await cache.readFiles(entries);
    expect(texts.get("many/file-42.yaml")).toBe("n: 42\n");
    expect(many.every((path, i) => texts.get(path) === `n: ${i}\n`)).toBe(true);
    expect(texts.get("dir/a.yaml")).toBe("a: 1\n");
    expect(texts.get("odd name*[x].yaml")).toBe("odd: true\n");
    expect(texts.has("link.yaml")).toBe(true);
    expect(texts.get("link.yaml")).toBeUndefined();
    expect(texts.get("large.yaml")).toBe(large);
    expect(texts.size).toBe(many.length + 4);
  });

  it("streams each file to the callback exactly once, with the same texts readFiles returns", async () => {
    const entries = await cache.listFiles(head);
    const seen: Array<[string, string | undefined]> = [];
    await cache.streamFiles(entries, (path, text) => seen.push([path, text]));
    expect(seen.map(([path]) => path).sort()).toEqual(entries.map((e) => e.path).sort());
    expect(new Map(seen)).toEqual(await cache.readFiles(entries));
  });

  it("rejects when the callback throws, after git has finished", async () => {
    const entries = await cache.listFiles(head);
    await expect(
      cache.streamFiles(entries, () => {
        throw new Error("parser broke");
      }),
    ).rejects.toThrow("parser broke");
  });
});

describe("splitting git cat-file --batch output", () => {
  const blobs = [
    { path: "a.yaml", mode: "100644", id: "aaaa" },
    { path: "gone.yaml", mode: "100644", id: "bbbb" },
    { path: "tree", mode: "100644", id: "cccc" },
    { path: "c.yaml", mode: "100644", id: "dddd" },
  ];
  const content = ["héllo\n", "", "x".repeat(3), "✓ last"];
  const output = Buffer.concat([
    Buffer.from(`aaaa blob ${Buffer.byteLength(content[0]!)}\n${content[0]}\n`),
    Buffer.from("bbbb missing\n"),
    Buffer.from(`cccc tree 3\n${content[2]}\n`),
    Buffer.from(`dddd blob ${Buffer.byteLength(content[3]!)}\n${content[3]}\n`),
  ]);
  const expected = { "a.yaml": "héllo\n", "gone.yaml": undefined, tree: undefined, "c.yaml": "✓ last" };

  function read(chunks: Buffer[], entries = blobs): Record<string, string | undefined> {
    const texts: Record<string, string | undefined> = {};
    const reader = new BatchOutputReader(entries, (path, text) => {
      expect(path in texts).toBe(false);
      texts[path] = text;
    });
    for (const chunk of chunks) reader.push(chunk);
    reader.finish();
    return texts;
  }

  it("gives the same texts however the output is cut into chunks", () => {
    expect(read([output])).toEqual(expected);
    for (let cut = 1; cut < output.length; cut++) {
      expect(read([output.subarray(0, cut), output.subarray(cut)])).toEqual(expected);
    }
    expect(read([...output].map((byte) => Buffer.from([byte])))).toEqual(expected);
  });

  it("reports entries git never answered as missing", () => {
    expect(read([output.subarray(0, 20)])).toEqual({
      "a.yaml": "héllo\n",
      "gone.yaml": undefined,
      tree: undefined,
      "c.yaml": undefined,
    });
  });
});
