/** File helpers for the embedded store: durable writes, replace-by-rename, and reading a file line by line. */
import { type FileHandle, open, rename } from "node:fs/promises";

export function isErrno(err: unknown, code: string): boolean {
  return err instanceof Error && (err as NodeJS.ErrnoException).code === code;
}

/** Writes all of `data` at the handle's position (a short write is retried, never left half-done). */
export async function writeFully(handle: FileHandle, data: Buffer): Promise<void> {
  let offset = 0;
  while (offset < data.length) {
    const { bytesWritten } = await handle.write(data, offset, data.length - offset);
    offset += bytesWritten;
  }
}

/** fsyncs a directory so that a rename or a new file in it survives power loss. */
export async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Replaces `target` with the chunks produced by `chunks`, via a temporary file
 * and rename, so a reader (or a crash) sees the old file or the new one,
 * never a mix.
 */
export async function replaceFile(
  target: string,
  chunks: Iterable<string>,
  options: { fsync: boolean; dir: string },
): Promise<number> {
  const temp = `${target}.tmp`;
  const handle = await open(temp, "w");
  let size = 0;
  try {
    for (const chunk of chunks) {
      const data = Buffer.from(chunk, "utf8");
      await writeFully(handle, data);
      size += data.length;
    }
    if (options.fsync) await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temp, target);
  if (options.fsync) await syncDirectory(options.dir);
  return size;
}

/** Groups lines into chunks of about `linesPerChunk`, each ending in a newline. */
export function* chunkLines(lines: Iterable<string>, linesPerChunk = 1000): Iterable<string> {
  let batch: string[] = [];
  for (const line of lines) {
    batch.push(line);
    if (batch.length >= linesPerChunk) {
      yield `${batch.join("\n")}\n`;
      batch = [];
    }
  }
  if (batch.length > 0) yield `${batch.join("\n")}\n`;
}

/** One line of a file being read: its bytes in the read buffer, decoded on demand. */
export interface Line {
  /** 1-based. */
  number: number;
  /** Byte offset of the line's start in the file. */
  offset: number;
  /** Byte offset just past the line's newline (or its end, for an unterminated last line). */
  next: number;
  /** False for a last line with no newline. */
  terminated: boolean;
  /** The line's bytes, or a part of them (byte offsets within the line), as a fresh string. */
  text(from?: number, to?: number): string;
  /** The byte offset within the line of the first `byte`, or -1. */
  indexOf(byte: number): number;
}

const READ_CHUNK = 16 * 1024 * 1024;

/**
 * Calls `onLine` for each line of `file`, a chunk of bytes at a time, so a
 * file larger than one JavaScript string can be read and nothing but the
 * caller's own results outlives a line. False when the file does not exist.
 */
export async function readLines(file: string, onLine: (line: Line) => void): Promise<boolean> {
  let handle: FileHandle;
  try {
    handle = await open(file, "r");
  } catch (err) {
    if (isErrno(err, "ENOENT")) return false;
    throw err;
  }
  try {
    let buffer = Buffer.allocUnsafe(READ_CHUNK);
    let filled = 0;
    let base = 0;
    let number = 0;
    for (;;) {
      if (filled === buffer.length) {
        const larger = Buffer.allocUnsafe(buffer.length * 2);
        buffer.copy(larger, 0, 0, filled);
        buffer = larger;
      }
      const { bytesRead } = await handle.read(buffer, filled, buffer.length - filled, null);
      const end = filled + bytesRead;
      let start = 0;
      for (let newline = buffer.indexOf(0x0a, start); newline !== -1 && newline < end; ) {
        number += 1;
        onLine(lineOf(buffer, start, newline, base, number, true));
        start = newline + 1;
        newline = buffer.indexOf(0x0a, start);
      }
      if (bytesRead === 0) {
        if (start < end) onLine(lineOf(buffer, start, end, base, number + 1, false));
        return true;
      }
      buffer.copy(buffer, 0, start, end);
      base += start;
      filled = end - start;
    }
  } finally {
    await handle.close();
  }
}

function lineOf(buffer: Buffer, start: number, end: number, base: number, number: number, terminated: boolean): Line {
  return {
    number,
    offset: base + start,
    next: base + (terminated ? end + 1 : end),
    terminated,
    text: (from = 0, to = end - start) => buffer.toString("utf8", start + from, start + to),
    indexOf: (byte) => {
      const at = buffer.indexOf(byte, start);
      return at === -1 || at >= end ? -1 : at - start;
    },
  };
}
