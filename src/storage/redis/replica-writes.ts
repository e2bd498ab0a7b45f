/**
 * How the Redis read model is written: a batch of events is folded over
 * the current versions of the names it touches (read with the applied
 * revision in one script), the differences become hash and index writes
 * (read-model.ts), policy and consumer events become the writes of their
 * records (registryWrites, in log order), and one script applies them only if the applied
 * revision is still the one read. A rebuild marks the model under a token,
 * empties it, loads a snapshot name by name and replays the primary's log
 * after the snapshot's revision, then lifts the mark.
 */
import { randomUUID } from "node:crypto";
import { CatalogError } from "../../errors/index.js";
import { versionKey } from "../../semver/index.js";
import { applyEventToVersions, eventsAfter, registryChangeOf } from "../core/apply-event.js";
import { fedByAnotherPrimary } from "../core/errors.js";
import { type CatalogEvent, type ComponentRecord, isComponentEvent } from "../records.js";
import type { ReplicaSnapshot, ReplicaState } from "../store.js";
import { type LuaScripts, readPairs, replyList, replyText } from "./lua.js";
import {
  entriesOf,
  type NameEntries,
  registrySnapshotWrites,
  registryWrites,
  type Write,
  writesBetween,
} from "./read-model.js";
import { APPLY, APPLY_READ, BEGIN_REBUILD, FINISH_REBUILD } from "./scripts.js";

/** Compare-and-set attempts of one batch before it gives up (each loss means another applier moved on). */
const APPLY_ATTEMPTS = 5;
const EMPTY: NameEntries = { hashes: new Map(), indexes: new Map() };

export interface ModelAccess {
  scripts: LuaScripts;
  prefix: string;
  where: string;
  /** Deletes every key of the model but its state. */
  wipe(): Promise<void>;
}

interface ReadForApply {
  applied: number;
  primary: string;
  rebuild: string;
  versions: Map<string, Map<string, ComponentRecord>>;
}

async function readForApply(model: ModelAccess, names: readonly string[]): Promise<ReadForApply> {
  const reply = replyList(await model.scripts.run(APPLY_READ, [model.prefix, ...names]));
  const versions = new Map<string, Map<string, ComponentRecord>>();
  let at = 3;
  for (const name of names) {
    const { pairs, next } = readPairs(reply, at);
    const byKey = new Map<string, ComponentRecord>();
    for (const [, json] of pairs) {
      const record = JSON.parse(json) as ComponentRecord;
      byKey.set(versionKey(record.version), record);
    }
    versions.set(name, byKey);
    at = next;
  }
  return {
    applied: Number(replyText(reply[0])),
    primary: replyText(reply[1]),
    rebuild: replyText(reply[2]),
    versions,
  };
}

function stateOf(applied: number, primary: string, rebuild: string): ReplicaState {
  return { appliedRevision: applied, primary, ...(rebuild !== "" ? { rebuild: { ageMs: 0 } } : {}) };
}

function otherPrimary(model: ModelAccess, recorded: string, offered: string): CatalogError {
  return fedByAnotherPrimary(model.where, recorded, offered);
}

/**
 * ReplicaStore.apply on Redis; `token` is the rebuild the batch belongs to
 * ("" outside one): a batch applies only while the model's rebuild mark is
 * exactly that.
 */
export async function applyEvents(
  model: ModelAccess,
  events: readonly CatalogEvent[],
  primary: string,
  token = "",
): Promise<ReplicaState> {
  const names = [...new Set(events.filter(isComponentEvent).map((event) => event.component.name))];
  for (let attempt = 1; ; attempt++) {
    const read = await readForApply(model, names);
    if (read.primary !== "" && read.primary !== primary) throw otherPrimary(model, read.primary, primary);
    if (read.rebuild !== token) {
      if (token !== "") throw takenOver(model);
      return stateOf(read.applied, read.primary, read.rebuild);
    }
    const pending = eventsAfter(events, read.applied, model.where);
    const last = pending.at(-1);
    if (last === undefined) return stateOf(read.applied, read.primary, read.rebuild);
    const writes = writesOfBatch(read.versions, pending);
    const outcome = await runApply(model, read.applied, last.revision, primary, token, writes);
    if (outcome.outcome === "ok") return stateOf(last.revision, primary, token);
    if (outcome.outcome === "primary") throw otherPrimary(model, outcome.primary, primary);
    if (attempt >= APPLY_ATTEMPTS) {
      throw new CatalogError("UNAVAILABLE", `${model.where}: other appliers kept moving it; the batch will be retried`);
    }
  }
}

/** The writes that take the touched names from their read versions through `events`. */
function writesOfBatch(versions: Map<string, Map<string, ComponentRecord>>, events: readonly CatalogEvent[]): Write[] {
  const before = new Map([...versions].map(([name, byKey]) => [name, [...byKey.values()]]));
  const writes: Write[] = [];
  for (const event of events) {
    const change = registryChangeOf(event);
    if (change !== undefined) writes.push(...registryWrites(change));
    else if (isComponentEvent(event))
      applyEventToVersions(versions.get(event.component.name) as Map<string, ComponentRecord>, event);
  }
  for (const [name, byKey] of versions) {
    writes.push(...writesBetween(entriesOf(name, before.get(name) ?? []), entriesOf(name, [...byKey.values()])));
  }
  return writes;
}

interface ApplyOutcome {
  outcome: "ok" | "conflict" | "primary";
  primary: string;
}

async function runApply(
  model: ModelAccess,
  expected: number,
  next: number,
  primary: string,
  token: string,
  writes: readonly Write[],
): Promise<ApplyOutcome> {
  const reply = replyList(
    await model.scripts.run(APPLY, [model.prefix, String(expected), String(next), primary, token, ...writes.flat()]),
  );
  return { outcome: replyText(reply[0]) as ApplyOutcome["outcome"], primary: replyText(reply[2]) };
}

function takenOver(model: ModelAccess): CatalogError {
  return new CatalogError("ABORTED", `${model.where}: another process took over its rebuild`);
}

/** ReplicaStore.rebuild on Redis. */
export async function rebuildModel(
  model: ModelAccess,
  primary: string,
  snapshot: ReplicaSnapshot,
): Promise<ReplicaState> {
  const token = randomUUID();
  await model.scripts.run(BEGIN_REBUILD, [model.prefix, token, String(snapshot.revision), primary]);
  await model.wipe();
  for await (const names of snapshot.names()) {
    const writes = [...names].flatMap(([name, versions]) => writesBetween(EMPTY, entriesOf(name, versions)));
    for (const name of names.keys()) {
      const { policy, consumers } = await snapshot.registryOf(name);
      writes.push(...registrySnapshotWrites(policy, consumers));
    }
    const revision = String(snapshot.revision);
    const reply = replyList(
      await model.scripts.run(APPLY, [model.prefix, revision, revision, primary, token, ...writes.flat()]),
    );
    if (replyText(reply[0]) !== "ok") throw takenOver(model);
  }
  let state: ReplicaState = stateOf(snapshot.revision, primary, token);
  for await (const events of snapshot.events(snapshot.revision)) {
    state = await applyEvents(model, events, primary, token);
  }
  const finished = await model.scripts.run(FINISH_REBUILD, [model.prefix, token]);
  if (Number(finished) !== 1) throw takenOver(model);
  return { appliedRevision: state.appliedRevision, primary };
}
