/**
 * The configuration of a catalog server, declared once: each key's type,
 * default and check live in the zod schema below, and everything else is
 * derived from it: the TypeScript types, DEFAULT_CONFIG, the NESTOR_*
 * environment variables (src/config/env.ts) and the loader's messages
 * (src/config/load.ts). docs/configuration.md documents every key.
 */
import { z } from "zod";

/** Every storage backend, written once: config, factory and CLI all take it from here. */
export const STORAGE_TYPES = ["memory", "embedded", "postgres", "dynamodb", "mysql", "hybrid"] as const;
export type StorageType = (typeof STORAGE_TYPES)[number];
/** What a hybrid store writes to (storage.primary): a backend with an event log other processes can tail. */
export const PRIMARY_TYPES = ["embedded", "postgres", "dynamodb", "mysql"] as const;
export type PrimaryType = (typeof PRIMARY_TYPES)[number];
/** What a hybrid store reads from (storage.replicas): read models fed from the primary's log. */
export const REPLICA_TYPES = ["postgres", "redis", "mysql"] as const;
export type ReplicaType = (typeof REPLICA_TYPES)[number];
export const READ_FALLBACKS = ["primary", "fail"] as const;
export const CACHE_TYPES = ["none", "memory", "redis"] as const;
export type CacheType = (typeof CACHE_TYPES)[number];
export const ROLES = ["reader", "publisher", "admin"] as const;
export type Role = (typeof ROLES)[number];
export const JWT_ALGORITHMS = ["RS256", "ES256", "HS256"] as const;

const POSITIVE = "must be a positive integer";

/** A duration, size or count that must be at least 1. */
const positiveInt = (fallback: number) => z.number().int(POSITIVE).positive(POSITIVE).default(fallback);
/** A count or duration where 0 means "none" or "unlimited". */
const nonNegative = (fallback: number) => z.number().min(0, "must be 0 or more").default(fallback);
const nonNegativeInt = (fallback: number) =>
  z.number().int("must be a whole number").min(0, "must be 0 or more").default(fallback);
/** A string key; numbers and booleans in YAML (a numeric password, a `yes`) are taken as their text. */
const text = (fallback: string) =>
  z.union([z.string(), z.number(), z.boolean()]).transform(String).pipe(z.string()).default(fallback);
const list = <T extends z.ZodType>(item: T, fallback: z.output<T>[] = []) => z.array(item).default(() => [...fallback]);
/** A mapping whose absent keys take their defaults; unknown keys are refused. */
const section = <T extends z.ZodRawShape>(shape: T) =>
  z.strictObject(shape).prefault({} as z.input<z.ZodObject<T, z.core.$strict>>);
/** The keys of `shape`, each optional and without its default: overrides of a section. */
const overridesOf = <T extends Record<string, z.ZodType>>(shape: T) =>
  Object.fromEntries(
    Object.entries(shape).map(([key, schema]) => [
      key,
      (schema instanceof z.ZodDefault ? (schema.unwrap() as z.ZodType) : schema).optional(),
    ]),
  ) as { [K in keyof T]: z.ZodOptional<T[K] extends z.ZodDefault<infer Inner> ? Inner : T[K]> };

const embedded = section({
  /** Directory holding the catalog's log and snapshot. */
  dataDir: text("./data").pipe(z.string().min(1, "must not be empty")),
  /** fsync after every write (durable across power loss); false only for throwaway data. */
  fsync: z.boolean().default(true),
  /** Longest a write waits for the write lock, and for its log append and fsync, in ms; past either UNAVAILABLE. */
  timeoutMs: positiveInt(5_000),
});

const postgresShape = {
  /** postgres:// URL; overrides host/port/database/user/password when set. */
  url: text(""),
  host: text("127.0.0.1"),
  port: z.number().int().min(1).max(65_535).default(5432),
  database: text("nestor"),
  user: text("nestor"),
  password: text(""),
  /** Maximum pooled connections. */
  poolSize: positiveInt(10),
  /** Connect and statement timeout in milliseconds; a call past it fails UNAVAILABLE. */
  timeoutMs: positiveInt(5_000),
  /** Apply pending migrations when the server starts (else run `nestor-catalog migrate`). */
  migrateOnStart: z.boolean().default(true),
  /** Schema holding the catalog's tables. */
  schema: text("public"),
};
const postgres = section(postgresShape);

