/**
 * What UpdateComponent does to a stored record, defined once for every
 * backend: absent patch fields keep their value.
 */
import type { ComponentRecord, MutablePatch, WriteMeta } from "./records.js";

export function applyPatch(record: ComponentRecord, patch: MutablePatch): ComponentRecord {
  return {
    ...record,
    description: patch.description ?? record.description,
    labels: patch.labels ?? record.labels,
    deprecation: patch.deprecation ?? record.deprecation,
  };
}

/** The record an "updated" event carries: the patch applied and stamped with the write's time and revision. */
export function updatedRecord(record: ComponentRecord, patch: MutablePatch, meta: WriteMeta, revision: number): ComponentRecord {
  return { ...applyPatch(record, patch), updateTime: meta.time, updateRevision: revision };
}
