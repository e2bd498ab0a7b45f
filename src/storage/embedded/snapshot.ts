/**
 * The snapshot written by compaction: a header line (revision, compacted
 * mark, version count) then one version per line, by name and SemVer-
 * descending within a name, as the engine holds it:
 *
 *   ["name","version",updateMs,updateRevision,deprecated,"provider","category","engine",{labels}]<TAB><compact record>
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
 * Format 1 (one JSON record per line) is still read.
 */
import { timeKey } from "../core/ordering.js";
import { withActors } from "../core/patch.js";
import { encodeRecord } from "../inprocess/record-codec.js";
import type { SnapshotSlot, VersionSlot } from "../inprocess/state.js";
import type { ComponentRecord } from "../records.js";
import { chunkLines, type Line, readLines, replaceFile } from "./files.js";
import { corruption } from "./wal.js";

const FORMAT = "nestor-embedded-snapshot/2";
const FORMAT_RECORDS = "nestor-embedded-snapshot/1";

/** What a snapshot's header says. */
export interface SnapshotHeader {
  /** The catalog revision the versions reflect. */
  revision: number;
  /** Events with revision <= compacted are gone from the log. */
  compacted: number;
  /** Whether the versions come by name, SemVer-descending within a name (format 2). */
  sorted: boolean;
}

export async function writeSnapshot(
  file: string,
  snapshot: { revision: number; compacted: number; slots: Iterable<VersionSlot>; count: number },
  options: { fsync: boolean; dir: string },
): Promise<void> {
  const header = JSON.stringify({
    format: FORMAT,
    revision: snapshot.revision,
    compacted: snapshot.compacted,
    records: snapshot.count,
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
      ];
      yield `${JSON.stringify(prefix)}\t${slot.blob}`;
    }
  }
  await replaceFile(file, chunkLines(lines()), options);
}

/**
 * Reads the snapshot, handing its header to `onHeader` and then each version
 * to `onSlot` as it is read; undefined when there is none.
 */
export async function readSnapshot(
  file: string,
  onHeader: (header: SnapshotHeader) => void,
  onSlot: (slot: SnapshotSlot) => void,
): Promise<SnapshotHeader | undefined> {
  let header: SnapshotHeader | undefined;
  let format: unknown;
  let promised = 0;
  let count = 0;
  const found = await readLines(file, (line) => {
    if (header === undefined) {
      const raw = parseHeader(file, line.text());
      format = raw.format;
      promised = raw.records as number;
      header = { revision: raw.revision as number, compacted: raw.compacted as number, sorted: format === FORMAT };
      onHeader(header);
      return;
    }
    count += 1;
    onSlot(format === FORMAT ? slotOfLine(file, line) : slotOfRecordLine(file, line.number, line.text()));
  });
  if (!found) return undefined;
  if (header === undefined) throw corruption(file, 1, "the header is missing");
  if (count !== promised) {
    throw corruption(file, count + 1, `the header promises ${promised} records but ${count} follow`);
  }
  return header;
}

function parseHeader(file: string, line: string): Record<string, unknown> {
  const header = parseObject(file, 1, line);
  const { format, revision, compacted, records } = header;
  if (
    (format !== FORMAT && format !== FORMAT_RECORDS) ||
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
  if (!Array.isArray(prefix) || prefix.length !== 9) {
    throw corruption(file, line.number, "the version's prefix is not one");
  }
  const [name, version, updateMs, updateRevision, deprecated, provider, category, engine, labels] = prefix;
  return {
    name,
    version,
    updateMs,
    updateRevision,
    deprecated: deprecated === 1,
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
