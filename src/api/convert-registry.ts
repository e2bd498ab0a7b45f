/**
 * Mapping between the wire types and the domain records of the catalog's
 * registry beside its versions: compatibility policies and modes, consumer
 * registrations. convert.ts maps versions and events.
 */
import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import {
  type CompatibilityPolicy,
  CompatibilityPolicySchema,
  type Consumer,
  ConsumerSchema,
  CompatibilityMode as WireMode,
} from "../../gen/ts/src/nestor/catalog/v1/registry_pb.js";
import type { CompatibilityMode, ConsumerRecord, PolicyRecord } from "../storage/records.js";

export const MODE_TO_WIRE: Record<CompatibilityMode, WireMode> = {
  none: WireMode.NONE,
  backward: WireMode.BACKWARD,
  forward: WireMode.FORWARD,
  full: WireMode.FULL,
  backward_transitive: WireMode.BACKWARD_TRANSITIVE,
  forward_transitive: WireMode.FORWARD_TRANSITIVE,
  full_transitive: WireMode.FULL_TRANSITIVE,
};

const WIRE_TO_MODE = new Map<WireMode, CompatibilityMode>(
  Object.entries(MODE_TO_WIRE).map(([domain, wire]) => [wire, domain as CompatibilityMode]),
);

/** The domain mode of a wire mode; undefined for UNSPECIFIED and values this server does not know. */
export function modeFromWire(mode: WireMode): CompatibilityMode | undefined {
  return WIRE_TO_MODE.get(mode);
}

const time = (iso: string) => timestampFromDate(new Date(iso));

export function policyToWire(policy: PolicyRecord): CompatibilityPolicy {
  return create(CompatibilityPolicySchema, {
    name: policy.name,
    mode: MODE_TO_WIRE[policy.mode],
    ...(policy.updateRevision > 0 ? { updateTime: time(policy.updateTime) } : {}),
    updateRevision: BigInt(policy.updateRevision),
    updateActor: policy.updateActor,
  });
}

export function consumerToWire(record: ConsumerRecord): Consumer {
  return create(ConsumerSchema, {
    consumer: record.consumer,
    name: record.name,
    constraint: record.constraint,
    labels: record.labels,
    createTime: time(record.createTime),
    updateTime: time(record.updateTime),
    createRevision: BigInt(record.createRevision),
    updateRevision: BigInt(record.updateRevision),
    createActor: record.createActor,
    updateActor: record.updateActor,
  });
}
