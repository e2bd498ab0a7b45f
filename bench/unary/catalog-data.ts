/**
 * The benchmark catalog: N components x 10 versions of a realistic record
 * (four inputs with defaults and rules, two outputs, labels, a terraform
 * deployment), shared by bench/unary and bench/storage so both measure the
 * same data. Versions span two majors so "latest" (2.3.0), an exact version
 * (1.3.0) and a caret constraint (^1.2.0 -> 1.3.0) all resolve differently.
 */
import { open } from "node:fs/promises";
import { join } from "node:path";
import { WAL_FILE } from "../../src/storage/embedded/catalog.js";
import { encodeWrite } from "../../src/storage/embedded/wal.js";
import { MemoryCatalogStore } from "../../src/storage/memory/catalog.js";
import type { NewComponentRecord, WriteMeta } from "../../src/storage/records.js";
import type { CatalogStore } from "../../src/storage/store.js";

export const VERSIONS = [
  "1.0.0",
  "1.1.0",
  "1.2.0",
  "1.2.1",
  "1.3.0",
  "2.0.0",
  "2.1.0",
  "2.1.1",
  "2.2.0",
  "2.3.0",
] as const;
export const EXACT_VERSION = "1.3.0";
export const CONSTRAINT = "^1.2.0";
export const PROVIDERS = ["aws", "gcp", "azure"] as const;
export const FILTER_PROVIDER = "aws";
const CATEGORIES = ["database", "network", "compute", "storage"] as const;
const START_MS = Date.parse("2030-01-01T00:00:00Z");

export function componentName(index: number): string {
  return `component-${String(index).padStart(6, "0")}`;
}

export function benchRecord(index: number, version: string): NewComponentRecord {
  const name = componentName(index);
  return {
    name,
    version,
    provider: PROVIDERS[index % PROVIDERS.length] as string,
    category: CATEGORIES[index % CATEGORIES.length] as string,
    description: `${name} ${version}: a managed component with sensible defaults for production workloads`,
    labels: { team: `team-${index % 17}`, tier: index % 2 === 0 ? "gold" : "silver" },
    deprecation: { deprecated: false, message: "" },
    inputs: [
      {
        name: "identifier",
        type: "string",
        description: "Resource identifier",
        required: true,
        sensitive: false,
        validation: { pattern: "[a-z][a-z0-9-]*", maxLength: 63 },
      },
      {
        name: "size",
        type: "integer",
        description: "Storage in GiB",
        default: 20,
        required: false,
        sensitive: false,
        validation: { minimum: 20, maximum: 1000 },
      },
      {
        name: "instance_class",
        type: "string",
        description: "Instance class",
        default: "db.t3.micro",
        required: false,
        sensitive: false,
        validation: { allowedValues: ["db.t3.micro", "db.t3.small", "db.t3.medium"] },
      },
      {
        name: "tags",
        type: "map",
        description: "Tags applied to every resource",
        default: { managed_by: "nestor" },
        required: false,
        sensitive: false,
        validation: {},
      },
    ],
    outputs: [
      { name: "endpoint", type: "string", description: "Connection endpoint", sensitive: false },
      { name: "port", type: "integer", description: "Port", sensitive: false },
    ],
    deployment: {
      engine: "terraform",
      engineVersion: ">= 1.6",
      config: { module: { source: `git::https://example.com/modules/${name}.git`, ref: `v${version}` } },
    },
    contentDigest: `sha256:${index.toString(16).padStart(8, "0")}${version.replace(/\./g, "")}`.padEnd(71, "0"),
  };
}

/** Write metadata one second apart, in publish order. */
export function metaFor(sequence: number): WriteMeta {
  return { actor: "bench", time: new Date(START_MS + sequence * 1000).toISOString() };
}

/** Every (component, version) of the catalog in publish order: versions ascending within a component. */
export function* catalogEntries(components: number): Generator<{ index: number; version: string; sequence: number }> {
  let sequence = 0;
  for (let index = 0; index < components; index++) {
    for (const version of VERSIONS) yield { index, version, sequence: sequence++ };
  }
}

/** Seeds `store` through its own write path (fine for in-process stores; slow for remote ones). */
export async function seedThroughStore(store: CatalogStore, components: number): Promise<void> {
  for (const { index, version, sequence } of catalogEntries(components)) {
    await store.insertVersion(benchRecord(index, version), metaFor(sequence));
  }
}

/**
 * Writes the embedded store's log for the catalog: the events come from a
 * memory store's write path, so they are exactly what a server would write
 * (the approach of bench/embedded/cold-start.ts).
 */
export async function writeEmbeddedLog(dataDir: string, components: number): Promise<void> {
  const memory = new MemoryCatalogStore();
  const log = await open(join(dataDir, WAL_FILE), "w");
  try {
    let chunk: Buffer[] = [];
    for (const { index, version, sequence } of catalogEntries(components)) {
      chunk.push(encodeWrite([await memory.insertVersion(benchRecord(index, version), metaFor(sequence))]));
      if (chunk.length >= 5000) {
        await log.write(Buffer.concat(chunk));
        chunk = [];
      }
    }
    await log.write(Buffer.concat(chunk));
  } finally {
    await log.close();
    await memory.close();
  }
}
