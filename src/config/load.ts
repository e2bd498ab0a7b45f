/**
 * The one config loader: defaults, then a YAML file (--config or
 * NESTOR_CONFIG), then environment overrides. Every key is checked against
 * the schema's defaults (unknown keys, wrong types, bad enum values) and a
 * problem is reported naming the key, so a bad config never starts a server.
 *
 * Environment overrides: NESTOR_ + the key path in upper snake case, e.g.
 * storage.type → NESTOR_STORAGE_TYPE, server.port → NESTOR_SERVER_PORT,
 * storage.postgres.poolSize → NESTOR_STORAGE_POSTGRES_POOL_SIZE.
 */
import { readFileSync } from "node:fs";
import { parse } from "yaml";
import { AUTH_LIST_ITEM_DEFAULTS, AUTH_POSITIVE_INTEGERS, authConfigProblem } from "./auth-rules.js";
import { type CatalogConfig, DEFAULT_CONFIG, DEFAULT_SYNC_REPOSITORY } from "./schema.js";

export class ConfigError extends Error {
  override readonly name = "ConfigError";
}

const ENUMS: Record<string, readonly string[]> = {
  "storage.type": ["memory", "embedded", "postgres", "dynamodb"],
  "cache.type": ["none", "memory", "redis"],
  "logging.level": ["debug", "info", "warn", "error"],
  "logging.format": ["json", "text"],
};

/**
 * Lists of mappings, by key path, with the defaults each item starts from.
 * An item's keys are checked like any other key (unknown keys, types), under
 * a path such as sync.repositories[0].branch.
 */
const LIST_ITEM_DEFAULTS: Record<string, Tree> = {
  "sync.repositories": DEFAULT_SYNC_REPOSITORY as unknown as Tree,
  ...AUTH_LIST_ITEM_DEFAULTS,
};

const POSITIVE_INTEGERS = new Set([
  "server.maxRequestBytes",
  "server.healthCheckIntervalMs",
  "storage.embedded.timeoutMs",
  "storage.postgres.poolSize",
  "storage.postgres.timeoutMs",
  "storage.dynamodb.timeoutMs",
  "storage.dynamodb.pollIntervalMs",
  "cache.ttlSeconds",
  "cache.memory.maxEntries",
  "cache.redis.timeoutMs",
  "events.progressIntervalMs",
  "sync.leaseTtlMs",
  ...AUTH_POSITIVE_INTEGERS,
]);

type Tree = { [key: string]: unknown };

export interface LoadOptions {
  /** Path of the YAML file; undefined means NESTOR_CONFIG or none. */
  file?: string;
  env?: NodeJS.ProcessEnv;
}

export function loadConfig(options: LoadOptions = {}): CatalogConfig {
  const env = options.env ?? process.env;
  const config = structuredClone(DEFAULT_CONFIG) as unknown as Tree;
  const file = options.file ?? env.NESTOR_CONFIG;
  if (file) mergeFile(config, file);
  applyEnv(config, env);
  checkRules(config);
  return config as unknown as CatalogConfig;
}

