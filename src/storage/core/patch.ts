/**
 * What UpdateComponent does to a stored record, defined once for every
 * backend: absent patch fields keep their value.
 */
import type { ComponentRecord, MutablePatch, WriteMeta } from "../records.js";

export function applyPatch(record: ComponentRecord, patch: MutablePatch): ComponentRecord {
  return {
    ...record,
    description: patch.description ?? record.description,
    labels: patch.labels ?? record.labels,
    deprecation: patch.deprecation ?? record.deprecation,
  };
}

/** The record an "updated" event carries: the patch applied and stamped with the write's time, revision and actor. */
export function updatedRecord(
  record: ComponentRecord,
  patch: MutablePatch,
  meta: WriteMeta,
  revision: number,
): ComponentRecord {
  return { ...applyPatch(record, patch), updateTime: meta.time, updateRevision: revision, updateActor: meta.actor };
}

/**
 * `record` with `createActor`/`updateActor` present: records persisted before
 * versions carried actors (old embedded logs, events logged by older servers,
 * DynamoDB items) lack them and read as "" (unknown). Returns `record` itself
 * when both are already there, so the common path allocates nothing.
 */
export function withActors(record: ComponentRecord): ComponentRecord {
  const stored: Partial<Pick<ComponentRecord, "createActor" | "updateActor">> = record;
  if (typeof stored.createActor === "string" && typeof stored.updateActor === "string") return record;
  return {
    ...record,
    createActor: typeof stored.createActor === "string" ? stored.createActor : "",
    updateActor: typeof stored.updateActor === "string" ? stored.updateActor : "",
  };
}
