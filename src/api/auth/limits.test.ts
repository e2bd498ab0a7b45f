import { describe, expect, it } from "vitest";
import { RateLimiter, StreamCounter } from "./limits.js";

describe("RateLimiter", () => {
  it("allows a burst, then says how long until the next token, and refills at the configured rate", () => {
    let now = 0;
    const limiter = new RateLimiter({ requestsPerSecond: 2, burst: 3 }, () => now);
    expect([limiter.take("a"), limiter.take("a"), limiter.take("a")]).toEqual([0, 0, 0]);
    expect(limiter.take("a")).toBe(500);
    expect(limiter.take("b")).toBe(0);
    now += 500;
    expect(limiter.take("a")).toBe(0);
    expect(limiter.take("a")).toBeGreaterThan(0);
  });

  it("never limits when the rate or burst is 0", () => {
    const limiter = new RateLimiter({ requestsPerSecond: 0, burst: 0 }, () => 0);
    for (let i = 0; i < 1000; i++) expect(limiter.take("a")).toBe(0);
  });
});

describe("StreamCounter", () => {
  it("caps open streams per key and frees a slot once, however often release is called", () => {
    const streams = new StreamCounter(2);
    const first = streams.acquire("a");
    const second = streams.acquire("a");
    expect(streams.acquire("a")).toBeUndefined();
    expect(streams.acquire("b")).toBeDefined();
    first?.();
    first?.();
    expect(streams.count("a")).toBe(1);
    expect(streams.acquire("a")).toBeDefined();
    second?.();
  });
});
