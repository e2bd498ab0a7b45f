/** The response compression: gzip of any size round-trips, small ones inline and large ones through the stream. */
import { gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { ACCEPT_COMPRESSION } from "./compression.js";

const gzip = ACCEPT_COMPRESSION.find((compression) => compression.name === "gzip")!;

describe("gzip response compression", () => {
  it.each([0, 1, 2_500, 150_000, 256 * 1024, 256 * 1024 + 1, 300_000])("round-trips %i bytes", async (size) => {
    const bytes = new Uint8Array(size).map((_, i) => (i * 7919) % 251);
    const compressed = await gzip.compress(bytes);
    expect(compressed).toBeInstanceOf(Uint8Array);
    const same = (other: Uint8Array) => Buffer.from(other).equals(Buffer.from(bytes));
    expect(same(gunzipSync(compressed))).toBe(true);
    expect(same(await gzip.decompress(compressed, 1_000_000))).toBe(true);
  });

  /** The bytes `compress` took from Buffer's shared pool (retried if the pool filled and a new one began). */
  async function poolBytesTaken(compress: () => Promise<unknown>): Promise<number> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const before = Buffer.allocUnsafe(8);
      await compress();
      const after = Buffer.allocUnsafe(8);
      if (after.buffer === before.buffer) return after.byteOffset - before.byteOffset - 8;
    }
    throw new Error("Buffer's pool rolled over on every attempt");
  }

  it.each([3_000, 20_000])(
    "gzips a %i-byte JSON response taking at most half its size from Buffer's pool",
    async (size) => {
      const entry = (i: number) => `{"name":"input-${i}","type":"string","description":"the value of input ${i}"},`;
      let json = "";
      for (let i = 0; json.length < size; i++) json += entry(i);
      const bytes = new TextEncoder().encode(json.slice(0, size));
      let compressed = new Uint8Array();
      const taken = await poolBytesTaken(async () => {
        compressed = await gzip.compress(bytes);
      });
      expect(Buffer.from(gunzipSync(compressed)).equals(Buffer.from(bytes))).toBe(true);
      // zlib's default chunk takes 16 KiB per call whatever the size: external memory that starts full collections
      // of the whole heap at a few thousand calls per second (see the module header).
      expect(taken).toBeGreaterThan(0);
      expect(taken).toBeLessThanOrEqual(size / 2 + 64);
    },
  );

  it.each([2_500, 150_000])(
    "compresses a %i-byte message inline (a Component, a list page of 50): its promise is already settled",
    async (size) => {
      let settled = false;
      const pending = gzip.compress(new Uint8Array(size)).then(() => {
        settled = true;
      });
      await Promise.resolve();
      await Promise.resolve();
      expect(settled).toBe(true);
      await pending;
    },
  );

  it("leaves a large message to the asynchronous stream: its promise settles only after I/O", async () => {
    let settled = false;
    const pending = gzip.compress(new Uint8Array(300_000)).then(() => {
      settled = true;
    });
    await Promise.resolve();
    await Promise.resolve();
    expect(settled).toBe(false);
    await pending;
    expect(settled).toBe(true);
  });
});
