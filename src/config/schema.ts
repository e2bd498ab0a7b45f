/**
 * The typed configuration of a catalog server. Loaded once at start by
 * src/config/load.ts from a YAML file plus NESTOR_* environment overrides;
 * every key below is documented in README.md ("Configuration").
 */
import type { LogLevel } from "../logging/index.js";

export type StorageType = "memory" | "embedded" | "postgres" | "dynamodb";
export type CacheType = "none" | "memory" | "redis";

export interface EmbeddedConfig {
  /** Directory holding the catalog's log and snapshot. */
  dataDir: string;
  /** fsync after every write (durable across power loss); false only for throwaway data. */
  fsync: boolean;
}

export interface PostgresConfig {
  /** postgres:// URL; overrides host/port/database/user/password when set. */
  url: string;
  host: string;
  port: number;
  database: string;
  user: string;
  password: string;
  /** Maximum pooled connections. */
  poolSize: number;
  /** Connect and statement timeout in milliseconds; a call past it fails UNAVAILABLE. */
  timeoutMs: number;
  /** Apply pending migrations when the server starts (else run `nestor-catalog migrate`). */
  migrateOnStart: boolean;
  /** Schema holding the catalog's tables. */
  schema: string;
}

export interface DynamoDbConfig {
  tableName: string;
  region: string;
  /** Custom endpoint (moto, DynamoDB Local); empty for AWS. */
  endpoint: string;
  /** Create the table and indexes when the server starts (else run `nestor-catalog migrate`). */
  migrateOnStart: boolean;
  timeoutMs: number;
  /** How often replicas poll the event log for writes made elsewhere, in milliseconds. */
  pollIntervalMs: number;
}

export interface StorageConfig {
  type: StorageType;
  embedded: EmbeddedConfig;
  postgres: PostgresConfig;
  dynamodb: DynamoDbConfig;
}

export interface CacheConfig {
  type: CacheType;
  ttlSeconds: number;
  memory: { maxEntries: number };
  redis: { url: string; keyPrefix: string; timeoutMs: number };
}

export interface ServerConfig {
  host: string;
  port: number;
  /** Largest accepted request message in bytes; larger ones fail RESOURCE_EXHAUSTED. */
  maxRequestBytes: number;
  /** How long SIGTERM waits for calls in flight before closing connections, in milliseconds. */
  shutdownGraceMs: number;
  tls: { certFile: string; keyFile: string };
}

export interface EventsConfig {
  /** Progress message interval on idle WatchEvents streams, in milliseconds. */
  progressIntervalMs: number;
  /** Keep at most this many events in the log (0 = unlimited). */
  retentionMaxEvents: number;
  /** Drop events older than this many hours (0 = unlimited). */
  retentionMaxAgeHours: number;
}

export interface LoggingConfig {
  level: LogLevel;
  format: "json" | "text";
}

export type SyncRemovalPolicy = "keep" | "deprecate";

/** Where Git credentials come from; they are never logged, stored or returned by an API. */
export interface SyncCredentialsConfig {
  /** Environment variable holding the HTTPS user name (default "x-access-token" when a secret is set). */
  usernameEnv: string;
  /** Environment variable holding the HTTPS password or access token. */
  passwordEnv: string;
  /** File holding an access token (read at every fetch, so it can be rotated); instead of passwordEnv. */
  tokenFile: string;
}

/** One Git repository the catalog follows (an item of sync.repositories). */
export interface SyncRepositoryConfig {
  /** Name in sync statuses and SyncRepository calls; defaults to the URL's last path segment without ".git". */
  name: string;
  /** https://, ssh://, scp-like git@host:org/repo, file:// or a local path. */
  url: string;
  branch: string;
  /** Globs of definition files to read, relative to the repository root. */
  paths: string[];
  /** Poll interval in milliseconds; 0 syncs only at start and on SyncRepository calls. */
  pollIntervalMs: number;
  credentials: SyncCredentialsConfig;
  /** What happens to published versions whose file is removed from Git. */
  onRemoval: SyncRemovalPolicy;
}

export interface SyncConfig {
  repositories: SyncRepositoryConfig[];
  /** One clone per repository is kept here and fetched after. */
  cacheDir: string;
  /** How long a replica's lease on a repository lasts without renewal, in milliseconds. */
  leaseTtlMs: number;
}

export interface CatalogConfig {
  server: ServerConfig;
  storage: StorageConfig;
  cache: CacheConfig;
  events: EventsConfig;
  logging: LoggingConfig;
  sync: SyncConfig;
}

/** Defaults for each item of sync.repositories; the loader fills absent keys from it. */
export const DEFAULT_SYNC_REPOSITORY: SyncRepositoryConfig = {
  name: "",
  url: "",
  branch: "main",
  paths: ["**/*.yaml", "**/*.yml", "**/*.json"],
  pollIntervalMs: 60_000,
  credentials: { usernameEnv: "", passwordEnv: "", tokenFile: "" },
  onRemoval: "keep",
};

export const DEFAULT_CONFIG: CatalogConfig = {
  server: {
    host: "127.0.0.1",
    port: 8080,
    maxRequestBytes: 4 * 1024 * 1024,
    shutdownGraceMs: 10_000,
    tls: { certFile: "", keyFile: "" },
  },
  storage: {
    type: "embedded",
    embedded: { dataDir: "./data", fsync: true },
    postgres: {
      url: "",
      host: "127.0.0.1",
      port: 5432,
      database: "nestor",
      user: "nestor",
      password: "",
      poolSize: 10,
      timeoutMs: 5_000,
      migrateOnStart: true,
      schema: "public",
    },
    dynamodb: {
      tableName: "nestor-components",
      region: "us-east-1",
      endpoint: "",
      migrateOnStart: true,
      timeoutMs: 5_000,
      pollIntervalMs: 1_000,
    },
  },
  cache: {
    type: "none",
    ttlSeconds: 300,
    memory: { maxEntries: 10_000 },
    redis: { url: "redis://127.0.0.1:6379", keyPrefix: "nestor:", timeoutMs: 1_000 },
  },
  events: { progressIntervalMs: 10_000, retentionMaxEvents: 0, retentionMaxAgeHours: 0 },
  logging: { level: "info", format: "json" },
  sync: { repositories: [], cacheDir: "./data/git-cache", leaseTtlMs: 60_000 },
};
