import { describe, expect, test } from "vitest";
import type { ComponentRecord } from "../storage/records.js";
import { parseSelectorCached, ResolutionCache } from "./resolution-cache.js";

const record = (version: string) => ({ name: "db", version }) as unknown as ComponentRecord;

describe("ResolutionCache", () => {
  test("serves a resolution only at the revision it was made at", () => {
    const cache = new ResolutionCache();
    cache.set("db", "latest", 5, record("1.0.0"));
    expect(cache.get("db", "latest", 5)?.version).toBe("1.0.0");
    expect(cache.get("db", "latest", 6)).toBeUndefined();
    expect(cache.get("db", "^1", 5)).toBeUndefined();
  });

  test("a resolution at a newer revision drops every older one", () => {
    const cache = new ResolutionCache();
    cache.set("db", "latest", 5, record("1.0.0"));
    cache.set("web", "latest", 6, record("2.0.0"));
    expect(cache.get("db", "latest", 5)).toBeUndefined();
    expect(cache.size).toBe(1);
  });

  test("a resolution made at an older revision than one already seen is not kept", () => {
    const cache = new ResolutionCache();
    cache.set("web", "latest", 6, record("2.0.0"));
    cache.set("db", "latest", 5, record("1.0.0"));
    expect(cache.get("db", "latest", 5)).toBeUndefined();
    expect(cache.get("db", "latest", 6)).toBeUndefined();
  });

  test("keeps a store's fresh record deeply frozen, and hands the same object out on every hit", () => {
    const cache = new ResolutionCache();
    const fresh = { name: "db", version: "1.0.0", inputs: [{ name: "size", validation: { enum: ["s"] } }] };
    cache.set("db", "latest", 5, fresh as unknown as ComponentRecord);
    const hit = cache.get("db", "latest", 5);
    expect(hit).toBe(fresh);
    expect(Object.isFrozen(fresh)).toBe(true);
    expect(Object.isFrozen(fresh.inputs[0]!.validation.enum)).toBe(true);
    expect(cache.get("db", "latest", 5)).toBe(hit);
  });

  test("holds at most two generations of entries", () => {
    const cache = new ResolutionCache(10);
    for (let i = 0; i < 100; i++) cache.set(`c${i}`, "latest", 1, record("1.0.0"));
    expect(cache.size).toBeLessThanOrEqual(20);
    expect(cache.get("c99", "latest", 1)?.version).toBe("1.0.0");
  });
});

describe("parseSelectorCached", () => {
  test("parses like parseSelector and shares the parsed form", () => {
    const first = parseSelectorCached("^1.2.0");
    expect(first).toMatchObject({ kind: "range" });
    expect(parseSelectorCached("^1.2.0")).toBe(first);
    expect(parseSelectorCached("1.2.3")).toEqual({ kind: "exact", version: "1.2.3" });
    expect(parseSelectorCached("not a version!")).toHaveProperty("error");
  });
});
