/**
 * The stored records of the catalog's registry beside its versions
 * (compatibility policies, consumer registrations), built once for every
 * backend: what a write stores and the order listings come in.
 */
import type {
  CompatibilityMode,
  ConsumerQuery,
  ConsumerRecord,
  NewConsumerRecord,
  PolicyRecord,
  WriteMeta,
} from "../records.js";
import { compareNames } from "./ordering.js";

/** The policy record a setPolicy at `revision` stores. */
export function policyRecordOf(name: string, mode: CompatibilityMode, meta: WriteMeta, revision: number): PolicyRecord {
  return { name, mode, updateTime: meta.time, updateRevision: revision, updateActor: meta.actor };
}

/** The registration a putConsumer at `revision` stores, keeping the creation of the one it replaces. */
export function consumerRecordOf(
  existing: ConsumerRecord | undefined,
  registration: NewConsumerRecord,
  meta: WriteMeta,
  revision: number,
): ConsumerRecord {
  return {
    consumer: registration.consumer,
    name: registration.name,
    constraint: registration.constraint,
    labels: { ...registration.labels },
    createTime: existing?.createTime ?? meta.time,
    updateTime: meta.time,
    createRevision: existing?.createRevision ?? revision,
    updateRevision: revision,
    createActor: existing?.createActor ?? meta.actor,
    updateActor: meta.actor,
  };
}

/** Listing order: by consumer for one component's registrations, by component for one consumer's. */
export function sortConsumers(records: ConsumerRecord[], query: ConsumerQuery): ConsumerRecord[] {
  const key = "name" in query ? (r: ConsumerRecord) => r.consumer : (r: ConsumerRecord) => r.name;
  return records.sort((a, b) => compareNames(key(a), key(b)));
}
