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
 * (a million versions are larger than one JavaScript string may be).
 * Format 1 (one JSON record per line) is still read.
 */
import { open } from "node:fs/promises";
import { timeKey } from "../core/ordering.js";
import { withActors } from "../core/patch.js";
import { encodeRecord } from "../inprocess/record-codec.js";
import type { SnapshotSlot, VersionSlot } from "../inprocess/state.js";
import type { ComponentRecord } from "../records.js";
import { chunkLines, isErrno, replaceFile } from "./files.js";
import { corruption } from "./wal.js";

const FORMAT = "nestor-embedded-snapshot/2";
const FORMAT_RECORDS = "nestor-embedded-snapshot/1";
const READ_CHUNK = 16 * 1024 * 1024;

export interface Snapshot {
  /** The catalog revision the versions reflect. */
  revision: number;
  /** Events with revision <= compacted are gone from the log. */
  compacted: number;
  slots: SnapshotSlot[];
  /** Whether the versions come by name, SemVer-descending within a name. */
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

export async function readSnapshot(file: string): Promise<Snapshot | undefined> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(file, "r");
  } catch (err) {
    if (isErrno(err, "ENOENT")) return undefined;
    throw err;
  }
  try {
    let header: Record<string, unknown> | undefined;
    let count = 0;
    const slots: SnapshotSlot[] = [];
    for await (const line of linesOf(handle)) {
      if (header === undefined) {
        header = parseHeader(file, line.text());
        count = header.records as number;
        continue;
      }
      slots.push(header.format === FORMAT ? slotOfLine(file, line) : slotOfRecordLine(file, line.number, line.text()));
    }
    if (header === undefined) throw corruption(file, 1, "the header is missing");
    if (slots.length !== count) {
      throw corruption(file, slots.length + 1, `the header promises ${count} records but ${slots.length} follow`);
    }
    return {
      revision: header.revision as number,
      compacted: header.compacted as number,
      slots,
      sorted: header.format === FORMAT,
    };
  } finally {
    await handle.close();
  }
}

/** One line of the file: its bytes in the read buffer, decoded on demand (each decode is a fresh, flat string). */
interface Line {
  number: number;
  buffer: Buffer;
  start: number;
  end: number;
  text(from?: number, to?: number): string;
}

/** The file's lines (without newlines), a chunk of bytes at a time. */
async function* linesOf(handle: Awaited<ReturnType<typeof open>>): AsyncIterable<Line> {
  let buffer = Buffer.allocUnsafe(READ_CHUNK);
  let filled = 0;
  let number = 0;
  for (;;) {
    if (filled === buffer.length) {
      // A line longer than the buffer: grow it.
      const larger = Buffer.allocUnsafe(buffer.length * 2);
      buffer.copy(larger, 0, 0, filled);
      buffer = larger;
    }
    const { bytesRead } = await handle.read(buffer, filled, buffer.length - filled, null);
    const end = filled + bytesRead;
    let start = 0;
    for (let newline = buffer.indexOf(0x0a, start); newline !== -1 && newline < end; ) {
      number += 1;
      yield lineOf(buffer, start, newline, number);
      start = newline + 1;
      newline = buffer.indexOf(0x0a, start);
      if (newline >= end) break;
    }
    if (bytesRead === 0) {
      if (start < end) yield lineOf(buffer, start, end, number + 1);
      return;
    }
    buffer.copy(buffer, 0, start, end);
    filled = end - start;
  }
}

function lineOf(buffer: Buffer, start: number, end: number, number: number): Line {
  return {
    number,
    buffer,
    start,
    end,
    text: (from = start, to = end) => buffer.toString("utf8", from, to),
  };
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
  const tab = line.buffer.indexOf(0x09, line.start);
  if (tab === -1 || tab >= line.end) throw corruption(file, line.number, "the version has no record after its prefix");
  let prefix: unknown;
  try {
    prefix = JSON.parse(line.text(line.start, tab));
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
    blob: line.text(tab + 1, line.end),
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
