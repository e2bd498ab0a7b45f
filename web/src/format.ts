/**
 * How catalog values read on the page: validation rules in words, JSON
 * values, times in UTC, SemVer pre-releases, enum names. Pure functions of
 * the generated messages, shared by every view.
 */

import type { JsonObject } from "@bufbuild/protobuf";
import { toJson } from "@bufbuild/protobuf";
import { type Timestamp, timestampDate, type Value, ValueSchema } from "@bufbuild/protobuf/wkt";
import { VersionBump } from "../../gen/ts/src/nestor/catalog/v1/catalog_service_pb.js";
import { type Validation, ValueType } from "../../gen/ts/src/nestor/catalog/v1/component_pb.js";
import { EventType } from "../../gen/ts/src/nestor/catalog/v1/events_pb.js";
import { SyncRunState, SyncTrigger } from "../../gen/ts/src/nestor/catalog/v1/sync_service_pb.js";

/** A google.protobuf.Value as compact JSON text. */
export function valueText(value: Value | undefined): string {
  return value === undefined ? "" : JSON.stringify(toJson(ValueSchema, value));
}

/** A google.protobuf.Struct as indented JSON text. */
export function structText(struct: JsonObject | undefined): string {
  return struct === undefined ? "{}" : JSON.stringify(struct, null, 2);
}

/** Each rule of an input's validation as a phrase, e.g. "at most 63 characters long". */
export function validationRules(validation: Validation | undefined, type: ValueType): string[] {
  if (validation === undefined) return [];
  const rules: string[] = [];
  const unit = type === ValueType.LIST ? "items" : "characters";
  const { minLength, maxLength, minimum, maximum } = validation;
  if (minLength !== undefined && maxLength !== undefined) rules.push(`${minLength} to ${maxLength} ${unit} long`);
  else if (minLength !== undefined) rules.push(`at least ${minLength} ${unit} long`);
  else if (maxLength !== undefined) rules.push(`at most ${maxLength} ${unit} long`);
  if (minimum !== undefined && maximum !== undefined) rules.push(`between ${minimum} and ${maximum} inclusive`);
  else if (minimum !== undefined) rules.push(`at least ${minimum}`);
  else if (maximum !== undefined) rules.push(`at most ${maximum}`);
  if (validation.pattern !== "") rules.push(`matches the pattern ${validation.pattern} in full`);
  if (validation.allowedValues.length > 0) {
    rules.push(`one of ${validation.allowedValues.map(valueText).join(", ")}`);
  }
  return rules;
}

/** SemVer pre-release: a hyphen after the core version (build metadata after '+' does not count). */
export function isPrerelease(version: string): boolean {
  return version.split("+")[0]!.includes("-");
}

/** "2030-01-01 12:00:00 UTC", or "" for an unset time. */
export function timeText(timestamp: Timestamp | undefined): string {
  if (timestamp === undefined) return "";
  return `${timestampDate(timestamp).toISOString().slice(0, 19).replace("T", " ")} UTC`;
}

/** The ISO form for a <time datetime> attribute. */
export function isoTime(timestamp: Timestamp | undefined): string {
  return timestamp === undefined ? "" : timestampDate(timestamp).toISOString();
}

export function valueTypeName(type: ValueType): string {
  return type === ValueType.UNSPECIFIED ? "unspecified" : ValueType[type].toLowerCase();
}

export function bumpName(bump: VersionBump): string {
  return bump === VersionBump.UNSPECIFIED ? "unspecified" : VersionBump[bump].toLowerCase();
}

export function eventTypeName(type: EventType): string {
  return type === EventType.UNSPECIFIED ? "unspecified" : EventType[type].toLowerCase();
}

export function syncRunStateName(state: SyncRunState): string {
  return state === SyncRunState.UNSPECIFIED ? "unspecified" : SyncRunState[state].toLowerCase();
}

export function syncTriggerName(trigger: SyncTrigger): string {
  return trigger === SyncTrigger.UNSPECIFIED ? "unspecified" : SyncTrigger[trigger].toLowerCase();
}

/** The first 12 characters of a commit hash, enough to tell commits apart on the page. */
export function shortCommit(commit: string): string {
  return commit.slice(0, 12);
}

/** "team=platform, tier=gold" parsed into a label map; undefined names the first malformed entry. */
export function parseLabels(text: string): { labels: Record<string, string>; bad?: string } {
  const labels: Record<string, string> = {};
  for (const entry of text.split(",").map((part) => part.trim())) {
    if (entry === "") continue;
    const eq = entry.indexOf("=");
    if (eq <= 0) return { labels, bad: entry };
    labels[entry.slice(0, eq).trim()] = entry.slice(eq + 1).trim();
  }
  return { labels };
}
