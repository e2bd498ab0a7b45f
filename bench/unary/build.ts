/**
 * The compiled server (dist/, `npm run build`), which is how production runs
 * it (`node dist/src/main.js`): benchmarks that time the server build it
 * first when any source is newer than the build.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const repoRoot = fileURLToPath(new URL("../../", import.meta.url));
export const compiledMain = join(repoRoot, "dist/src/main.js");

/** `npm run build` when dist/src/main.js is missing or older than any source file it is built from. */
export function ensureBuilt(): void {
  const built = existsSync(compiledMain) ? statSync(compiledMain).mtimeMs : 0;
  const newest = Math.max(newestMtime(join(repoRoot, "src")), newestMtime(join(repoRoot, "gen/ts/src")));
  if (newest <= built) return;
  console.error("dist/ is older than src/: npm run build");
  const build = spawnSync("npm", ["run", "--silent", "build"], {
    cwd: repoRoot,
    stdio: ["ignore", "inherit", "inherit"],
  });
  // tsc still emits when another module has a type error; only a missing entry point is fatal.
  if (build.status !== 0) console.error(`npm run build exited with ${build.status}; timing what it emitted`);
  if (!existsSync(compiledMain)) throw new Error("npm run build did not produce dist/src/main.js");
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}
