/**
 * The snapshot written by compaction: a header line (revision, compacted
 * mark, version, policy and registration counts) then one version per line,
 * by name and SemVer-descending within a name, as the engine holds it:
 *
 *   ["name","version",updateMs,updateRevision,deprecated,"provider","category","engine",{labels},yanked]
 *   <TAB><compact record>
 *
 * then one compatibility policy per line (`{"policy":{...}}`) and one
 * consumer registration per line (`{"consumer":{...}}`).
 *
 * The compact record (inprocess/record-codec.ts) is kept byte for byte, so
 * opening a snapshot parses only each line's small prefix and never
 * re-encodes a record, and the versions come already sorted: a million
 * versions open in seconds. JSON text never holds a raw tab, so the first
 * tab ends the prefix. The file replaces the events it covers, so it is
 * written to a temporary file and renamed into place. It is read in chunks
 * and handed over a version at a time (a million versions are larger than
 * one JavaScript string may be, and nothing of a line outlives it but the
 * version the engine keeps).
 * Formats 2 (a 9-element prefix, no policies or registrations) and 1 (one
 * JSON record per line) are still read.
 */
import { timeKey } from "../core/ordering.js";
import { withActors } from "../core/patch.js";
import { encodeRecord } from "../inprocess/record-codec.js";
import type { SnapshotSlot, VersionSlot } from "../inprocess/state.js";
import type { ComponentRecord, ConsumerRecord, PolicyRecord } from "../records.js";
import { chunkLines, type Line, readLines, replaceFile } from "./files.js";
import { corruption } from "./wal.js";

const FORMAT = "nestor-embedded-snapshot/3";
const FORMAT_PREFIXED = "nestor-embedded-snapshot/2";
const FORMAT_RECORDS = "nestor-embedded-snapshot/1";
const FORMATS: readonly unknown[] = [FORMAT, FORMAT_PREFIXED, FORMAT_RECORDS];

/** What a snapshot's header says. */
export interface SnapshotHeader {
  /** The catalog revision the versions reflect. */
  revision: number;
  /** Events with revision <= compacted are gone from the log. */
  compacted: number;
  /** Whether the versions come by name, SemVer-descending within a name (format 2). */
  sorted: boolean;
}

/** What a snapshot holds: the versions (and their count), the policies and the registrations. */
export interface SnapshotContents {
  revision: number;
  compacted: number;
  slots: Iterable<VersionSlot>;
  count: number;
  policies: readonly PolicyRecord[];
  consumers: readonly ConsumerRecord[];
}

export async function writeSnapshot(
  file: string,
  snapshot: SnapshotContents,
  options: { fsync: boolean; dir: string },
): Promise<void> {
  const header = JSON.stringify({
    format: FORMAT,
    revision: snapshot.revision,
    compacted: snapshot.compacted,
    records: snapshot.count,
    policies: snapshot.policies.length,
    consumers: snapshot.consumers.length,
  });
  function* lines(): Iterable<string> {
    yield header;
    for (const slot of snapshot.slots) {
      const prefix = [
        slot.name,
        slot.version,
        slot.updateMs,
        slot.updateRevision,
        slot.deprecated ? 1 : 0,
        slot.provider,
        slot.category,
        slot.engine,
        slot.labels,
        slot.yanked ? 1 : 0,
      ];
      yield `${JSON.stringify(prefix)}\t${slot.blob}`;
    }
    for (const policy of snapshot.policies) yield JSON.stringify({ policy });
    for (const consumer of snapshot.consumers) yield JSON.stringify({ consumer });
  }
  await replaceFile(file, chunkLines(lines()), options);
}

/** Where readSnapshot hands what it reads, as it reads it. */
export interface SnapshotSink {
  header(header: SnapshotHeader): void;
  slot(slot: SnapshotSlot): void;
  policy(policy: PolicyRecord): void;
  consumer(consumer: ConsumerRecord): void;
}

/** Lines each section of a snapshot holds, as its header promises them. */
interface Sections {
  records: number;
  policies: number;
  consumers: number;
}

/**
 * Reads the snapshot, handing its header and then each version, policy and
 * registration to `sink` as it is read; undefined when there is none.
 */
