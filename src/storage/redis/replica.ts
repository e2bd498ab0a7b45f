/**
 * Redis as a read replica of a hybrid store: a read model of the primary's
 * event log, not a cache (read-model.ts describes it). Every read is one
 * script call (one round trip) answering from one applied revision: a
 * version by its SemVer sort key, a name's versions in SemVer order, list
 * pages walking ordered indexes from the keyset cursor (the same order and
 * page tokens as every backend), and search ranked in Lua with core's
 * scores. Named components (filter.names) are read whole and paged in
 * process with core's rules. Appliers write it (replica-writes.ts).
 *
 * A list page examines at most LIST_BUDGET rows per call; a page that ran
 * out of budget before filling comes back shorter with a cursor, so a very
 * selective filter never holds Redis for long.
 */
import type { Redis } from "ioredis";
import type { RedisReplicaConfig } from "../../config/schema.js";
import { CatalogError } from "../../errors/index.js";
import type { Logger } from "../../logging/index.js";
import { parseVersion } from "../../semver/index.js";
import {
  decodeListCursor,
  decodeSearchCursor,
  encodeListCursor,
  encodeSearchCursor,
  pageSizeOf,
} from "../core/cursor.js";
import { isSet } from "../core/filter.js";
import { type ListOrder, latestOf as latestOfName, rowOf, sortableVersion } from "../core/ordering.js";
import { pageOfRecords } from "../core/records-page.js";
import { SEARCH_SCORES, searchPage } from "../core/search.js";
import type { CatalogEvent, ComponentRecord, ConsumerQuery, ConsumerRecord, PolicyRecord } from "../records.js";
import type {
  ApplyOptions,
  ComponentFilter,
  HealthStatus,
  ListQuery,
  Page,
  ReplicaSnapshot,
  ReplicaState,
  ReplicaStore,
  ScoredComponent,
  SearchQuery,
} from "../store.js";
import { createRedisClient, waitUntilReady } from "./client.js";
import { LuaScripts, type Reply, readPairs, replyList, replyText } from "./lua.js";
import {
  consumerKey,
  consumersOfKey,
  groupingOf,
  indexKey,
  memberOf,
  POLICY_KEY,
  STATE_KEY,
  scopeOf,
} from "./read-model.js";
import { applyEvents, type ModelAccess, rebuildModel } from "./replica-writes.js";
import { GET_FIELD, GET_HASH, GET_VERSION, LIST_PAGE, SEARCH_PAGE, STATE, VERSIONS_OF } from "./scripts.js";

/** Rows a list page may examine per call before it answers with what it has and a cursor. */
export const LIST_BUDGET = 5_000;

export interface RedisReplicaOptions {
  /** Rows a list page examines per call (LIST_BUDGET); tests make it small. */
  listBudget?: number;
}

export class RedisReplicaStore implements ReplicaStore {
  readonly kind = "redis";
  readonly where: string;
  private readonly client: Redis;
  private readonly scripts: LuaScripts;
  private readonly model: ModelAccess;

  private readonly listBudget: number;

  constructor(
    private readonly config: RedisReplicaConfig,
    logger: Logger,
    options: RedisReplicaOptions = {},
  ) {
    this.listBudget = options.listBudget ?? LIST_BUDGET;
    this.where = redisReplicaWhere(config);
    let warned = false;
    this.client = createRedisClient(config, (err) => {
      if (warned) return;
      warned = true;
      logger.warn("redis replica connection error", { where: this.where, error: err });
    });
    this.client.on("ready", () => {
      warned = false;
    });
    this.scripts = new LuaScripts(this.client, this.where);
    this.model = { scripts: this.scripts, prefix: config.keyPrefix, where: this.where, wipe: () => this.wipe() };
  }

  /** True once connected (false after config.timeoutMs); reads before that fail UNAVAILABLE. */
  waitUntilReady(): Promise<boolean> {
    return waitUntilReady(this.client, this.config.timeoutMs);
  }

  async getVersion(name: string, version: string): Promise<ComponentRecord | undefined> {
    if (parseVersion(version) === undefined) return undefined;
    const reply = await this.read(GET_VERSION, [name, sortableVersion(version)]);
    const json = replyText(reply[1]);
    return json === "" ? undefined : (JSON.parse(json) as ComponentRecord);
  }

  async listVersions(name: string): Promise<ComponentRecord[]> {
    const { versions } = await this.versionsOf([name]);
    return versions.get(name) ?? [];
  }

