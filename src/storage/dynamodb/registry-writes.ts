/**
 * Write plans of the registry beside the versions: a name's compatibility
 * policy (its POLICY item) and consumer registrations (two items each, one
 * per listing). Like the version plans (writes.ts) each is the items of one
 * TransactWriteItems plus its events; the committer adds the counter update
 * conditioned on the revision the plan was read at, which is what makes the
 * existing registration the plan saw still current when it commits.
 */
import type { TransactWriteItem } from "@aws-sdk/client-dynamodb";
import { consumerNotFound } from "../core/errors.js";
import { consumerRecordOf, policyRecordOf } from "../core/registry.js";
import type {
  CompatibilityMode,
  ConsumerEvent,
  ConsumerRecord,
  NewConsumerRecord,
  PolicyEvent,
  WriteMeta,
} from "../records.js";
import { consumerItems, consumerKeys, policyItem } from "./models.js";
import { checkItemSize, conflict, eventPut, type WritePlan } from "./writes.js";

export function planSetPolicy(
  revision: number,
  name: string,
  mode: CompatibilityMode,
  meta: WriteMeta,
): WritePlan<PolicyEvent> {
  const next = revision + 1;
  const policy = policyRecordOf(name, mode, meta, next);
  const event: PolicyEvent = { revision: next, type: "policy_changed", time: meta.time, policy, actor: meta.actor };
  const items: TransactWriteItem[] = [{ Put: { TableName: "", Item: policyItem(policy) } }, eventPut(event)];
  return { events: [event], items, conditionFailed: conflict };
}

export function planPutConsumer(
  existing: ConsumerRecord | undefined,
  revision: number,
  registration: NewConsumerRecord,
  meta: WriteMeta,
): WritePlan<ConsumerEvent> {
  const next = revision + 1;
  const consumer = consumerRecordOf(existing, structuredClone(registration), meta, next);
  const event: ConsumerEvent = {
    revision: next,
    type: "consumer_registered",
    time: meta.time,
    consumer,
    actor: meta.actor,
  };
  const items: TransactWriteItem[] = consumerItems(consumer).map((item) => {
    checkItemSize(item, `consumer "${consumer.consumer}" of "${consumer.name}"`);
    return { Put: { TableName: "", Item: item } };
  });
  return { events: [event], items: [...items, eventPut(event)], conditionFailed: conflict };
}

export function planDeleteConsumer(
  existing: ConsumerRecord | undefined,
  revision: number,
  consumer: string,
  name: string,
  meta: WriteMeta,
): WritePlan<ConsumerEvent> {
  if (existing === undefined) throw consumerNotFound(consumer, name);
  const event: ConsumerEvent = {
    revision: revision + 1,
    type: "consumer_deregistered",
    time: meta.time,
    consumer: existing,
    actor: meta.actor,
  };
  const deletes: TransactWriteItem[] = consumerKeys(consumer, name).map((Key) => ({ Delete: { TableName: "", Key } }));
  return { events: [event], items: [...deletes, eventPut(event)], conditionFailed: conflict };
}
