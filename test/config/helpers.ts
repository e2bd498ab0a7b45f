/** What the config tests share: a YAML file in a temp dir per test, and the message of a refused load. */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect } from "vitest";
import { ConfigError, loadConfig } from "../../src/config/load.js";

const dir = mkdtempSync(join(tmpdir(), "nestor-config-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;

/** Writes `yaml` to a fresh file; returns its path. */
export function configFile(yaml: string): string {
  const file = join(dir, `config-${files++}.yaml`);
  writeFileSync(file, yaml);
  return file;
}

export const fromYaml = (yaml: string) => loadConfig({ file: configFile(yaml), env: {} });

/** The ConfigError message `load` throws (failing the test when it does not). */
export function refusal(load: () => unknown): string {
  try {
    load();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error("expected the config to be refused");
}
