/**
 * The snapshot written by compaction: a header line (revision, compacted
 * mark, record count) then one record per line. It replaces the events it
 * covers, so it is written to a temporary file and renamed into place.
 */
import { readFile } from "node:fs/promises";
import type { ComponentRecord } from "../records.js";
import { chunkLines, isErrno, replaceFile } from "./files.js";
import { corruption } from "./wal.js";

const FORMAT = "nestor-embedded-snapshot/1";

export interface Snapshot {
  /** The catalog revision the records reflect. */
  revision: number;
  /** Events with revision <= compacted are gone from the log. */
  compacted: number;
  records: ComponentRecord[];
}

export async function writeSnapshot(
  file: string,
  snapshot: { revision: number; compacted: number; records: Iterable<ComponentRecord> },
  options: { fsync: boolean; dir: string },
): Promise<void> {
  const records = [...snapshot.records];
  const header = JSON.stringify({
    format: FORMAT,
    revision: snapshot.revision,
    compacted: snapshot.compacted,
    records: records.length,
  });
  function* lines(): Iterable<string> {
    yield header;
    for (const record of records) yield JSON.stringify(record);
  }
  await replaceFile(file, chunkLines(lines()), options);
}

export async function readSnapshot(file: string): Promise<Snapshot | undefined> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    if (isErrno(err, "ENOENT")) return undefined;
    throw err;
  }
  const lines = text.split("\n");
  if (lines.at(-1) === "") lines.pop();
  const header = parseLine(file, 1, lines[0] ?? "");
  const { format, revision, compacted, records: count } = header;
  if (
    format !== FORMAT ||
    !Number.isSafeInteger(revision) ||
    !Number.isSafeInteger(compacted) ||
    !Number.isSafeInteger(count)
  ) {
    throw corruption(file, 1, `the header is not a ${FORMAT} header`);
  }
  if (lines.length - 1 !== count) {
    throw corruption(file, lines.length, `the header promises ${String(count)} records but ${lines.length - 1} follow`);
  }
  const records = lines.slice(1).map((line, i) => parseLine(file, i + 2, line) as unknown as ComponentRecord);
  return { revision: revision as number, compacted: compacted as number, records };
}

function parseLine(file: string, line: number, text: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(text);
    if (value !== null && typeof value === "object" && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // reported below
  }
  throw corruption(file, line, "not a JSON object");
}
