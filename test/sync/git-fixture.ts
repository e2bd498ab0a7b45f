/**
 * Real Git repositories for the sync suites, made with the git CLI in temp
 * dirs, and definition files to put in them.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { stringify } from "yaml";

export class GitFixture {
  readonly dir: string;

  constructor(readonly branch = "main") {
    this.dir = mkdtempSync(join(tmpdir(), "nestor-sync-origin-"));
    this.git("init", "-q", "-b", branch);
  }

  git(...args: string[]): string {
    return execFileSync(
      "git",
      ["-c", "user.name=Platform Team", "-c", "user.email=platform@example.com", "-c", "commit.gpgsign=false", ...args],
      {
        cwd: this.dir,
        encoding: "utf8",
        env: { PATH: process.env.PATH ?? "", HOME: this.dir },
      },
    ).trim();
  }

  write(path: string, text: string): this {
    const file = join(this.dir, path);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, text);
    return this;
  }

  remove(path: string): this {
    this.git("rm", "-q", path);
    return this;
  }

  commit(message: string): string {
    this.git("add", "-A");
    this.git("commit", "-q", "--allow-empty", "-m", message);
    return this.head();
  }

  head(): string {
    return this.git("rev-parse", "HEAD");
  }

  cleanup(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export interface DefinitionOptions {
  name?: string;
  version?: string;
  description?: string;
  inputs?: Array<Record<string, unknown>>;
  outputs?: Array<Record<string, unknown>>;
  labels?: Record<string, string>;
}

export function definition(options: DefinitionOptions = {}): Record<string, unknown> {
  return {
    apiVersion: "catalog.nestor.io/v1",
    kind: "ComponentDefinition",
    metadata: {
      name: options.name ?? "aws-rds-mysql",
      version: options.version ?? "1.0.0",
      provider: "aws",
      category: "database",
      labels: options.labels ?? { team: "data" },
    },
    spec: {
      description: options.description ?? "Managed MySQL",
      inputs: options.inputs ?? [
        { name: "instance_class", type: "string", default: "db.t3.micro", description: "Instance size" },
        { name: "storage_gb", type: "integer", default: 20, validation: { minimum: 20, maximum: 1000 } },
      ],
      outputs: options.outputs ?? [{ name: "endpoint", type: "string" }],
      deployment: {
        engine: "terraform",
        engineVersion: ">= 1.5",
        config: { module: "git::https://example.com/rds.git" },
      },
    },
  };
}

/** A YAML file holding the given documents. */
export function definitionYaml(...documents: Array<Record<string, unknown>>): string {
  return documents.map((doc) => stringify(doc)).join("---\n");
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix));
}
