/**
 * What a change of a version's mutable state (UpdateComponent, a yank, an
 * un-yank) does to a stored record and which event it is, defined once for
 * every backend: absent patch fields keep their value.
 */
import type { ComponentEvent, ComponentEventType, ComponentRecord, MutablePatch, WriteMeta } from "../records.js";
import { lifecycleOf } from "./ordering.js";

export function applyPatch(record: ComponentRecord, patch: MutablePatch): ComponentRecord {
  const { yank: _yank, ...rest } = record;
  const yank = patch.yank === undefined ? record.yank : (patch.yank ?? undefined);
  return {
    ...rest,
    description: patch.description ?? record.description,
    labels: patch.labels ?? record.labels,
    deprecation: patch.deprecation ?? record.deprecation,
    ...(yank === undefined ? {} : { yank }),
  };
}

/** The event type of a patch: "yanked" or "unyanked" when it sets `yank`, else "updated". */
export function updateEventType(patch: MutablePatch): ComponentEventType {
  if (patch.yank === undefined) return "updated";
  return patch.yank === null ? "unyanked" : "yanked";
}

/**
 * The event of `patch` applied to `record` at `revision`: the record after
 * the change, and the lifecycle flags before it. `meta.time` is the time
 * as the backend stores it.
 */
export function updateEvent(
  record: ComponentRecord,
  patch: MutablePatch,
  meta: WriteMeta,
  revision: number,
): ComponentEvent {
  return {
    revision,
    type: updateEventType(patch),
    time: meta.time,
    component: updatedRecord(record, patch, meta, revision),
    actor: meta.actor,
    before: lifecycleOf(record),
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
