/**
 * One stored version as the in-process engine keeps it: the record's
 * compact form (record-codec.ts) plus the few fields that keys, indexes and
 * filters read without decoding it. Repeated strings (providers,
 * categories, engines, label keys and values, actors) are interned, so a
 * catalog of many versions holds each once.
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

/** Gives back one shared copy of each distinct string it is handed. */
export class Interner {
  private readonly strings = new Map<string, string>();

  intern(value: string): string {
    const known = this.strings.get(value);
    if (known !== undefined) return known;
    this.strings.set(value, value);
    return value;
  }

  labels(labels: Readonly<Record<string, string>>): Readonly<Record<string, string>> {
    const keys = Object.keys(labels);
    if (keys.length === 0) return EMPTY_LABELS;
    const interned: Record<string, string> = {};
    for (const key of keys) interned[this.intern(key)] = this.intern(labels[key] as string);
    return Object.freeze(interned);
  }
}

const EMPTY_LABELS: Readonly<Record<string, string>> = Object.freeze({});

/** The slot of `record` whose compact form is `blob`; `name` is the entry's own copy of the name. */
export function slotOf(record: ComponentRecord, blob: string, name: string, strings: Interner): VersionSlot {
  const key = versionKey(record.version);
  return {
    name,
    version: record.version,
    key: key === record.version ? record.version : key,
    updateMs: timeKey(record.updateTime),
    updateRevision: record.updateRevision,
    deprecated: record.deprecation.deprecated,
    yanked: record.yank !== undefined,
    provider: strings.intern(record.provider),
    category: strings.intern(record.category),
    engine: strings.intern(record.deployment.engine),
    labels: strings.labels(record.labels),
    blob,
  };
}
