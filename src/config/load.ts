/**
 * The one config loader: a YAML file (--config or NESTOR_CONFIG), then
 * NESTOR_* environment overrides (src/config/env.ts), checked by the schema
 * (src/config/schema.ts) and then by the rules that span several keys. A
 * problem stops the server with a message naming the key and where it came
 * from, so a bad config never starts a server.
 *
 * Keys may be written in camelCase (`tableName`) or snake_case
 * (`table_name`, as the architecture note's examples do); one file uses one
 * spelling per key, and both spellings of one key in one mapping is an error
 * naming both.
 */
import { readFileSync } from "node:fs";
import { parse } from "yaml";
import type { z } from "zod";
import { authConfigProblem } from "./auth-rules.js";
import { elementOf, envName, fromEnv, leavesOf, shapeOf } from "./env.js";
import { hybridConfigProblem } from "./hybrid-rules.js";
import { type CatalogConfig, catalogConfigSchema } from "./schema.js";

export { envName } from "./env.js";

export class ConfigError extends Error {
  override readonly name = "ConfigError";
}

type Tree = { [key: string]: unknown };

export interface LoadOptions {
  /** Path of the YAML file; undefined means NESTOR_CONFIG or none. */
  file?: string;
  env?: NodeJS.ProcessEnv;
}

export function loadConfig(options: LoadOptions = {}): CatalogConfig {
  const env = options.env ?? process.env;
  const file = options.file ?? env.NESTOR_CONFIG;
  const tree = file ? readFile(file) : {};
  /** Where each key set from the environment came from, for messages. */
  const fromEnvironment = new Map<string, string>();
  for (const { path, kind } of leavesOf(catalogConfigSchema)) {
    const raw = env[envName(path)];
    if (raw === undefined) continue;
    const variable = envName(path);
    setPath(tree, path, normalizeValue(fromEnv(raw, kind), path, `environment variable ${variable}`));
    fromEnvironment.set(path, variable);
  }
  const parsed = catalogConfigSchema.safeParse(tree, { reportInput: true });
  if (!parsed.success) {
    const [issue] = parsed.error.issues;
    throw new ConfigError(describeIssue(issue!, file, fromEnvironment));
  }
  const config = parsed.data;
  const problem = crossKeyProblem(config);
  if (problem !== undefined) throw new ConfigError(problem);
  return config;
}

function readFile(file: string): Tree {
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
  if (parsed === null || parsed === undefined) return {};
  if (!isTree(parsed)) throw new ConfigError(`config file ${file} must hold a mapping at the top level`);
  return camelCaseKeys(parsed, "", file);
}

/** `tree` with snake_case keys spelled in camelCase, recursively; both spellings of one key is an error. */
function camelCaseKeys(tree: Tree, prefix: string, source: string): Tree {
  const out: Tree = {};
  for (const [key, value] of Object.entries(tree)) {
    const camel = key.replace(/_([a-z0-9])/g, (_, letter: string) => letter.toUpperCase());
    if (camel !== key && Object.hasOwn(tree, camel)) {
      throw new ConfigError(
        `${source}: "${prefix}${key}" and "${prefix}${camel}" are two spellings of one key; keep one`,
      );
    }
    out[camel] = normalizeValue(value, `${prefix}${camel}`, source);
  }
  return out;
}

function normalizeValue(value: unknown, path: string, source: string): unknown {
  if (isTree(value)) return camelCaseKeys(value, `${path}.`, source);
  if (Array.isArray(value)) {
    return value.map((item, index) => (isTree(item) ? camelCaseKeys(item, `${path}[${index}].`, source) : item));
  }
  return value;
}

function setPath(tree: Tree, path: string, value: unknown): void {
  const keys = path.split(".");
  let holder = tree;
  for (const key of keys.slice(0, -1)) {
    const next = holder[key];
    if (!isTree(next)) holder[key] = {};
    holder = holder[key] as Tree;
  }
  holder[keys.at(-1)!] = value;
}

type Issue = z.core.$ZodIssue;

function describeIssue(issue: Issue, file: string | undefined, fromEnvironment: Map<string, string>): string {
  const path = formatPath(issue.path);
  const dotted = issue.path.filter((part) => typeof part === "string").join(".");
  const variable = fromEnvironment.get(dotted);
  const where = variable !== undefined ? `environment variable ${variable}` : (file ?? "defaults");
  if (issue.code === "unrecognized_keys") {
    const prefix = path === "" ? "" : `${path}.`;
    const known = Object.keys(shapeAt(issue.path, issue.input) ?? {}).join(", ");
    return `${where}: unknown key "${prefix}${issue.keys[0]}" (known keys here: ${known})`;
  }
  return `${where}: ${path} ${problemOf(issue)} (got ${show(offendingValue(issue))})`;
}

