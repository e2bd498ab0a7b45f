/** The connection and stream deadlines under server.* (see src/api/connection-deadlines.ts). */
import { describe, expect, it } from "vitest";
import { ConfigError, envName, loadConfig } from "../../src/config/load.js";

const KEYS = [
  ["prefaceTimeoutMs", 10_000],
  ["headersTimeoutMs", 20_000],
  ["requestTimeoutMs", 60_000],
  ["idleTimeoutMs", 65_000],
] as const;

describe.each(KEYS)("server.%s", (key, defaultMs) => {
  it(`defaults to ${defaultMs}`, () => {
    expect(loadConfig({ env: {} }).server[key]).toBe(defaultMs);
  });

  it("is read from the environment", () => {
    expect(loadConfig({ env: { [envName(`server.${key}`)]: "250" } }).server[key]).toBe(250);
  });

  it.each(["0", "-1", "1.5"])("refuses %s, naming the key", (value) => {
    const load = () => loadConfig({ env: { [envName(`server.${key}`)]: value } });
    expect(load).toThrow(ConfigError);
    expect(load).toThrow(`server.${key} must be a positive integer`);
  });
});
