/**
 * One repository's local cache: cloned once into its own directory under the
 * cache dir, fetched after. The branch is fetched with a forced refspec, so a
 * force-push simply moves origin/<branch>; the previous commit stays readable
 * in the cache until git gc, which lets the sync find files the rewrite
 * removed.
 *
 * Credentials never appear in a URL, a git config file, a log line or an
 * error: HTTPS secrets reach git through GIT_ASKPASS (a script in the cache
 * dir that prints two environment variables set only on the git child).
 */
import { spawn } from "node:child_process";
import { chmod, mkdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { dirname, isAbsolute, join, resolve } from "node:path";
import { type SimpleGit, simpleGit } from "simple-git";
import type { SyncCredentialsConfig } from "../../config/schema.js";
import type { Logger } from "../../logging/index.js";

export interface GitSource {
  /** The repository's configured name: the cache subdirectory. */
  name: string;
  url: string;
  branch: string;
  credentials: SyncCredentialsConfig;
}

/**
 * A file of a commit's tree: its mode (`100644`, `120000` for a symbolic link, `160000` for a submodule) and
 * object id.
 */
export interface TreeEntry {
  path: string;
  mode: string;
  id: string;
}

/** A file added or modified (with its new entry), or deleted. */
export type FileChange = ({ change: "changed" } & TreeEntry) | { path: string; change: "deleted" };

/** What git needs from the server's environment to reach a remote (proxies, ssh agent); nothing else. */
const PASSED_ENVIRONMENT = [
  "PATH",
  "HOME",
  "USER",
  "LANG",
  "LC_ALL",
  "TMPDIR",
  "SSH_AUTH_SOCK",
  "GIT_SSH_COMMAND",
  "HTTP_PROXY",
  "HTTPS_PROXY",
  "NO_PROXY",
  "http_proxy",
  "https_proxy",
  "no_proxy",
] as const;

const ASKPASS_SCRIPT = `#!/bin/sh
case "$1" in
  Username*|username*) printf '%s\\n' "$NESTOR_GIT_USERNAME" ;;
  *) printf '%s\\n' "$NESTOR_GIT_PASSWORD" ;;
esac
`;

/** The URL as provenance and status show it: no user info for http(s), no password anywhere. */
export function redactUrl(url: string): string {
  const match = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\/([^/?#]*@)?(.*)$/.exec(url);
  if (!match) return url;
  const [, scheme, userInfo, rest] = match;
  if (!userInfo) return url;
  if (/^https?$/i.test(scheme!)) return `${scheme}://${rest}`;
  const user = userInfo.slice(0, -1).split(":")[0];
  return `${scheme}://${user}@${rest}`;
}

/** `git ls-tree -z` output (`<mode> <type> <id>\t<path>` records) as entries. */
function parseTreeListing(out: string): TreeEntry[] {
  const entries: TreeEntry[] = [];
  for (const record of out.split("\0")) {
    const tab = record.indexOf("\t");
    if (tab === -1) continue;
    const [mode = "", , id = ""] = record.slice(0, tab).split(" ");
    entries.push({ path: record.slice(tab + 1), mode, id });
  }
  return entries;
}

/** Local paths are resolved so a clone does not depend on the server's working directory. */
function cloneUrl(url: string): string {
  if (/^[a-zA-Z][a-zA-Z0-9+.-]*:\/\//.test(url) || /^[^/\\]+@[^/:]+:/.test(url)) return url;
  return isAbsolute(url) ? url : resolve(url);
}

export class GitRepositoryCache {
  readonly dir: string;
  private readonly askpass: string;

  constructor(
    cacheDir: string,
    private readonly source: GitSource,
    private readonly logger: Logger,
  ) {
    this.dir = join(resolve(cacheDir), source.name);
    this.askpass = join(resolve(cacheDir), ".askpass.sh");
  }

  /** Clones (first time, or when the cache is unusable) or fetches; returns the branch head commit. */
  async update(): Promise<string> {
    await mkdir(dirname(this.dir), { recursive: true });
    const env = await this.gitEnv();
    const ref = `refs/remotes/origin/${this.source.branch}`;
    if (!(await this.isUsableClone())) {
      await rm(this.dir, { recursive: true, force: true });
      this.logger.info("cloning repository", { url: redactUrl(this.source.url), branch: this.source.branch });
      // No checkout: files are read from Git objects, so the cache never holds a working tree to keep in step.
      await this.git(env, false).clone(cloneUrl(this.source.url), this.dir, [
        "--no-checkout",
        "--single-branch",
        "--no-tags",
        "--branch",
        this.source.branch,
      ]);
    } else {
      await this.git(env).remote(["set-url", "origin", cloneUrl(this.source.url)]);
      await this.git(env).fetch(["--no-tags", "--prune", "origin", `+refs/heads/${this.source.branch}:${ref}`]);
    }
    return (await this.git(env).revparse([`${ref}^{commit}`])).trim();
  }

  async hasCommit(commit: string): Promise<boolean> {
    // simple-git resolves a non-zero exit with an empty stderr, so ask for output rather than an exit code.
    try {
      return (await this.git().raw(["cat-file", "-t", commit])).trim() === "commit";
    } catch {
      return false;
    }
  }

  async isAncestor(older: string, newer: string): Promise<boolean> {
    try {
      return (await this.git().raw(["merge-base", older, newer])).trim() === older;
    } catch {
      return false;
    }
  }

  /** Files that differ between two commits (renames as delete + add). */
  async changedFiles(from: string, to: string): Promise<FileChange[]> {
    // --raw carries the new mode and blob id, so reading the changed files needs no further lookup.
    const out = await this.git().raw(["diff", "--raw", "--no-renames", "--no-abbrev", "-z", from, to]);
    const fields = out.split("\0");
    const changes: FileChange[] = [];
    for (let i = 0; i + 1 < fields.length; i += 2) {
      const [, mode = "", , id = "", status = ""] = fields[i]!.replace(/^:/, "").split(" ");
      const path = fields[i + 1]!;
      changes.push(status === "D" ? { path, change: "deleted" } : { path, change: "changed", mode, id });
    }
    return changes;
  }

  /** Every file of `commit`. */
  async listFiles(commit: string): Promise<TreeEntry[]> {
    return parseTreeListing(await this.git().raw(["ls-tree", "-r", "-z", commit]));
  }

  /** The text of each path at `commit` (see readFiles); for a few paths, such as a removed file's last version. */
  async readFilesAt(commit: string, paths: readonly string[]): Promise<Map<string, string | undefined>> {
    if (paths.length === 0) return new Map();
    const entries = new Map(
      parseTreeListing(await this.git().raw(["ls-tree", "-z", commit, "--", ...paths])).map((e) => [e.path, e]),
    );
    const result = await this.readFiles([...entries.values()]);
    for (const path of paths) if (!result.has(path)) result.set(path, undefined);
    return result;
  }

  /**
   * The text of each entry, through one `git cat-file --batch` process (one
   * process for any number of files, no working tree). Blobs are asked for
   * by object id, never as `commit:path`: resolving a path walks the
   * commit's trees again for every file, which made reading 10,000 files
   * three times slower. An entry that is not a regular file (a symbolic
   * link, a submodule, a directory) maps to undefined.
   */
  async readFiles(entries: readonly TreeEntry[]): Promise<Map<string, string | undefined>> {
    const result = new Map<string, string | undefined>();
    await this.streamFiles(entries, (path, text) => result.set(path, text));
    return result;
  }

  /**
   * readFiles as a stream: `onFile` gets each entry's text (undefined as in
   * readFiles) as soon as git has written it, so the caller's work on one
   * file (parsing) overlaps git reading the next ones instead of waiting for
   * all of them. Every entry is reported exactly once; the promise settles
   * after the last one. An error thrown by `onFile` rejects the promise.
   */
  async streamFiles(
    entries: readonly TreeEntry[],
    onFile: (path: string, text: string | undefined) => void,
  ): Promise<void> {
    const blobs: TreeEntry[] = [];
    for (const entry of entries) {
      if (/^100[0-7]{3}$/.test(entry.mode)) blobs.push(entry);
      else onFile(entry.path, undefined);
    }
    if (blobs.length === 0) return;
    const reader = new BatchOutputReader(blobs, onFile);
    await this.catFileBatch(
      blobs.map((b) => b.id),
      (chunk) => reader.push(chunk),
    );
    reader.finish();
  }

  /** Runs `git cat-file --batch` for `ids`, handing its output to `onChunk` as it arrives. */
  private async catFileBatch(ids: readonly string[], onChunk: (chunk: Buffer) => void): Promise<void> {
    const child = spawn("git", ["cat-file", "--batch", "--buffer"], { cwd: this.dir, stdio: ["pipe", "pipe", "pipe"] });
    let stderr = "";
    let failure: unknown;
    child.stdout.on("data", (chunk: Buffer) => {
      if (failure !== undefined) return;
      try {
        onChunk(chunk);
      } catch (err) {
        // Keep draining so git can exit; the error is reported once it has.
        failure = err;
      }
    });
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number>((resolve, reject) => {
      child.on("error", reject);
      child.on("close", (code) => resolve(code ?? 1));
    });
    child.stdin.end(ids.map((id) => `${id}\n`).join(""));
    const code = await exited;
    if (failure !== undefined) throw failure;
    if (code !== 0) throw new Error(`git cat-file failed (exit ${code}): ${stderr.trim()}`);
  }

  /** simple-git in the clone, or (inClone false, for the clone itself) in its parent. */
  private git(env?: NodeJS.ProcessEnv, inClone = true): SimpleGit {
    const baseDir = inClone ? this.dir : dirname(this.dir);
    // GIT_ASKPASS is our own script (the credential path); GIT_SSH_COMMAND comes from the operator's environment.
    const git = simpleGit({
      baseDir,
      allowEnvironment: ["GIT_ASKPASS", "GIT_TERMINAL_PROMPT", "GIT_SSH_COMMAND"],
      unsafe: { allowUnsafeAskPass: true, allowUnsafeSshCommand: true },
    });
    return env ? git.env(env) : git;
  }

  private async isUsableClone(): Promise<boolean> {
    try {
      await stat(join(this.dir, ".git", "HEAD"));
      const remote = await this.git().raw(["config", "--get", "remote.origin.url"]);
      return remote.trim() !== "";
    } catch {
      return false;
    }
  }

  /** The environment for commands that talk to the remote: credentials only when configured. */
  private async gitEnv(): Promise<NodeJS.ProcessEnv> {
    const env: NodeJS.ProcessEnv = {};
    for (const key of PASSED_ENVIRONMENT) {
      const value = process.env[key];
      if (value !== undefined) env[key] = value;
    }
    env.GIT_TERMINAL_PROMPT = "0";
    const secret = await this.secret();
    if (secret !== undefined) {
      await writeFile(this.askpass, ASKPASS_SCRIPT, { mode: 0o700 });
      await chmod(this.askpass, 0o700);
      const { usernameEnv } = this.source.credentials;
      env.GIT_ASKPASS = this.askpass;
      env.NESTOR_GIT_USERNAME = (usernameEnv !== "" ? process.env[usernameEnv] : undefined) ?? "x-access-token";
      env.NESTOR_GIT_PASSWORD = secret;
    }
    return env;
  }

  private async secret(): Promise<string | undefined> {
    const { passwordEnv, tokenFile } = this.source.credentials;
    if (tokenFile !== "") return (await readFile(tokenFile, "utf8")).trim();
    if (passwordEnv !== "") {
      const value = process.env[passwordEnv];
      if (value === undefined || value === "")
        throw new Error(`environment variable ${passwordEnv} (credentials.passwordEnv) is not set`);
      return value;
    }
    return undefined;
  }
}

/**
 * Splits `git cat-file --batch` output (`<id> <type> <size>\n<content>\n`, or
 * `<object> missing\n`) into the texts of `blobs`, in order, whatever the
 * chunk boundaries. Only the unfinished tail of the output is kept between
 * chunks.
 */
export class BatchOutputReader {
  /** Output not yet consumed, and its length; joined only when it can complete the next entry. */
  private chunks: Buffer[] = [];
  private buffered = 0;
  /** How many buffered bytes the next entry needs (0: unknown until its header is complete). */
  private needed = 0;
  private next = 0;

  constructor(
    private readonly blobs: readonly TreeEntry[],
    private readonly onFile: (path: string, text: string | undefined) => void,
  ) {}

  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    // A large blob arrives in many chunks: wait for all of them instead of re-joining on each.
    if (this.buffered < this.needed) return;
    const out = this.chunks.length === 1 ? chunk : Buffer.concat(this.chunks, this.buffered);
    let offset = 0;
    this.needed = 0;
    while (this.next < this.blobs.length) {
      const headerEnd = out.indexOf(0x0a, offset);
      if (headerEnd === -1) break;
      const header = out.toString("utf8", offset, headerEnd);
      const match = /^[0-9a-f]+ (\w+) (\d+)$/.exec(header);
      const path = this.blobs[this.next]!.path;
      if (!match) {
        this.onFile(path, undefined); // "<object> missing"
        this.next++;
        offset = headerEnd + 1;
        continue;
      }
      const size = Number(match[2]);
      const contentStart = headerEnd + 1;
      // The content and its trailing newline must both be here.
      if (out.length < contentStart + size + 1) {
        this.needed = contentStart + size + 1 - offset;
        break;
      }
      this.next++;
      offset = contentStart + size + 1;
      this.onFile(path, match[1] === "blob" ? out.toString("utf8", contentStart, contentStart + size) : undefined);
    }
    const rest = out.subarray(offset);
    this.chunks = rest.length > 0 ? [rest] : [];
    this.buffered = rest.length;
  }

  /** Entries git never answered (it exited early) read as missing. */
  finish(): void {
    while (this.next < this.blobs.length) this.onFile(this.blobs[this.next++]!.path, undefined);
  }
}
