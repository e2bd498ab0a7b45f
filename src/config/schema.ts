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
  /**
   * Longest a write waits for the write lock, and (separately) for its log
   * append and fsync, in milliseconds; past either it fails UNAVAILABLE.
   * Loaded configs always have it (default 5000); optional so code that
   * builds an EmbeddedConfig by hand gets the default.
   */
  timeoutMs?: number;
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
  /** How often the store's health is checked when no failing call prompts a check, in milliseconds. */
  healthCheckIntervalMs: number;
  tls: TlsConfig;
  /** Allow a non-loopback host with no authentication configured (logs a warning at every start). */
  insecure: boolean;
  limits: CallLimitsConfig;
}

export interface TlsConfig {
  certFile: string;
  keyFile: string;
  /** CA bundle for client certificates (mTLS); empty = no client certificates asked for. */
  clientCaFile: string;
  /** Refuse TLS handshakes without a client certificate signed by clientCaFile. */
  requireClientCert: boolean;
  /** How often the cert, key and CA files are checked for changes, in milliseconds. */
  reloadIntervalMs: number;
}

/**
 * Per-identity limits (an anonymous caller is limited per remote address), applied when
 * authentication is configured. 0 = no limit.
 */
export interface CallLimitsConfig {
  /** Token bucket refill rate, calls per second. */
  requestsPerSecond: number;
  /** Token bucket size: calls allowed in a burst. */
  burst: number;
  /** Server streams (WatchEvents, Health/Watch) one identity may hold open at once. */
  maxStreamsPerIdentity: number;
}

// ---------------------------------------------------------------- auth (docs/security.md)

export type Role = "reader" | "publisher" | "admin";

/** What a publisher may write; an empty list does not restrict. */
export interface WriteScopeConfig {
  /** Component names the caller may write must start with one of these. */
  namePrefixes: string[];
  /** Component providers the caller may write. */
  providers: string[];
}

/** One static API key (an item of auth.apiKeys). Only the hash is configured, never the key. */
export interface ApiKeyConfig extends WriteScopeConfig {
  /** Identity recorded on writes and in logs, e.g. "ci-publisher". */
  name: string;
  /** "sha256:<hex>" of the key, as printed by `nestor-catalog hash-key`. */
  hash: string;
  role: Role;
}

/** One trusted JWT issuer (an item of auth.jwt.issuers). */
export interface JwtIssuerConfig {
  /** Expected "iss" claim. */
  issuer: string;
  /** The token's "aud" must contain one of these. */
  audiences: string[];
  /** JWKS file (RSA, P-256 EC and "oct" keys), re-read when it changes. */
  jwksFile: string;
  /** JWKS URL, fetched at start and when a token names an unknown key id. */
  jwksUrl: string;
  /** Accepted "alg" values; RS256, ES256, HS256. */
  algorithms: string[];
  /** Claim holding the role names (string or list). */
  rolesClaim: string;
  /** Role for a valid token whose roles claim names none; "" = none (reads and writes denied). */
  defaultRole: string;
  namePrefixesClaim: string;
  providersClaim: string;
}

/** A client certificate identity (an item of auth.clientCertificates). */
export interface ClientCertificateConfig extends WriteScopeConfig {
  /** Matches the verified certificate's subject CN or any subjectAltName value (DNS, URI, email, IP). */
  subject: string;
  role: Role;
}

export interface AuthConfig {
  apiKeys: ApiKeyConfig[];
  jwt: { issuers: JwtIssuerConfig[]; clockSkewSeconds: number };
  clientCertificates: ClientCertificateConfig[];
  /** Methods callable without credentials ("package.Service/Method" or "package.Service/*"). */
  openMethods: string[];
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
  auth: AuthConfig;
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
    healthCheckIntervalMs: 5_000,
    tls: { certFile: "", keyFile: "", clientCaFile: "", requireClientCert: false, reloadIntervalMs: 2_000 },
    insecure: false,
    limits: { requestsPerSecond: 50, burst: 200, maxStreamsPerIdentity: 32 },
  },
  storage: {
    type: "embedded",
    embedded: { dataDir: "./data", fsync: true, timeoutMs: 5_000 },
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
  auth: {
    apiKeys: [],
    jwt: { issuers: [], clockSkewSeconds: 60 },
    clientCertificates: [],
    openMethods: [
      "grpc.health.v1.Health/*",
      "grpc.reflection.v1.ServerReflection/*",
      "grpc.reflection.v1alpha.ServerReflection/*",
    ],
  },
};

/** Defaults for the items of auth.apiKeys, auth.jwt.issuers and auth.clientCertificates. */
export const DEFAULT_API_KEY: ApiKeyConfig = { name: "", hash: "", role: "reader", namePrefixes: [], providers: [] };
export const DEFAULT_JWT_ISSUER: JwtIssuerConfig = {
  issuer: "",
  audiences: [],
  jwksFile: "",
  jwksUrl: "",
  algorithms: ["RS256", "ES256"],
  rolesClaim: "roles",
  defaultRole: "",
  namePrefixesClaim: "nestor_name_prefixes",
  providersClaim: "nestor_providers",
};
export const DEFAULT_CLIENT_CERTIFICATE: ClientCertificateConfig = {
  subject: "",
  role: "reader",
  namePrefixes: [],
  providers: [],
};
