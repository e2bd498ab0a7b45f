/**
 * The write-ahead log: one JSON line per event, `{"batch":b,"of":k,"event":…}`
 * where b is the revision of the write's first event and k its event count.
 * A write's lines go to disk in one append; on recovery a write is kept only
 * when all k of its lines are present, so a torn multi-version delete is
 * dropped whole instead of half-applied.
 */
import { CatalogError } from "../../errors/index.js";
import type { CatalogEvent } from "../records.js";
import { readLines } from "./files.js";

interface WalEntry {
  batch: number;
  of: number;
  event: CatalogEvent;
}

/** The lines (without newlines) of one write. */
export function walLines(events: readonly CatalogEvent[]): string[] {
  const first = events[0]?.revision ?? 0;
  return events.map((event) => JSON.stringify({ batch: first, of: events.length, event }));
}

/** The bytes appended for one write: every line of the batch, newline-terminated. */
export function encodeWrite(events: readonly CatalogEvent[]): Buffer {
  return Buffer.from(`${walLines(events).join("\n")}\n`, "utf8");
}

export interface WalContents {
  /** Events of every complete write, in log order. */
  events: CatalogEvent[];
  /** Byte length of the log up to the end of the last complete write. */
  validBytes: number;
  /** Set when a torn tail follows the last complete write and must be cut off. */
  tornTail?: { line: number; reason: string; bytes: number };
}

export function corruption(file: string, line: number, reason: string): CatalogError {
  return new CatalogError(
    "INTERNAL",
    `${file} is corrupt at line ${line}: ${reason}; the store refuses to open rather than lose data ` +
      `(restore the data directory from a backup, or move the file away to start empty)`,
  );
}

function parseEntry(text: string): WalEntry | string {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return "not valid JSON";
  }
  if (value === null || typeof value !== "object") return "not a log entry";
  const { batch, of, event } = value as Record<string, unknown>;
  if (!Number.isSafeInteger(batch) || !Number.isSafeInteger(of) || (of as number) < 1) {
    return "missing batch or of";
  }
  if (event === null || typeof event !== "object") return "missing event";
  const { revision, type } = event as Record<string, unknown>;
  const payload = payloadOf(event as Record<string, unknown>);
  if (!Number.isSafeInteger(revision) || typeof type !== "string" || payload === null || typeof payload !== "object") {
    return "the event lacks revision, type or payload";
  }
  return { batch: batch as number, of: of as number, event: event as CatalogEvent };
}

/** An event's payload: its component, policy or registration, by kind. */
function payloadOf(event: Record<string, unknown>): unknown {
  if (event.type === "policy_changed") return event.policy;
  if (event.type === "consumer_registered" || event.type === "consumer_deregistered") return event.consumer;
  return event.component;
}

/** What scanning the log found besides its writes. */
export interface WalScan {
  /** Byte length of the log up to the end of the last complete write. */
  validBytes: number;
  /** Set when a torn tail follows the last complete write and must be cut off. */
  tornTail?: { line: number; reason: string; bytes: number };
}

/**
 * Reads the log a chunk at a time, handing each complete write's events to
 * `onWrite` in order (nothing of a line outlives it but what `onWrite`
 * keeps). A damaged tail (an unterminated or unparseable last line, or a
 * write missing some of its lines at the end) is reported in `tornTail`;
 * damage followed by intact lines throws a corruption error naming the file
 * and line.
 */
export async function scanWal(file: string, onWrite: (events: CatalogEvent[]) => void): Promise<WalScan> {
  let validBytes = 0;
  let size = 0;
  let lastRevision: number | undefined;
  let pending: { entries: WalEntry[]; line: number } | undefined;
  let damage: { line: number; reason: string } | undefined;
  let lastLine = 0;
  await readLines(file, (line) => {
    lastLine = line.number;
    size = line.next;
    if (!line.terminated) {
      damage ??= { line: line.number, reason: "the last line is unterminated" };
      return;
    }
    if (damage) throw corruption(file, damage.line, damage.reason);
    const entry = parseEntry(line.text());
    if (typeof entry === "string") {
      damage = { line: line.number, reason: entry };
      return;
    }
    if (!pending) {
      const expected = (lastRevision ?? entry.batch - 1) + 1;
      if (entry.batch !== expected) {
        throw corruption(
          file,
          line.number,
          `write at revision ${entry.batch} does not follow revision ${expected - 1}`,
        );
      }
      pending = { entries: [], line: line.number };
    }
    const first = pending.entries[0] ?? entry;
    if (entry.batch !== first.batch || entry.of !== first.of) {
      throw corruption(
        file,
        pending.line,
        `write at revision ${first.batch} has only ${pending.entries.length} of its ${first.of} lines`,
      );
    }
    if (entry.event.revision !== first.batch + pending.entries.length) {
      throw corruption(file, line.number, `event revision ${entry.event.revision} is out of sequence`);
    }
    pending.entries.push(entry);
    if (pending.entries.length === first.of) {
      onWrite(pending.entries.map((complete) => complete.event));
      lastRevision = entry.event.revision;
      validBytes = line.next;
      pending = undefined;
    }
  });
  if (pending && !damage) {
    const first = pending.entries[0] as WalEntry;
    damage = { line: pending.line, reason: `the last write has ${pending.entries.length} of its ${first.of} lines` };
  }
  const result: WalScan = { validBytes };
  if (validBytes < size) {
    result.tornTail = {
      line: pending?.line ?? damage?.line ?? lastLine,
      reason: damage?.reason ?? "trailing bytes",
      bytes: size - validBytes,
    };
  }
  return result;
}

/** The whole log at once (tools and tests; the store streams it with scanWal). */
export async function readWal(file: string): Promise<WalContents> {
  const events: CatalogEvent[] = [];
  const scan = await scanWal(file, (write) => {
    for (const event of write) events.push(event);
  });
  return { events, ...scan };
}