function mergeFile(config: Tree, file: string): void {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    throw new ConfigError(`config file ${file} cannot be read: ${(err as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = parse(text);
  } catch (err) {
    throw new ConfigError(`config file ${file} is not valid YAML: ${(err as Error).message}`);
  }
  if (parsed === null || parsed === undefined) return;
  if (!isTree(parsed)) throw new ConfigError(`config file ${file} must hold a mapping at the top level`);
  mergeTree(config, parsed, "", file);
}

function mergeTree(target: Tree, source: Tree, prefix: string, file: string): void {
  for (const [key, value] of Object.entries(source)) {
    const path = prefix + key;
    if (!(key in target)) {
      const known = Object.keys(target).join(", ");
      throw new ConfigError(`${file}: unknown key "${path}" (known keys here: ${known})`);
    }
    const current = target[key];
    if (Array.isArray(current)) {
      target[key] = coerceList(value, current, path, `${file}: "${path}"`);
    } else if (isTree(current)) {
      if (!isTree(value)) throw new ConfigError(`${file}: "${path}" must be a mapping`);
      mergeTree(current, value, `${path}.`, file);
    } else {
      target[key] = coerce(value, current, `${file}: "${path}"`);
    }
  }
}

function applyEnv(config: Tree, env: NodeJS.ProcessEnv): void {
  for (const [path, holder, key] of leaves(config, "")) {
    const name = envName(path);
    const raw = env[name];
    if (raw === undefined) continue;
    const where = `environment variable ${name}`;
    holder[key] = Array.isArray(holder[key])
      ? coerceList(envList(raw, path, where), holder[key], path, where)
      : coerce(raw, holder[key], where);
  }
}

/** A list from the environment: JSON for lists of mappings, comma-separated otherwise. */
function envList(raw: string, path: string, where: string): unknown {
  if (!(path in LIST_ITEM_DEFAULTS))
    return raw
      .split(",")
      .map((item) => item.trim())
      .filter((item) => item !== "");
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    throw new ConfigError(`${where} must be a JSON list (got ${show(raw)})`);
  }
}

/**
 * A list value: each mapping item of a LIST_ITEM_DEFAULTS path is merged onto
 * a copy of its defaults; other lists hold scalars of their default's type.
 */
function coerceList(value: unknown, template: unknown[], path: string, where: string): unknown[] {
  if (!Array.isArray(value)) throw new ConfigError(`${where} must be a list (got ${show(value)})`);
  const itemDefaults = LIST_ITEM_DEFAULTS[path];
  return value.map((item: unknown, index) => {
    const itemWhere = `${where}[${index}]`;
    if (itemDefaults) {
      if (!isTree(item)) throw new ConfigError(`${itemWhere} must be a mapping`);
      const merged = structuredClone(itemDefaults);
      mergeTree(merged, item, `${path}[${index}].`, where.replace(/: "[^"]*"$/, ""));
      return merged;
    }
    return coerce(item, template[0] ?? "", itemWhere);
  });
}

function* leaves(tree: Tree, prefix: string): Generator<[string, Tree, string]> {
  for (const [key, value] of Object.entries(tree)) {
    if (isTree(value)) yield* leaves(value, `${prefix + key}.`);
    else yield [prefix + key, tree, key];
  }
}

export function envName(path: string): string {
  return (
    "NESTOR_" +
    path
      .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
      .replace(/\./g, "_")
      .toUpperCase()
  );
}

function coerce(value: unknown, template: unknown, where: string): unknown {
  if (typeof template === "number") {
    const n = typeof value === "string" && value.trim() !== "" ? Number(value) : value;
    if (typeof n !== "number" || !Number.isFinite(n))
      throw new ConfigError(`${where} must be a number (got ${show(value)})`);
    return n;
  }
  if (typeof template === "boolean") {
    if (typeof value === "boolean") return value;
    if (value === "true" || value === "1") return true;
    if (value === "false" || value === "0") return false;
    throw new ConfigError(`${where} must be true or false (got ${show(value)})`);
  }
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (typeof value !== "string") throw new ConfigError(`${where} must be a string (got ${show(value)})`);
  return value;
}

function checkRules(config: Tree): void {
  for (const [path, holder, key] of leaves(config, "")) {
    const value = holder[key];
    const allowed = ENUMS[path];
    if (allowed && !allowed.includes(String(value))) {
      throw new ConfigError(`${path} must be one of ${allowed.join(", ")} (got ${show(value)}; env ${envName(path)})`);
    }
    if (POSITIVE_INTEGERS.has(path) && (!Number.isInteger(value) || (value as number) <= 0)) {
      throw new ConfigError(`${path} must be a positive integer (got ${show(value)})`);
    }
  }
  const port = (config.server as Tree).port;
  if (!Number.isInteger(port) || (port as number) < 0 || (port as number) > 65535) {
    throw new ConfigError(`server.port must be an integer from 0 to 65535 (got ${show(port)})`);
  }
  const tls = (config.server as Tree).tls as Tree;
  if ((tls.certFile === "") !== (tls.keyFile === "")) {
    throw new ConfigError("server.tls.certFile and server.tls.keyFile must be set together");
  }
  const storage = config.storage as Tree;
  if (storage.type === "embedded" && (storage.embedded as Tree).dataDir === "") {
    throw new ConfigError("storage.embedded.dataDir must not be empty");
  }
  checkSyncRepositories(config.sync as Tree);
  const authProblem = authConfigProblem(config as unknown as CatalogConfig);
  if (authProblem) throw new ConfigError(authProblem);
}

function checkSyncRepositories(sync: Tree): void {
  const repositories = sync.repositories as Tree[];
  if (repositories.length > 0 && sync.cacheDir === "") throw new ConfigError("sync.cacheDir must not be empty");
  const names = new Map<string, number>();
  repositories.forEach((repository, index) => {
    const at = `sync.repositories[${index}]`;
    const url = String(repository.url);
    if (url === "") throw new ConfigError(`${at}.url is required`);
    if (/^[a-z][a-z0-9+.-]*:\/\/[^/@]*:[^/@]*@/i.test(url)) {
      throw new ConfigError(`${at}.url must not contain credentials; use ${at}.credentials`);
    }
    if (repository.name === "") repository.name = repositoryNameFromUrl(url);
    const name = String(repository.name);
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/.test(name)) {
      throw new ConfigError(`${at}.name must be 1-100 letters, digits, '.', '_' or '-' (got ${show(name)})`);
    }
    const first = names.get(name);
    if (first !== undefined)
      throw new ConfigError(`${at}.name ${show(name)} is already used by sync.repositories[${first}]`);
    names.set(name, index);
    if (repository.branch === "") throw new ConfigError(`${at}.branch must not be empty`);
    if (!["keep", "deprecate"].includes(String(repository.onRemoval))) {
      throw new ConfigError(`${at}.onRemoval must be one of keep, deprecate (got ${show(repository.onRemoval)})`);
    }
    const interval = repository.pollIntervalMs;
    if (!Number.isInteger(interval) || (interval as number) < 0) {
      throw new ConfigError(
        `${at}.pollIntervalMs must be a whole number of milliseconds, 0 to poll never (got ${show(interval)})`,
      );
    }
    const credentials = repository.credentials as Tree;
    if (credentials.passwordEnv !== "" && credentials.tokenFile !== "") {
      throw new ConfigError(`${at}.credentials: set passwordEnv or tokenFile, not both`);
    }
  });
}

/** "https://git.example.com/platform/components.git" → "components". */
export function repositoryNameFromUrl(url: string): string {
  const last =
    url
      .replace(/[/\\]+$/, "")
      .split(/[/:\\]/)
      .pop() ?? "";
  return last.replace(/\.git$/, "") || "repository";
}

function isTree(value: unknown): value is Tree {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function show(value: unknown): string {
  return JSON.stringify(value) ?? String(value);
}
