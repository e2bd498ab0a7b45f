/**
 * `nestor-catalog validate-inputs NAME@CONSTRAINT values.yaml` run as a
 * process through the command's entry (src/main.ts) against a live server:
 * exit 0 for valid values, 1 with one `path: message (RULE)` line per
 * problem, 2 when it cannot check (usage, the file, the server's refusal),
 * and a sensitive value never printed.
 */
import { execFile } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ValueType } from "../../gen/ts/src/nestor/catalog/v1/component_pb.js";
import { repoRoot, sampleComponent, tempDir, uniqueName, useHarness } from "./harness.js";

const run = promisify(execFile);
const h = useHarness();
const dir = tempDir("nestor-validate-inputs-");
afterAll(() => dir.remove());
const name = uniqueName("vi-cli");
const SECRET = "hunter2 TOP SECRET!";

beforeAll(async () => {
  const component = sampleComponent({ name, version: "1.2.0" });
  component.inputs = [
    ...(component.inputs ?? []),
    {
      name: "password",
      type: ValueType.STRING,
      description: "Master password",
      sensitive: true,
      validation: { pattern: "[A-Za-z0-9-]{12,}" },
    },
  ];
  await h.grpc.createComponent({ component });
});

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the command with `args`; resolves with its exit code and output. */
async function validateInputs(...args: string[]): Promise<Outcome> {
  const argv = ["--import", "tsx", join(repoRoot, "src/main.ts"), "validate-inputs", ...args, "--url", h.server.url];
  try {
    const { stdout, stderr } = await run(process.execPath, argv, { cwd: repoRoot });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const failed = err as Outcome;
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

function file(base: string, text: string): string {
  const path = join(dir.path, base);
  writeFileSync(path, text);
  return path;
}

describe("nestor-catalog validate-inputs", () => {
  it("exits 0 for valid values and says which version they were checked against", async () => {
    const values = file("good.yaml", "identifier: orders\nsize: 100\npassword: correct-horse-42\n");
    const result = await validateInputs(`${name}@~> 1.2`, values);
    expect(result).toMatchObject({ code: 0, stdout: "" });
    expect(result.stderr).toContain(`${name} 1.2.0 (resolved from "~> 1.2"): the values are valid`);
  });

  it("prints each problem as path: message (RULE), exits 1, and never prints a sensitive value", async () => {
    const values = file("bad.yaml", `size: 10\ncolour: blue\npassword: "${SECRET}"\n`);
    const result = await validateInputs(`${name}@`, values);
    expect(result.code).toBe(1);
    expect(result.stdout.trim().split("\n")).toEqual([
      expect.stringMatching(/^values\.colour: is not an input of .* \(UNKNOWN_INPUT\)$/),
      expect.stringMatching(/^values\.identifier: is required: .* \(REQUIRED\)$/),
      "values.size: must be at least 20, got 10 (RANGE)",
      expect.stringMatching(/^values\.password: \(sensitive, not shown\) must match .* \(PATTERN_MISMATCH\)$/),
    ]);
    expect(result.stderr).toContain("4 problems");
    expect(result.stdout + result.stderr).not.toContain("hunter2");
  });

  it("exits 2 naming what it could not use: the target, the file, or what the server refused", async () => {
    const good = file("ok.yaml", "identifier: orders\n");
    const usage = await validateInputs(name, good);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain("NAME@CONSTRAINT");
    const missing = await validateInputs(`${name}@1.2.0`, join(dir.path, "absent.yaml"));
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain(`cannot read ${join(dir.path, "absent.yaml")}`);
    const list = await validateInputs(`${name}@1.2.0`, file("list.yaml", "- a\n- b\n"));
    expect(list.code).toBe(2);
    expect(list.stderr).toContain("must hold a mapping of input names to values");
    const unknown = uniqueName("vi-absent");
    const notFound = await validateInputs(`${unknown}@^1`, good);
    expect(notFound.code).toBe(2);
    expect(notFound.stderr).toMatch(new RegExp(`NotFound: .*${unknown}`));
    const badVersion = await validateInputs(`${name}@one.two`, good);
    expect(badVersion.code).toBe(2);
    expect(badVersion.stderr).toMatch(/InvalidArgument: .*version/);
  });
});