function problemOf(issue: Issue): string {
  // The schema's own wording, where it gives one ("must be a positive integer").
  if (issue.message.startsWith("must ")) return issue.message;
  switch (issue.code) {
    case "invalid_type":
      return mustBe(issue.expected);
    case "invalid_union":
      // A discriminated union (a replica's type) lists what it takes; other unions here are text keys.
      return "options" in issue && Array.isArray(issue.options)
        ? `must be one of ${issue.options.map(String).join(", ")}`
        : "must be text";
    case "invalid_value":
      return `must be one of ${issue.values.map((v) => (v === "" ? '""' : String(v))).join(", ")}`;
    case "too_small":
      return `must be at least ${issue.minimum}`;
    case "too_big":
      return `must be at most ${issue.maximum}`;
    default:
      return issue.message;
  }
}

function mustBe(expected: string): string {
  switch (expected) {
    case "number":
      return "must be a number";
    case "boolean":
      return "must be true or false";
    case "array":
      return "must be a list";
    case "object":
      return "must be a mapping";
    default:
      return "must be text";
  }
}

/**
 * The mapping schema at `path` (object keys and list indices), for naming the keys it knows; for a
 * mapping that is one of several kinds (a replica), the kind `input` names.
 */
function shapeAt(path: readonly PropertyKey[], input: unknown): Record<string, z.ZodType> | undefined {
  let schema: z.ZodType | undefined = catalogConfigSchema;
  for (const part of path) {
    if (schema === undefined) return undefined;
    schema = typeof part === "number" ? elementOf(schema) : shapeOf(schema)?.[String(part)];
  }
  if (schema === undefined) return undefined;
  return shapeOf(schema) ?? (isTree(input) ? shapeOf(optionFor(schema, input) ?? schema) : undefined);
}

/** The option of a discriminated union (behind a preprocess step) whose `type` is input's. */
function optionFor(schema: z.ZodType, input: Tree): z.ZodType | undefined {
  const def = schema._zod.def as unknown as { type: string; out?: z.ZodType };
  const union = def.type === "pipe" ? def.out : schema;
  const options = (union?._zod.def as unknown as { options?: z.ZodType[] } | undefined)?.options ?? [];
  return options.find((option) => {
    const type = shapeOf(option)?.type?._zod.def as unknown as { values?: unknown[] } | undefined;
    return type?.values?.includes(input.type) === true;
  });
}

/** What the issue is about: the value at its key when zod reports the whole mapping (a replica's `type`). */
function offendingValue(issue: Issue): unknown {
  const key = issue.path.at(-1);
  return typeof key === "string" && isTree(issue.input) && Object.hasOwn(issue.input, key)
    ? issue.input[key]
    : issue.input;
}

function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((out, part) => {
    if (typeof part === "number") return `${out}[${part}]`;
    return out === "" ? String(part) : `${out}.${String(part)}`;
  }, "");
}

/** Rules that span several keys, checked once every key has its type. */
function crossKeyProblem(config: CatalogConfig): string | undefined {
  const { tls } = config.server;
  if ((tls.certFile === "") !== (tls.keyFile === "")) {
    return "server.tls.certFile and server.tls.keyFile must be set together";
  }
  return syncProblem(config) ?? hybridConfigProblem(config) ?? authConfigProblem(config);
}

function syncProblem({ sync }: CatalogConfig): string | undefined {
  if (sync.repositories.length > 0 && sync.cacheDir === "") return "sync.cacheDir must not be empty";
  const names = new Map<string, number>();
  for (const [index, repository] of sync.repositories.entries()) {
    const at = `sync.repositories[${index}]`;
    const url = repository.url;
    if (url === "") return `${at}.url is required`;
    if (/^[a-z][a-z0-9+.-]*:\/\/[^/@]*:[^/@]*@/i.test(url)) {
      return `${at}.url must not contain credentials; use ${at}.credentials`;
    }
    if (repository.name === "") repository.name = repositoryNameFromUrl(url);
    const name = repository.name;
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/.test(name)) {
      return `${at}.name must be 1-100 letters, digits, '.', '_' or '-' (got ${show(name)})`;
    }
    const first = names.get(name);
    if (first !== undefined) return `${at}.name ${show(name)} is already used by sync.repositories[${first}]`;
    names.set(name, index);
    if (repository.branch === "") return `${at}.branch must not be empty`;
    if (repository.credentials.passwordEnv !== "" && repository.credentials.tokenFile !== "") {
      return `${at}.credentials: set passwordEnv or tokenFile, not both`;
    }
  }
  return undefined;
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
  const shown = JSON.stringify(value) ?? String(value);
  return shown.length > 80 ? `${shown.slice(0, 77)}...` : shown;
}
