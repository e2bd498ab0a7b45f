/**
 * The in-process engine's registry beside its versions: compatibility
 * policies by name and consumer registrations, indexed both by component
 * and by consumer so either listing reads only its own entries. Records
 * are kept deep-frozen (the objects live writes' events carry), so they are
 * handed out without copying.
 */

import { deepFreeze } from "../core/freeze.js";
import { sortConsumers } from "../core/registry.js";
import type { ConsumerQuery, ConsumerRecord, PolicyRecord } from "../records.js";

export class RegistryState {
  private readonly policyByName = new Map<string, PolicyRecord>();
  private readonly byComponent = new Map<string, Map<string, ConsumerRecord>>();
  private readonly byConsumer = new Map<string, Map<string, ConsumerRecord>>();

  policy(name: string): PolicyRecord | undefined {
    return this.policyByName.get(name);
  }

  setPolicy(record: PolicyRecord): void {
    this.policyByName.set(record.name, deepFreeze(record));
  }

  consumer(consumer: string, name: string): ConsumerRecord | undefined {
    return this.byConsumer.get(consumer)?.get(name);
  }

  putConsumer(stored: ConsumerRecord): void {
    const record = deepFreeze(stored);
    entriesOf(this.byComponent, record.name).set(record.consumer, record);
    entriesOf(this.byConsumer, record.consumer).set(record.name, record);
  }

  deleteConsumer(consumer: string, name: string): void {
    removeEntry(this.byComponent, name, consumer);
    removeEntry(this.byConsumer, consumer, name);
  }

  listConsumers(query: ConsumerQuery): ConsumerRecord[] {
    const entries = "name" in query ? this.byComponent.get(query.name) : this.byConsumer.get(query.consumer);
    return sortConsumers([...(entries?.values() ?? [])], query);
  }

  /** Every policy (for snapshots), by name. */
  policies(): PolicyRecord[] {
    return [...this.policyByName.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** Every registration (for snapshots), by consumer, then component. */
  *consumers(): Iterable<ConsumerRecord> {
    for (const consumer of [...this.byConsumer.keys()].sort()) {
      yield* this.listConsumers({ consumer });
    }
  }

  get policyCount(): number {
    return this.policyByName.size;
  }

  get consumerCount(): number {
    let count = 0;
    for (const entries of this.byConsumer.values()) count += entries.size;
    return count;
  }
}

function entriesOf(index: Map<string, Map<string, ConsumerRecord>>, key: string): Map<string, ConsumerRecord> {
  let entries = index.get(key);
  if (entries === undefined) {
    entries = new Map();
    index.set(key, entries);
  }
  return entries;
}

function removeEntry(index: Map<string, Map<string, ConsumerRecord>>, key: string, member: string): void {
  const entries = index.get(key);
  if (entries === undefined) return;
  entries.delete(member);
  if (entries.size === 0) index.delete(key);
}
