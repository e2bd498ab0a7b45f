/**
 * The write path's first half: check a write against the current state and
 * build its events (with their revisions and full records) without changing
 * anything. The caller persists the events, then applies them.
 */
import { sortDescending, versionKey } from "../../semver/index.js";
import {
  checkExpectedRevision,
  componentNotFound,
  consumerNotFound,
  versionExists,
  versionNotFound,
} from "../core/errors.js";
import { frozenCopy } from "../core/freeze.js";
import { updateEvent } from "../core/patch.js";
import { consumerRecordOf, policyRecordOf } from "../core/registry.js";
import type {
  CompatibilityMode,
  ComponentEvent,
  ComponentRecord,
  ConsumerEvent,
  MutablePatch,
  NewComponentRecord,
  NewConsumerRecord,
  PolicyEvent,
  WriteMeta,
} from "../records.js";
import type { CatalogState, VersionSlot } from "./state.js";

/** A slot's record, decoded (the store's RecordDecoder). */
export type Decode = (slot: VersionSlot) => ComponentRecord;

export function planInsert(state: CatalogState, record: NewComponentRecord, meta: WriteMeta): ComponentEvent {
  const existing = state.getSlot(record.name, record.version);
  if (existing) throw versionExists(existing);
  const revision = state.revision + 1;
  const stored: ComponentRecord = {
    ...frozenCopy(record),
    createTime: meta.time,
    updateTime: meta.time,
    createRevision: revision,
    updateRevision: revision,
    createActor: meta.actor,
    updateActor: meta.actor,
  };
  return { revision, type: "created", time: meta.time, component: stored, actor: meta.actor };
}

export function planUpdate(
  state: CatalogState,
  decode: Decode,
  name: string,
  version: string,
  patch: MutablePatch,
  meta: WriteMeta,
  expectedRevision: number | undefined,
): ComponentEvent {
  const existing = decode(requireVersion(state, name, version));
  checkExpectedRevision(existing, expectedRevision);
  return updateEvent(existing, frozenCopy(patch), meta, state.revision + 1);
}

export function planDelete(
  state: CatalogState,
  decode: Decode,
  name: string,
  versions: readonly string[] | "all",
  meta: WriteMeta,
  expectedRevision: number | undefined,
): ComponentEvent[] {
  let targets: ComponentRecord[];
  if (versions === "all") {
    const entry = state.entry(name);
    if (!entry || entry.sorted.length === 0) throw componentNotFound(name);
    targets = entry.sorted.map(decode);
  } else {
    const byKey = new Map<string, ComponentRecord>();
    for (const version of versions) byKey.set(versionKey(version), decode(requireVersion(state, name, version)));
    targets = sortDescending([...byKey.values()], (r) => r.version);
    if (versions.length === 1 && targets[0]) checkExpectedRevision(targets[0], expectedRevision);
  }
  return targets.map((component, i) => ({
    revision: state.revision + 1 + i,
    type: "deleted",
    time: meta.time,
    component,
    actor: meta.actor,
  }));
}

function requireVersion(state: CatalogState, name: string, version: string): VersionSlot {
  const slot = state.getSlot(name, version);
  if (!slot) throw versionNotFound(name, version);
  return slot;
}

export function planSetPolicy(
  state: CatalogState,
  name: string,
  mode: CompatibilityMode,
  meta: WriteMeta,
): PolicyEvent {
  const revision = state.revision + 1;
  const policy = policyRecordOf(name, mode, meta, revision);
  return { revision, type: "policy_changed", time: meta.time, policy, actor: meta.actor };
}

export function planPutConsumer(state: CatalogState, registration: NewConsumerRecord, meta: WriteMeta): ConsumerEvent {
  const revision = state.revision + 1;
  const existing = state.registry.consumer(registration.consumer, registration.name);
  const consumer = consumerRecordOf(existing, frozenCopy(registration), meta, revision);
  return { revision, type: "consumer_registered", time: meta.time, consumer, actor: meta.actor };
}

export function planDeleteConsumer(
  state: CatalogState,
  consumer: string,
  name: string,
  meta: WriteMeta,
): ConsumerEvent {
  const existing = state.registry.consumer(consumer, name);
  if (existing === undefined) throw consumerNotFound(consumer, name);
  return {
    revision: state.revision + 1,
    type: "consumer_deregistered",
    time: meta.time,
    consumer: existing,
    actor: meta.actor,
  };
}
