/**
 * Config rules for a hybrid store (storage.type hybrid: storage.primary
 * takes writes, storage.replicas serve reads) that span several keys, and
 * the one place a replica entry becomes settings: its type's own section
 * with the entry's overrides on top. load.ts throws the problem found here
 * as a ConfigError; the storage factory opens what replicaSettings returns.
 */
import { resolve } from "node:path";
import type {
  CatalogConfig,
  MysqlConfig,
  PostgresConfig,
  RedisReplicaConfig,
  ReplicaEntryConfig,
  StorageConfig,
} from "./schema.js";

/** A replica entry resolved to the settings it opens with. */
export type ReplicaSettings =
  | { name: string; type: "postgres"; config: PostgresConfig }
  | { name: string; type: "mysql"; config: MysqlConfig }
  | { name: string; type: "redis"; config: RedisReplicaConfig };

/**
 * Every configured replica with its settings and name: the entry's `name`,
 * else its type when no other replica has that type, else `<type>-<index>`.
 * The name labels the replica in logs, health and metrics.
 */
export function replicaSettings(storage: StorageConfig): ReplicaSettings[] {
  const count = (type: string) => storage.replicas.filter((entry) => entry.type === type).length;
  return storage.replicas.map((entry, index) => {
    const name = entry.name !== "" ? entry.name : count(entry.type) === 1 ? entry.type : `${entry.type}-${index}`;
    switch (entry.type) {
      case "postgres":
        return { name, type: entry.type, config: { ...storage.postgres, ...overrides(entry) } };
      case "mysql":
        return { name, type: entry.type, config: { ...storage.mysql, ...overrides(entry) } };
      case "redis":
        return { name, type: entry.type, config: { ...storage.redis, ...overrides(entry) } };
    }
  });
}

/** The keys an entry sets, without its type and name. */
function overrides<T extends ReplicaEntryConfig>(entry: T): Partial<Omit<T, "type" | "name">> {
  const { type: _type, name: _name, ...rest } = entry;
  return Object.fromEntries(Object.entries(rest).filter(([, value]) => value !== undefined)) as Partial<
    Omit<T, "type" | "name">
  >;
}

/**
 * Where the primary's data lives, recorded by every replica it feeds: an
 * applier refuses a replica that another primary fed. Host, database and
 * schema (or table, or data directory); never a password.
 */
export function primaryIdentity(storage: StorageConfig): string {
  switch (storage.primary) {
    case "embedded":
      return `embedded:${resolve(storage.embedded.dataDir)}`;
    case "postgres":
      return `postgres:${postgresPlace(storage.postgres)}`;
    case "mysql":
      return `mysql:${mysqlPlace(storage.mysql)}`;
    case "dynamodb": {
      const { endpoint, region, tableName } = storage.dynamodb;
      return `dynamodb:${endpoint === "" ? region : endpoint}/${tableName}`;
    }
  }
}

/** The first problem with the hybrid settings, or undefined. */
export function hybridConfigProblem(config: CatalogConfig): string | undefined {
  const { storage } = config;
  if (storage.type !== "hybrid") {
    return storage.replicas.length > 0
      ? `storage.replicas is set but storage.type is ${storage.type}: replicas serve reads only for storage.type hybrid`
      : undefined;
  }
  if (storage.replicas.length === 0) {
    return "storage.replicas must name at least one replica (postgres, redis or mysql) when storage.type is hybrid";
  }
  if (config.cache.type !== "none") {
    return (
      `cache.type must be none when storage.type is hybrid (got "${config.cache.type}"): reads come from ` +
      "replicas, and a cache in front of them could not tell a replica's lag from a write"
    );
  }
  return placesProblem(storage);
}

/** Two replicas in one place, or a replica in the primary's own place, would feed one read model twice. */
function placesProblem(storage: StorageConfig): string | undefined {
  const primary = primaryPlace(storage);
  const seen = new Map<string, number>();
  const names = new Map<string, number>();
  for (const [index, replica] of replicaSettings(storage).entries()) {
    const at = `storage.replicas[${index}]`;
    const firstName = names.get(replica.name);
    if (firstName !== undefined) {
      return (
        `${at}.name "${replica.name}" is already used by storage.replicas[${firstName}]; ` +
        "give each replica its own name"
      );
    }
    names.set(replica.name, index);
    const place = replicaPlace(replica);
    if (place === primary) {
      return (
        `${at} (${replica.type} at ${place}) is where the primary storage.${storage.primary} keeps its data: ` +
        `a replica needs a place of its own (set ${at}.${replica.type === "postgres" ? "schema" : "url"})`
      );
    }
    const first = seen.get(place);
    if (first !== undefined) {
      return (
        `${at} (${replica.type} at ${place}) is the same place as storage.replicas[${first}]: ` +
        "each replica needs its own"
      );
    }
    seen.set(place, index);
  }
  return undefined;
}

function primaryPlace(storage: StorageConfig): string | undefined {
  switch (storage.primary) {
    case "postgres":
      return postgresPlace(storage.postgres);
    case "mysql":
      return mysqlPlace(storage.mysql);
    default:
      return undefined;
  }
}

function replicaPlace(replica: ReplicaSettings): string {
  switch (replica.type) {
    case "postgres":
      return postgresPlace(replica.config);
    case "mysql":
      return mysqlPlace(replica.config);
    case "redis":
      return `${serverOf(replica.config.url, "", 6379, "0")} prefix "${replica.config.keyPrefix}"`;
  }
}

function postgresPlace(config: PostgresConfig): string {
  const server = serverOf(config.url, config.host, config.port, config.database);
  return `${server} schema "${config.schema}"`;
}

function mysqlPlace(config: MysqlConfig): string {
  return serverOf(config.url, config.host, config.port, config.database);
}

/** host:port/database from a URL when set, else from the fields. */
function serverOf(url: string, host: string, port: number, database: string): string {
  if (url === "") return `${host}:${port}/${database}`;
  try {
    const parsed = new URL(url);
    const path = decodeURIComponent(parsed.pathname.replace(/^\//, "")) || database;
    return `${parsed.hostname}:${parsed.port === "" ? port : parsed.port}/${path}`;
  } catch {
    return url.replace(/\/\/[^@/]*@/, "//");
  }
}