  async getPolicy(name: string): Promise<PolicyRecord | undefined> {
    const reply = await this.read(GET_FIELD, [POLICY_KEY, name]);
    const json = replyText(reply[1]);
    return json === "" ? undefined : (JSON.parse(json) as PolicyRecord);
  }

  async listConsumers(query: ConsumerQuery): Promise<ConsumerRecord[]> {
    const key = "name" in query ? consumersOfKey(query.name) : consumerKey(query.consumer);
    const reply = await this.read(GET_HASH, [key]);
    const pairs: Array<[string, string]> = [];
    for (let i = 1; i + 1 < reply.length; i += 2) pairs.push([replyText(reply[i]), replyText(reply[i + 1])]);
    // Byte order of the field (the consumer, or the component name), as every backend lists them.
    pairs.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return pairs.map(([, json]) => JSON.parse(json) as ConsumerRecord);
  }

  async list(query: ListQuery): Promise<Page<ComponentRecord>> {
    if (query.filter.names !== undefined) {
      const { applied, versions } = await this.versionsOf(query.filter.names);
      const rows = query.allVersions ? [...versions.values()].flat() : latestOf(versions);
      return pageOfRecords(rows, query, applied);
    }
    const order: ListOrder = { ...query.orderBy, allVersions: query.allVersions };
    const after = query.cursor === undefined ? undefined : decodeListCursor(query.cursor, order);
    const mode = query.allVersions ? "a" : "l";
    const scope = scopeOf(query.filter);
    const pageSize = pageSizeOf(query.pageSize);
    const reply = await this.read(LIST_PAGE, [
      indexKey(mode, order.field, scope),
      order.descending ? "desc" : "asc",
      groupingOf(mode, order.field),
      after === undefined ? "" : memberOf(mode, order.field, after),
      pageSize + 1,
      filterArgument(query.filter, scope?.field),
      mode,
      this.listBudget,
    ]);
    const records = reply.slice(2).map((json) => JSON.parse(replyText(json)) as ComponentRecord);
    const items = records.slice(0, pageSize);
    const page: Page<ComponentRecord> = { items, revision: Number(replyText(reply[0])) };
    const last = items.at(-1);
    const resume = replyText(reply[1]);
    if (records.length > pageSize && last !== undefined) page.nextCursor = encodeListCursor(order, rowOf(last));
    else if (resume !== "") page.nextCursor = encodeListCursor(order, rowOf(JSON.parse(resume) as ComponentRecord));
    return page;
  }

  async search(query: SearchQuery): Promise<Page<ScoredComponent>> {
    if (query.filter.names !== undefined) {
      const { applied, versions } = await this.versionsOf(query.filter.names);
      return searchPage(latestOf(versions), query, applied);
    }
    const after = query.cursor === undefined ? undefined : decodeSearchCursor(query.cursor);
    const pageSize = pageSizeOf(query.pageSize);
    const reply = await this.read(SEARCH_PAGE, [
      pageSize + 1,
      filterArgument(query.filter, undefined),
      after === undefined ? "" : String(after.score),
      after?.name ?? "",
      SEARCH_SCORES.exactName,
      SEARCH_SCORES.nameContains,
      SEARCH_SCORES.labelOrInputOrOutput,
      SEARCH_SCORES.description,
      ...query.terms.map((term) => term.toLowerCase()),
    ]);
    const hits: ScoredComponent[] = [];
    for (let i = 1; i + 1 < reply.length; i += 2) {
      hits.push({
        component: JSON.parse(replyText(reply[i])) as ComponentRecord,
        score: Number(replyText(reply[i + 1])),
      });
    }
    const items = hits.slice(0, pageSize);
    const page: Page<ScoredComponent> = { items, revision: Number(replyText(reply[0])) };
    const last = items.at(-1);
    if (hits.length > pageSize && last !== undefined) {
      page.nextCursor = encodeSearchCursor({ score: last.score, name: last.component.name });
    }
    return page;
  }

  async state(): Promise<ReplicaState> {
    const reply = replyList(await this.scripts.run(STATE, [this.config.keyPrefix]));
    const state: ReplicaState = { appliedRevision: Number(replyText(reply[0])), primary: replyText(reply[1]) };
    if (replyText(reply[2]) !== "") state.rebuild = { ageMs: Number(replyText(reply[3])) };
    return state;
  }

  apply(events: readonly CatalogEvent[], options: ApplyOptions): Promise<ReplicaState> {
    return applyEvents(this.model, events, options.primary);
  }

  rebuild(primary: string, snapshot: ReplicaSnapshot): Promise<ReplicaState> {
    return rebuildModel(this.model, primary, snapshot);
  }

