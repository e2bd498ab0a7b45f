/** The response compression: gzip of any size round-trips, small ones inline and large ones through the stream. */
import { gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { ACCEPT_COMPRESSION } from "./compression.js";

const gzip = ACCEPT_COMPRESSION.find((compression) => compression.name === "gzip")!;

describe("gzip response compression", () => {
  it.each([0, 1, 2_500, 64 * 1024, 64 * 1024 + 1, 300_000])("round-trips %i bytes", async (size) => {
    const bytes = new Uint8Array(size).map((_, i) => (i * 7919) % 251);
    const compressed = await gzip.compress(bytes);
    expect(compressed).toBeInstanceOf(Uint8Array);
    const same = (other: Uint8Array) => Buffer.from(other).equals(Buffer.from(bytes));
    expect(same(gunzipSync(compressed))).toBe(true);
    expect(same(await gzip.decompress(compressed, 1_000_000))).toBe(true);
  });

  it("compresses a small message inline: its promise is already settled", async () => {
    let settled = false;
    const pending = gzip.compress(new Uint8Array(2_500)).then(() => {
      settled = true;
    });
    await Promise.resolve();
    await Promise.resolve();
    expect(settled).toBe(true);
    await pending;
  });

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