const dynamodb = section({
  tableName: text("nestor-components"),
  region: text("us-east-1"),
  /** Custom endpoint (moto, DynamoDB Local); empty for AWS. */
  endpoint: text(""),
  /** Create the table and indexes when the server starts (else run `nestor-catalog migrate`). */
  migrateOnStart: z.boolean().default(true),
  timeoutMs: positiveInt(5_000),
  /** How often replicas poll the event log for writes made elsewhere, in milliseconds. */
  pollIntervalMs: positiveInt(1_000),
});

/** MySQL 8.0+ or MariaDB 10.11+ (src/storage/mysql). */
const mysqlShape = {
  /** mysql:// URL; overrides host/port/database/user/password when set. */
  url: text(""),
  host: text("127.0.0.1"),
  port: z.number().int().min(1).max(65_535).default(3306),
  /** The database holding the catalog's tables (it must exist). */
  database: text("nestor"),
  user: text("nestor"),
  password: text(""),
  /** Maximum pooled connections. */
  poolSize: positiveInt(10),
  /** Connect and query timeout in milliseconds; a call past it fails UNAVAILABLE. */
  timeoutMs: positiveInt(5_000),
  /** Apply pending migrations when the server starts (else run `nestor-catalog migrate`). */
  migrateOnStart: z.boolean().default(true),
  /** How often replicas poll the revision for writes made elsewhere, in milliseconds. */
  pollIntervalMs: positiveInt(1_000),
};
const mysql = section(mysqlShape);

/** Redis as a read replica of a hybrid store (src/storage/redis/replica.ts); the cache has its own section. */
const redisShape = {
  url: text("redis://127.0.0.1:6379"),
  /** Prepended to every key of the read model; replicas sharing one Redis need different prefixes. */
  keyPrefix: text("nestor:replica:"),
  /** Bound on connecting and on each command, in milliseconds; past it the replica counts as down. */
  timeoutMs: positiveInt(1_000),
};
const redis = section(redisShape);

/**
 * One replica of a hybrid store: its type alone ("postgres"), or a mapping
 * {type, name, ...} whose other keys override that type's own section (a
 * PostgreSQL replica of a PostgreSQL primary needs its own schema or URL).
 */
const replicaName = text("").pipe(
  z.string().regex(/^([a-z0-9][a-z0-9-]{0,62})?$/, "must be a lower-case name of letters, digits and '-'"),
);
const replica = z.preprocess(
  (value) => (typeof value === "string" ? { type: value } : value),
  z.discriminatedUnion("type", [
    z.strictObject({ type: z.literal("postgres"), name: replicaName, ...overridesOf(postgresShape) }),
    z.strictObject({ type: z.literal("redis"), name: replicaName, ...overridesOf(redisShape) }),
    z.strictObject({ type: z.literal("mysql"), name: replicaName, ...overridesOf(mysqlShape) }),
  ]),
);

const hybrid = section({
  /** How long a read with min_revision waits for a replica to apply it before failing UNAVAILABLE, in ms. */
  readWaitMs: nonNegativeInt(3_000),
  /** When no replica is healthy: read from the primary, or fail UNAVAILABLE. */
  readFallback: z.enum(READ_FALLBACKS).default("primary"),
});

const storage = section({
  type: z.enum(STORAGE_TYPES).default("embedded"),
  /** storage.type hybrid: the backend that takes every write (its own section holds its settings). */
  primary: z.enum(PRIMARY_TYPES).default("embedded"),
  /** storage.type hybrid: where reads come from, in order of preference; fed from the primary's event log. */
  replicas: list(replica),
  hybrid,
  embedded,
  postgres,
  dynamodb,
  mysql,
  redis,
});

const cache = section({
  type: z.enum(CACHE_TYPES).default("none"),
  /** Lifetime of every cached entry; also the bound on staleness when an invalidation is lost. */
  ttlSeconds: positiveInt(300),
  memory: section({ maxEntries: positiveInt(10_000) }),
  redis: section({ url: text("redis://127.0.0.1:6379"), keyPrefix: text("nestor:"), timeoutMs: positiveInt(1_000) }),
});

const tls = section({
  certFile: text(""),
  keyFile: text(""),
  /** CA bundle for client certificates (mTLS); empty = no client certificates asked for. */
  clientCaFile: text(""),
  /** Refuse TLS handshakes without a client certificate signed by clientCaFile. */
  requireClientCert: z.boolean().default(false),
  /** How often the cert, key and CA files are checked for changes, in milliseconds. */
  reloadIntervalMs: positiveInt(2_000),
});

