/**
 * GetImpact: what a change would do to each registered consumer of a name
 * before anyone makes it. The change (a publish, a deprecation, a yank) is
 * applied to the name's versions in memory only, each consumer's constraint
 * is resolved against the versions before and after (resolution.ts, the
 * rule every read follows), and a move between versions is judged by the
 * compatibility diff (compatibility.ts). Resolutions and diffs are computed
 * once per distinct constraint and pair of versions, so a name with a
 * thousand consumers sharing a few constraints costs a few resolutions.
 */
import { CatalogError, REASONS } from "../errors/index.js";
import { versionKey } from "../semver/index.js";
import type { ComponentRecord, ConsumerRecord } from "../storage/records.js";
import type { ReadView } from "../storage/store.js";
import { type CompatibilityReport, compareContent } from "./compatibility.js";
import { contentOf } from "./content.js";
import { checkExactVersion, requireComponentName } from "./request-checks.js";
import type { PublishResult, ReadOptions } from "./requests.js";
import { type Resolvable, resolvableOf, resolveAmong, versionNotFound } from "./resolution.js";
import { parseSelectorCached } from "./resolution-cache.js";
import type { ComponentDraft } from "./validation.js";

/** The change GetImpact weighs; exactly one. */
export type ImpactChange =
  | { kind: "publish"; draft: ComponentDraft }
  | { kind: "deprecate"; version: string }
  | { kind: "yank"; version: string };

export interface ConsumerImpact {
  consumer: ConsumerRecord;
  /** The version the constraint resolves to now; absent when none. */
  currentVersion?: string;
  /** The version it would resolve to after the change; absent when none. */
  nextVersion?: string;
  changed: boolean;
  /** The move breaks the consumer: a breaking diff, or a resolution lost. */
  breaking: boolean;
  /** The diff from the current version's spec to the next one's; empty unless both exist and differ. */
  report?: CompatibilityReport;
}

export interface ImpactResult {
  impacts: ConsumerImpact[];
  revision: number;
}

/** A publish as CreateComponent's validate_only checks it: the record it would store, or the refusal. */
export type PublishPreview = (draft: ComponentDraft) => Promise<PublishResult>;

type Candidate = Resolvable & { record: ComponentRecord };

export class Impact {
  constructor(
    private readonly readView: (options: ReadOptions) => Promise<ReadView>,
    private readonly preview: PublishPreview,
  ) {}

  /** GetImpact: one entry per registered consumer of `name`, by consumer id. */
  async of(name: string, change: ImpactChange | undefined, options: ReadOptions = {}): Promise<ImpactResult> {
    requireComponentName(name, "name");
    if (change === undefined) {
      throw CatalogError.invalid([
        {
          field: "change",
          description: "is required: set one of component, deprecateVersion and yankVersion",
          reason: REASONS.required,
        },
      ]);
    }
    if (change.kind !== "publish") checkExactVersion(change.version, `${change.kind}Version`);
    const published = change.kind === "publish" ? await this.publishPreview(name, change.draft) : undefined;
    const { revision, reader } = await this.readView(options);
    const [versions, consumers] = await Promise.all([reader.listVersions(name), reader.listConsumers({ name })]);
    const before = versions.map(resolvableOf);
    let after: Candidate[];
    if (change.kind === "publish") {
      after = published === undefined ? before : [...before, resolvableOf(published)];
    } else {
      const key = versionKey(change.version);
      if (!before.some((item) => versionKey(item.version) === key)) {
        throw await versionNotFound(reader, name, `version ${change.version}`);
      }
      const changed = (item: Candidate): Candidate =>
        change.kind === "deprecate" ? { ...item, deprecated: true } : { ...item, yanked: true };
      after = before.map((item) => (versionKey(item.version) === key ? changed(item) : item));
    }
    return { impacts: impactsOf(consumers, before, after), revision };
  }

  /** The record a publish would store; undefined when it would store nothing (the same content again). */
  private async publishPreview(name: string, draft: ComponentDraft): Promise<ComponentRecord | undefined> {
    if (draft.name !== "" && draft.name !== name) {
      throw CatalogError.invalid([
        {
          field: "component.name",
          description: `must be empty or ${name} (the name)`,
          reason: REASONS.conflictingFields,
        },
      ]);
    }
    const result = await this.preview({ ...draft, name });
    return result.created ? result.component : undefined;
  }
}

/** Each consumer's move, resolving each distinct constraint and diffing each distinct pair once. */
function impactsOf(consumers: readonly ConsumerRecord[], before: Candidate[], after: Candidate[]): ConsumerImpact[] {
  const moves = new Map<string, [Candidate | undefined, Candidate | undefined]>();
  const reports = new Map<string, CompatibilityReport>();
  return consumers.map((consumer) => {
    let move = moves.get(consumer.constraint);
    if (move === undefined) {
      const parsed = parseSelectorCached(consumer.constraint);
      move = "error" in parsed ? [undefined, undefined] : [resolveAmong(before, parsed), resolveAmong(after, parsed)];
      moves.set(consumer.constraint, move);
    }
    const [current, next] = move;
    const impact: ConsumerImpact = { consumer, changed: current?.version !== next?.version, breaking: false };
    if (current !== undefined) impact.currentVersion = current.version;
    if (next !== undefined) impact.nextVersion = next.version;
    if (current !== undefined && next === undefined) impact.breaking = true;
    if (current !== undefined && next !== undefined && impact.changed) {
      const key = `${current.version} ${next.version}`;
      let report = reports.get(key);
      if (report === undefined) {
        report = compareContent(contentOf(current.record), contentOf(next.record));
        reports.set(key, report);
      }
      impact.report = report;
      impact.breaking = report.breaking;
    }
    return impact;
  });
}
