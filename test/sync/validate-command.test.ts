import { execFile } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { repoRoot } from "../api/harness.js";
import { definition, definitionYaml, tempDir } from "./git-fixture.js";

const run = promisify(execFile);

/** Runs `nestor-catalog validate <dir>` from the sources; resolves with the exit code and output. */
async function validate(dir: string): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(
      process.execPath,
      ["--import", "tsx", join(repoRoot, "src/main.ts"), "validate", dir],
      { cwd: repoRoot },
    );
    return { code: 0, stdout, stderr };
  } catch (err) {
    const failed = err as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

function tree(files: Record<string, string>): string {
  const dir = tempDir("nestor-validate-");
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(dir, path, ".."), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

describe("nestor-catalog validate", () => {
  it("exits 0 and prints no problem for a good tree", async () => {
    const dir = tree({
      "db/mysql.yaml": definitionYaml(definition({ version: "1.0.0" }), definition({ version: "1.1.0" })),
      "db/mysql-2.yaml": definitionYaml(definition({ version: "2.0.0", outputs: [] })),
      "net/vpc.json": JSON.stringify(definition({ name: "aws-vpc" })),
      "README.md": "# not a definition",
    });

    const result = await validate(dir);

    expect(result).toMatchObject({ code: 0, stdout: "" });
    expect(result.stderr).toMatch(/3 files, 4 valid definitions, 0 problems/);
  });

  it("prints every problem as file:line: message and exits 1", async () => {
    const dir = tree({
      "a-syntax.yaml": "apiVersion: catalog.nestor.io/v1\nkind: ComponentDefinition\nmetadata: {name: x\n",
      "b-fields.yaml": definitionYaml(definition({ name: "aws-s3", version: "1.0" })),
      "c-unknown.yaml": definitionYaml({ ...definition({ name: "aws-sqs" }), extra: true }),
      "d-mysql-1.0.yaml": definitionYaml(definition({ version: "1.0.0" })),
      "e-mysql-1.1.yaml": definitionYaml(definition({ version: "1.1.0", outputs: [] })),
      "f-mysql-1.0-again.yaml": definitionYaml(
        definition({ version: "1.0.0", description: "same", outputs: [{ name: "host", type: "string" }] }),
      ),
    });

    const result = await validate(dir);

    expect(result.code).toBe(1);
    const lines = result.stdout.trim().split("\n");
    expect(lines).toEqual([
      expect.stringMatching(new RegExp(`^${join(dir, "a-syntax.yaml")}:\\d+: syntax error`)),
      `${join(dir, "b-fields.yaml")}:5: metadata.version: version "1.0" must be a SemVer 2.0 version ` +
        "such as 1.2.0, 1.2.0-rc.1 or 1.2.0+build.5",
      expect.stringMatching(new RegExp(`^${join(dir, "c-unknown.yaml")}:\\d+: unknown key "extra"`)),
      expect.stringMatching(
        new RegExp(`^${join(dir, "e-mysql-1.1.yaml")}:1: publishing 1\\.1\\.0 would break consumers of 1\\.0\\.0`),
      ),
      expect.stringMatching(
        new RegExp(
          `^${join(dir, "f-mysql-1.0-again.yaml")}:1: aws-rds-mysql 1\\.0\\.0 ` +
            `is also defined in ${join(dir, "d-mysql-1.0.yaml")}:1 with different content`,
        ),
      ),
    ]);
  });

  it("exits 2 when the directory cannot be read", async () => {
    const result = await validate(join(tempDir("nestor-validate-"), "missing"));
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/cannot read/);
  });
});
