import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll } from "vitest";
import { silentLogger } from "../../src/logging/index.js";
import { openEmbeddedStore } from "../../src/storage/embedded/catalog.js";
import { CACHE_MODES } from "./cache-modes.js";
import { defineStoreContract } from "./contract/index.js";

const dirs: string[] = [];

for (const mode of CACHE_MODES) {
  defineStoreContract(`embedded+${mode.name}`, {
    async open() {
      const dataDir = await mkdtemp(join(tmpdir(), `nestor-embedded-${mode.name}-`));
      dirs.push(dataDir);
      return mode.wrap(await openEmbeddedStore({ dataDir, fsync: true }, silentLogger));
    },
  });
}

afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});