  async health(): Promise<HealthStatus> {
    try {
      const state = await this.state();
      const rebuilding = state.rebuild === undefined ? "" : " (rebuilding)";
      return { ok: true, detail: `${this.where}: ok at applied revision ${state.appliedRevision}${rebuilding}` };
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      return { ok: false, detail: message.startsWith(this.where) ? message : `${this.where}: ${message}` };
    }
  }

  async close(): Promise<void> {
    // disconnect, not quit: quit would wait on a Redis that may not answer.
    this.client.disconnect();
  }

  /** Runs a read script; UNAVAILABLE while the model is being rebuilt. */
  private async read(script: string, args: readonly (string | number)[]): Promise<Reply[]> {
    const reply = replyList(await this.scripts.run(script, [this.config.keyPrefix, ...args]));
    if (reply[0] === "rebuilding") {
      throw new CatalogError("UNAVAILABLE", `${this.where} is being rebuilt from the primary; read elsewhere or retry`);
    }
    return reply;
  }

  /** Every version of each name (SemVer-descending), and the revision they reflect, in one round trip. */
  private async versionsOf(
    names: readonly string[],
  ): Promise<{ applied: number; versions: Map<string, ComponentRecord[]> }> {
    const unique = [...new Set(names)];
    const reply = await this.read(VERSIONS_OF, unique);
    const versions = new Map<string, ComponentRecord[]>();
    let at = 1;
    for (const name of unique) {
      const { pairs, next } = readPairs(reply, at);
      pairs.sort(([a], [b]) => (a < b ? 1 : a > b ? -1 : 0));
      if (pairs.length > 0)
        versions.set(
          name,
          pairs.map(([, json]) => JSON.parse(json) as ComponentRecord),
        );
      at = next;
    }
    return { applied: Number(replyText(reply[0])), versions };
  }

  /** Deletes every key under the prefix but the state (a rebuild's first step). */
  private async wipe(): Promise<void> {
    const prefix = this.config.keyPrefix;
    const pattern = `${prefix.replace(/[*?[\]\\]/g, "\\$&")}*`;
    let cursor = "0";
    do {
      const [next, keys] = await this.scripts.call(() => this.client.scan(cursor, "MATCH", pattern, "COUNT", 1000));
      cursor = next;
      // SCAN answers full key names; ioredis adds the prefix again to the keys a command names.
      const mine = keys.map((key) => key.slice(prefix.length)).filter((key) => key !== STATE_KEY);
      if (mine.length > 0) await this.scripts.call(() => this.client.unlink(...mine));
    } while (cursor !== "0");
  }
}

/** Each name's latest version (core's rule), for latest-mode pages and search over named components. */
function latestOf(versions: Map<string, ComponentRecord[]>): ComponentRecord[] {
  const latest: ComponentRecord[] = [];
  for (const records of versions.values()) {
    const pick = latestOfName(records);
    if (pick !== undefined) latest.push(pick);
  }
  return latest;
}

/** The checks a read script makes per row ("" when none), leaving out what the chosen index already holds. */
function filterArgument(filter: ComponentFilter, scoped: "p" | "c" | "e" | undefined): string {
  const checks: Record<string, unknown> = {};
  if (!filter.includeDeprecated) checks.nodep = true;
  if (isSet(filter.provider) && scoped !== "p") checks.p = filter.provider;
  if (isSet(filter.category) && scoped !== "c") checks.c = filter.category;
  if (isSet(filter.deploymentEngine) && scoped !== "e") checks.e = filter.deploymentEngine;
  if (filter.labels !== undefined && Object.keys(filter.labels).length > 0) checks.l = filter.labels;
  return Object.keys(checks).length === 0 ? "" : JSON.stringify(checks);
}

/** host:port/db of a redis:// URL, never its credentials. */
function serverOf(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.hostname}:${parsed.port || "6379"}${parsed.pathname === "" ? "" : parsed.pathname}`;
  } catch {
    return "an unparseable URL";
  }
}

/** Where the replica lives, for logs and errors (never the URL's credentials). */
export function redisReplicaWhere(config: RedisReplicaConfig): string {
  return `redis replica (${serverOf(config.url)} prefix "${config.keyPrefix}")`;
}

/** Opens the replica; its connection comes up in the background (reads fail UNAVAILABLE until it does). */
export async function openRedisReplica(
  config: RedisReplicaConfig,
  logger: Logger,
  options: RedisReplicaOptions = {},
): Promise<RedisReplicaStore> {
  const replica = new RedisReplicaStore(config, logger.child({ component: "storage.redis-replica" }), options);
  await replica.waitUntilReady();
  return replica;
}