/** Per identity (an anonymous caller per remote address), when authentication is configured. 0 = no limit. */
const limits = section({
  /** Token bucket refill rate, calls per second. */
  requestsPerSecond: nonNegative(50),
  /** Token bucket size: calls allowed in a burst. */
  burst: nonNegative(200),
  /** Server streams (WatchEvents, Health/Watch) one identity may hold open at once. */
  maxStreamsPerIdentity: nonNegativeInt(32),
});

const server = section({
  host: text("127.0.0.1"),
  port: z.number().int().min(0, "must be from 0 to 65535").max(65_535, "must be from 0 to 65535").default(8080),
  /** Largest accepted request message in bytes; larger ones fail RESOURCE_EXHAUSTED. */
  maxRequestBytes: positiveInt(4 * 1024 * 1024),
  /** How long SIGTERM waits for calls in flight before closing connections, in milliseconds. */
  shutdownGraceMs: nonNegativeInt(10_000),
  /** How often the store's health is checked when no failing call prompts a check, in milliseconds. */
  healthCheckIntervalMs: positiveInt(5_000),
  /**
   * Time a new connection has to send its first bytes (the HTTP/2 preface, an HTTP/1.1 request line, a TLS
   * handshake), in milliseconds.
   */
  prefaceTimeoutMs: positiveInt(10_000),
  /** Time an HTTP/1.1 request has to send its headers, in milliseconds. */
  headersTimeoutMs: positiveInt(20_000),
  /** Time a request has to arrive whole (an HTTP/1.1 body; the client's side of an HTTP/2 stream), in milliseconds. */
  requestTimeoutMs: positiveInt(60_000),
  /** A connection with no call in flight is closed after this long, in milliseconds. */
  idleTimeoutMs: positiveInt(65_000),
  tls,
  /** The admin listener: Prometheus metrics at GET /metrics (loopback by default; port 0 = off). */
  admin: section({ host: text("127.0.0.1"), port: z.number().int().min(0).max(65_535).default(0) }),
  /** Allow a non-loopback host with no authentication configured (logs a warning at every start). */
  insecure: z.boolean().default(false),
  limits,
  /** Directory of the built web app served at / (index.html and assets); "" = dist/web of this package. */
  webAppDir: text(""),
});

/** What a publisher may write; an empty list does not restrict. */
const writeScope = {
  /** Component names the caller may write must start with one of these. */
  namePrefixes: list(z.string()),
  /** Component providers the caller may write. */
  providers: list(z.string()),
};

const apiKey = z.strictObject({
  /** Identity recorded on writes and in logs, e.g. "ci-publisher". */
  name: text(""),
  /** "sha256:<hex>" of the key, as printed by `nestor-catalog hash-key`. */
  hash: text(""),
  role: z.enum(ROLES).default("reader"),
  ...writeScope,
});

const jwtIssuer = z.strictObject({
  /** Expected "iss" claim. */
  issuer: text(""),
  /** The token's "aud" must contain one of these. */
  audiences: list(z.string()),
  /** JWKS file (RSA, P-256 EC and "oct" keys), re-read when it changes. */
  jwksFile: text(""),
  /** JWKS URL, fetched at start and when a token names an unknown key id. */
  jwksUrl: text(""),
  /** Accepted "alg" values. */
  algorithms: list(z.enum(JWT_ALGORITHMS), ["RS256", "ES256"]),
  /** Claim holding the role names (string or list). */
  rolesClaim: text("roles"),
  /** Role for a valid token whose roles claim names none; "" = none (reads and writes denied). */
  defaultRole: z.enum(["", ...ROLES]).default(""),
  namePrefixesClaim: text("nestor_name_prefixes"),
  providersClaim: text("nestor_providers"),
});

const clientCertificate = z.strictObject({
  /** Matches the verified certificate's subject CN or any subjectAltName value (DNS, URI, email, IP). */
  subject: text(""),
  role: z.enum(ROLES).default("reader"),
  ...writeScope,
});

const auth = section({
  apiKeys: list(apiKey),
  jwt: section({ issuers: list(jwtIssuer), clockSkewSeconds: z.number().min(0).max(3600).default(60) }),
  clientCertificates: list(clientCertificate),
  /** Methods callable without credentials ("package.Service/Method" or "package.Service/*"). */
  openMethods: list(z.string(), [
    "grpc.health.v1.Health/*",
    "grpc.reflection.v1.ServerReflection/*",
    "grpc.reflection.v1alpha.ServerReflection/*",
  ]),
});

