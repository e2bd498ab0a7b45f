/**
 * One process per data directory: a LOCK file created with O_EXCL holding
 * the owner's pid. A lock left by a process that no longer exists is stale
 * and taken over with a warning.
 */
import { open, readFile, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { CatalogError } from "../../errors/index.js";
import type { Logger } from "../../logging/index.js";
import { isErrno } from "./files.js";

export interface DirLock {
  readonly file: string;
  release(): Promise<void>;
}

/** A lock file without a pid yet may be one another process is writing right now. */
const UNWRITTEN_LOCK_GRACE_MS = 10_000;

export async function acquireDirLock(dir: string, logger: Logger): Promise<DirLock> {
  const file = join(dir, "LOCK");
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const handle = await open(file, "wx");
      try {
        await handle.writeFile(`${process.pid}\n`);
      } finally {
        await handle.close();
      }
      return { file, release: () => rm(file, { force: true }) };
    } catch (err) {
      if (!isErrno(err, "EEXIST")) throw err;
    }
    const holder = await lockHolder(file);
    if (holder.alive) {
      const user = holder.pid === undefined ? "another process" : `process ${holder.pid}`;
      throw new CatalogError(
        "FAILED_PRECONDITION",
        `data directory ${dir} is in use by ${user} ` +
          `(lock file ${file}); stop it, or delete the lock file if no catalog server uses the directory`,
      );
    }
    logger.warn("taking over a stale lock of the embedded store", { file, pid: holder.pid });
    await rm(file, { force: true });
  }
  throw new CatalogError("FAILED_PRECONDITION", `data directory ${dir}: could not create lock file ${file}`);
}

async function lockHolder(file: string): Promise<{ alive: boolean; pid?: number }> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    if (isErrno(err, "ENOENT")) return { alive: false };
    throw err;
  }
  const pid = Number.parseInt(text.trim(), 10);
  if (!Number.isSafeInteger(pid) || pid <= 0) {
    const age = Date.now() - (await stat(file)).mtimeMs;
    return { alive: age < UNWRITTEN_LOCK_GRACE_MS };
  }
  return { alive: processExists(pid), pid };
}

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return !isErrno(err, "ESRCH");
  }
}
