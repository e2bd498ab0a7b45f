/**
 * One stored version as the in-process engine keeps it: the record's
 * compact form (record-codec.ts) plus the few fields that keys, indexes and
 * filters read without decoding it. Repeated values are shared: strings
 * (versions, providers, categories, engines, label keys and values)
 * and whole label sets, so a catalog of many versions holds each once and
 * a slot costs its own object, its compact form and its update time.
 *
 * Why: the slots are most of a serving process's live heap (100,000
 * versions: ~140 MB of ~200 MB), and a full collection marks every live
 * object on the process's core. In bench/unary's memory catalog (heap
 * snapshot of a primed server under load) each version's own labels object
 * was 100,000 of the heap's 1.36 million objects; shared, they are 34 and
 * the heap 1.26 million. Versions read back from a log or a snapshot also
 * carried their own copy of the version string, 100,000 more.
 */
import { versionKey } from "../../semver/index.js";
import type { FilterFields } from "../core/filter.js";
import { timeKey } from "../core/ordering.js";
import type { ComponentRecord } from "../records.js";

export interface VersionSlot extends FilterFields {
  readonly name: string;
  readonly version: string;
  /** versionKey(version): the same string as `version` unless it carries build metadata. */
  readonly key: string;
  readonly updateMs: number;
  readonly updateRevision: number;
  /** Set while the version is yanked: no "latest" or constraint resolves to it. */
  readonly yanked: boolean;
  /** The record's compact form. */
  readonly blob: string;
}

/** A slot's fields as a record or a snapshot line gives them, before sharing. */
export type SlotFields = Omit<VersionSlot, "name" | "key">;

/**
 * How many distinct strings, and distinct label sets, an Interner remembers. Past that, a new value is kept
 * as it comes: a catalog whose values are mostly distinct gains nothing from sharing, and the tables stay
 * bounded whatever it stores (values of deleted versions are not forgotten).
 */
export const INTERNER_CAPACITY = 65_536;

const EMPTY_LABELS: Readonly<Record<string, string>> = Object.freeze({});

/** Gives back one shared copy of each distinct string, and of each distinct label set, it is handed. */
export class Interner {
  private readonly strings = new Map<string, string>();
  private readonly labelSets = new Map<string, Readonly<Record<string, string>>>();

  intern(value: string): string {
    const known = this.strings.get(value);
    if (known !== undefined) return known;
    if (this.strings.size < INTERNER_CAPACITY) this.strings.set(value, value);
    return value;
  }

  /** A frozen label set equal to `labels`: the same object for the same keys and values in the same order. */
  labels(labels: Readonly<Record<string, string>>): Readonly<Record<string, string>> {
    const keys = Object.keys(labels);
    if (keys.length === 0) return EMPTY_LABELS;
    const id = JSON.stringify(labels);
    const known = this.labelSets.get(id);
    if (known !== undefined) return known;
    const interned: Record<string, string> = {};
    for (const key of keys) interned[this.intern(key)] = this.intern(labels[key] as string);
    Object.freeze(interned);
    if (this.labelSets.size < INTERNER_CAPACITY) this.labelSets.set(id, interned);
    return interned;
  }

  /** The slot of `fields` under `name` (the entry's own copy of the name), its repeated values shared. */
  slot(name: string, fields: SlotFields): VersionSlot {
    const version = this.intern(fields.version);
    const key = versionKey(version);
    return {
      name,
      version,
      key: key === version ? version : this.intern(key),
      updateMs: fields.updateMs,
      updateRevision: fields.updateRevision,
      deprecated: fields.deprecated,
      yanked: fields.yanked,
      provider: this.intern(fields.provider),
      category: this.intern(fields.category),
      engine: this.intern(fields.engine),
      labels: this.labels(fields.labels),
      blob: fields.blob,
    };
  }
}

/** The slot of `record` whose compact form is `blob`; `name` is the entry's own copy of the name. */
export function slotOf(record: ComponentRecord, blob: string, name: string, strings: Interner): VersionSlot {
  return strings.slot(name, {
    version: record.version,
    updateMs: timeKey(record.updateTime),
    updateRevision: record.updateRevision,
    deprecated: record.deprecation.deprecated,
    yanked: record.yank !== undefined,
    provider: record.provider,
    category: record.category,
    engine: record.deployment.engine,
    labels: record.labels,
    blob,
  });
}