const events = section({
  /** Progress message interval on idle WatchEvents and /v1/events streams, in milliseconds. */
  progressIntervalMs: positiveInt(10_000),
  /** Keep at most this many events in the log (0 = unlimited). */
  retentionMaxEvents: nonNegativeInt(0),
  /** Drop events older than this many hours (0 = unlimited). */
  retentionMaxAgeHours: nonNegative(0),
});

const logging = section({
  level: z.enum(["debug", "info", "warn", "error"]).default("info"),
  format: z.enum(["json", "text"]).default("json"),
});

/** Where Git credentials come from; they are never logged, stored or returned by an API. */
const syncCredentials = section({
  /** Environment variable holding the HTTPS user name (default "x-access-token" when a secret is set). */
  usernameEnv: text(""),
  /** Environment variable holding the HTTPS password or access token. */
  passwordEnv: text(""),
  /** File holding an access token (read at every fetch, so it can be rotated); instead of passwordEnv. */
  tokenFile: text(""),
});

const syncRepository = z.strictObject({
  /** Name in sync statuses and SyncRepository calls; defaults to the URL's last path segment without ".git". */
  name: text(""),
  /** https://, ssh://, scp-like git@host:org/repo, file:// or a local path. */
  url: text(""),
  branch: text("main"),
  /** Globs of definition files to read, relative to the repository root. */
  paths: list(z.string(), ["**/*.yaml", "**/*.yml", "**/*.json"]),
  /** Poll interval in milliseconds; 0 syncs only at start and on SyncRepository calls. */
  pollIntervalMs: z.number().int("must be a whole number of milliseconds, 0 to poll never").min(0).default(60_000),
  credentials: syncCredentials,
  /** What happens to published versions whose file is removed from Git. */
  onRemoval: z.enum(["keep", "deprecate"]).default("keep"),
});

const sync = section({
  repositories: list(syncRepository),
  /** One clone per repository is kept here and fetched after. */
  cacheDir: text("./data/git-cache"),
  /** How long a replica's lease on a repository lasts without renewal, in milliseconds. */
  leaseTtlMs: positiveInt(60_000),
});

export const catalogConfigSchema = z.strictObject({ server, storage, cache, events, logging, sync, auth });

export type CatalogConfig = z.output<typeof catalogConfigSchema>;
export type ServerConfig = CatalogConfig["server"];
export type TlsConfig = ServerConfig["tls"];
export type CallLimitsConfig = ServerConfig["limits"];
export type StorageConfig = CatalogConfig["storage"];
export type EmbeddedConfig = StorageConfig["embedded"];
export type PostgresConfig = StorageConfig["postgres"];
export type DynamoDbConfig = StorageConfig["dynamodb"];
export type MysqlConfig = StorageConfig["mysql"];
export type RedisReplicaConfig = StorageConfig["redis"];
export type HybridConfig = StorageConfig["hybrid"];
export type ReplicaEntryConfig = StorageConfig["replicas"][number];
export type CacheConfig = CatalogConfig["cache"];
export type EventsConfig = CatalogConfig["events"];
export type LoggingConfig = CatalogConfig["logging"];
export type SyncConfig = CatalogConfig["sync"];
export type SyncRepositoryConfig = z.output<typeof syncRepository>;
export type SyncCredentialsConfig = SyncRepositoryConfig["credentials"];
export type SyncRemovalPolicy = SyncRepositoryConfig["onRemoval"];
export type AuthConfig = CatalogConfig["auth"];
export type ApiKeyConfig = z.output<typeof apiKey>;
export type JwtIssuerConfig = z.output<typeof jwtIssuer>;
export type ClientCertificateConfig = z.output<typeof clientCertificate>;
export type WriteScopeConfig = Pick<ApiKeyConfig, "namePrefixes" | "providers">;

/** Every default, as loaded from an empty file and environment. */
export const DEFAULT_CONFIG: CatalogConfig = catalogConfigSchema.parse({});

/** Defaults for each item of sync.repositories, as the loader fills absent keys. */
export const DEFAULT_SYNC_REPOSITORY: SyncRepositoryConfig = syncRepository.parse({});
