import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../src/config/load.js";

describe("storage.embedded.timeoutMs", () => {
  it("defaults to 5000", () => {
    expect(loadConfig({ env: {} }).storage.embedded.timeoutMs).toBe(5_000);
  });

  it("is read from NESTOR_STORAGE_EMBEDDED_TIMEOUT_MS", () => {
    expect(loadConfig({ env: { NESTOR_STORAGE_EMBEDDED_TIMEOUT_MS: "250" } }).storage.embedded.timeoutMs).toBe(250);
  });

  it.each(["0", "-1", "1.5"])("refuses %s like the other timeouts, naming the key", (value) => {
    const load = () => loadConfig({ env: { NESTOR_STORAGE_EMBEDDED_TIMEOUT_MS: value } });
    expect(load).toThrow(ConfigError);
    expect(load).toThrow("storage.embedded.timeoutMs must be a positive integer");
  });
});
