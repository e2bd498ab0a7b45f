/** File helpers for the embedded store: durable writes and replace-by-rename. */
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