export async function readSnapshot(file: string, sink: SnapshotSink): Promise<SnapshotHeader | undefined> {
  let header: SnapshotHeader | undefined;
  let format: unknown;
  let promised: Sections = { records: 0, policies: 0, consumers: 0 };
  let count = 0;
  const found = await readLines(file, (line) => {
    if (header === undefined) {
      const raw = parseHeader(file, line.text());
      format = raw.format;
      promised = {
        records: raw.records as number,
        policies: (raw.policies as number | undefined) ?? 0,
        consumers: (raw.consumers as number | undefined) ?? 0,
      };
      header = {
        revision: raw.revision as number,
        compacted: raw.compacted as number,
        sorted: format !== FORMAT_RECORDS,
      };
      sink.header(header);
      return;
    }
    count += 1;
    if (count <= promised.records) {
      sink.slot(format === FORMAT_RECORDS ? slotOfRecordLine(file, line.number, line.text()) : slotOfLine(file, line));
    } else if (count <= promised.records + promised.policies) {
      sink.policy(registryLine(file, line.number, line.text(), "policy") as unknown as PolicyRecord);
    } else {
      sink.consumer(registryLine(file, line.number, line.text(), "consumer") as unknown as ConsumerRecord);
    }
  });
  if (!found) return undefined;
  if (header === undefined) throw corruption(file, 1, "the header is missing");
  const total = promised.records + promised.policies + promised.consumers;
  if (count !== total) {
    throw corruption(file, count + 1, `the header promises ${total} lines of records but ${count} follow`);
  }
  return header;
}

/** The object under `member` of a policy or registration line. */
function registryLine(file: string, number: number, text: string, member: "policy" | "consumer"): object {
  const value = parseObject(file, number, text)[member];
  if (value === null || typeof value !== "object") throw corruption(file, number, `the line holds no ${member}`);
  return value;
}

function parseHeader(file: string, line: string): Record<string, unknown> {
  const header = parseObject(file, 1, line);
  const { format, revision, compacted, records } = header;
  if (
    !FORMATS.includes(format) ||
    !Number.isSafeInteger(revision) ||
    !Number.isSafeInteger(compacted) ||
    !Number.isSafeInteger(records)
  ) {
    throw corruption(file, 1, `the header is not a ${FORMAT} header`);
  }
  return header;
}

function slotOfLine(file: string, line: Line): SnapshotSlot {
  const tab = line.indexOf(0x09);
  if (tab === -1) throw corruption(file, line.number, "the version has no record after its prefix");
  let prefix: unknown;
  try {
    prefix = JSON.parse(line.text(0, tab));
  } catch {
    throw corruption(file, line.number, "the version's prefix is not JSON");
  }
  // Format 2 prefixes have 9 elements (no yanked flag: nothing was yanked then).
  if (!Array.isArray(prefix) || (prefix.length !== 9 && prefix.length !== 10)) {
    throw corruption(file, line.number, "the version's prefix is not one");
  }
  const [name, version, updateMs, updateRevision, deprecated, provider, category, engine, labels, yanked] = prefix;
  return {
    name,
    version,
    updateMs,
    updateRevision,
    deprecated: deprecated === 1,
    yanked: yanked === 1,
    provider,
    category,
    engine,
    labels,
    blob: line.text(tab + 1),
  };
}

/** A format-1 line: one whole record as JSON. */
function slotOfRecordLine(file: string, number: number, line: string): SnapshotSlot {
  const record = withActors(parseObject(file, number, line) as unknown as ComponentRecord);
  return {
    name: record.name,
    version: record.version,
    updateMs: timeKey(record.updateTime),
    updateRevision: record.updateRevision,
    deprecated: record.deprecation.deprecated,
    yanked: record.yank !== undefined,
    provider: record.provider,
    category: record.category,
    engine: record.deployment.engine,
    labels: record.labels,
    blob: encodeRecord(record),
  };
}

function parseObject(file: string, line: number, text: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(text);
    if (value !== null && typeof value === "object" && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // reported below
  }
  throw corruption(file, line, "not a JSON object");
}
