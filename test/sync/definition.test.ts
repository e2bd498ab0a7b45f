import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { redactUrl } from "../../src/catalog/sync/git-repository.js";
import { pathMatcher } from "../../src/catalog/sync/globs.js";
import {
  componentDefinitionSchemaText,
  parseDefinitionFile,
  SCHEMA_PATH,
  violationProblem,
} from "../../src/catalog/sync/index.js";
import { validateComponent } from "../../src/catalog/validation.js";
import { repoRoot } from "../api/harness.js";
import { definition, definitionYaml } from "./git-fixture.js";

describe("definition files", () => {
  it("parses every document of a YAML stream into a draft with the API's defaults", () => {
    const parsed = parseDefinitionFile(
      definitionYaml(
        definition({ version: "1.0.0", inputs: [{ name: "size", type: "integer" }] }),
        definition({ version: "1.1.0" }),
      ),
    );
    expect(parsed.problems).toEqual([]);
    expect(parsed.definitions.map((d) => d.draft.version)).toEqual(["1.0.0", "1.1.0"]);
    expect(parsed.definitions[0]!.draft.inputs).toEqual([
      { name: "size", type: "integer", description: "", required: false, sensitive: false, validation: {} },
    ]);
    expect(parsed.definitions[1]!.line).toBeGreaterThan(parsed.definitions[0]!.line);
  });

  it("parses JSON files", () => {
    const parsed = parseDefinitionFile(JSON.stringify(definition({ name: "aws-vpc" }), null, 2));
    expect(parsed.definitions[0]!.draft).toMatchObject({
      name: "aws-vpc",
      provider: "aws",
      deployment: { engine: "terraform" },
    });
  });

  it("reports unknown keys, wrong scalar types and missing fields at their lines", () => {
    const text = [
      "apiVersion: catalog.nestor.io/v2", // 1
      "kind: ComponentDefinition", // 2
      "metadata:", // 3
      "  name: thing", // 4
      "  version: 1.10", // 5
      "  provider: aws", // 6
      "  catgory: db", // 7
      "spec:", // 8
      "  deployment: { engine: terraform }", // 9
      "  inputs:", // 10
      "    - name: a", // 11
      "      type: string", // 12
      "      required: yes", // 13
    ].join("\n");
    expect(parseDefinitionFile(text).problems).toEqual([
      { line: 1, message: 'apiVersion must be "catalog.nestor.io/v1", got "catalog.nestor.io/v2"' },
      { line: 5, message: 'metadata.version must be a string (quote it: "1.10"), got number 1.1' },
      {
        line: 7,
        message: 'unknown key "metadata.catgory" (known keys here: name, version, provider, category, labels)',
      },
      { line: 4, message: "metadata.category is required" },
      { line: 13, message: 'spec.inputs[0].required must be true or false, got the string "yes"' },
    ]);
  });

  it("reports keys named like built-in object properties as unknown", () => {
    const text = definitionYaml(definition({})).replace("metadata:\n", "constructor: x\nmetadata:\n  toString: y\n");
    expect(parseDefinitionFile(text).problems).toEqual([
      { line: 3, message: expect.stringMatching(/^unknown key "constructor" /) },
      { line: 5, message: expect.stringMatching(/^unknown key "metadata.toString" /) },
    ]);
  });

  it("maps a Manager field violation to the line and document path of the field", () => {
    const [parsed] = parseDefinitionFile(definitionYaml(definition({ labels: { "bad key!": "x" } }))).definitions;
    const violations = validateComponent(parsed!.draft);
    expect(violations.map((v) => violationProblem(parsed!, v))).toEqual([
      { line: 9, message: expect.stringMatching(/^metadata\.labels\["bad key!"\]: label key "bad key!" is invalid/) },
    ]);
  });

  it("reports each syntax error with its line and keeps the other documents", () => {
    const text = `${definitionYaml(definition())}---\nmetadata: [1, 2\n`;
    const parsed = parseDefinitionFile(text);
    expect(parsed.definitions).toHaveLength(1);
    expect(parsed.problems[0]!.message).toMatch(/^syntax error/);
    expect(parsed.problems[0]!.line).toBeGreaterThan(15);
  });

  it("ships a JSON Schema that matches the parser's field list", () => {
    const committed = readFileSync(join(repoRoot, SCHEMA_PATH), "utf8");
    expect(committed, "schema/ is stale: run npx tsx scripts/generate-schema.ts").toBe(componentDefinitionSchemaText());
  });
});

describe("path globs", () => {
  it("match within and across directories", () => {
    const matches = pathMatcher(["components/**/*.{yaml,yml}", "top.json"]);
    expect(["components/a.yaml", "components/db/b.yml", "top.json"].every(matches)).toBe(true);
    expect(["examples/a.yaml", "components/a.json", "x/top.json"].some(matches)).toBe(false);
    expect(pathMatcher(["*.yaml"])("dir/a.yaml")).toBe(false);
  });

  it("let ** match no directory, ? one character, and dot directories like any other", () => {
    const matches = pathMatcher(["**/*.yaml", "./c?.json"]);
    expect(["a.yaml", "x/y/z.yaml", ".platform/db.yaml", "c1.json"].every(matches)).toBe(true);
    expect(["c12.json", "x/c1.json", "a.yml"].some(matches)).toBe(false);
    expect(pathMatcher([])("anything/at/all")).toBe(true);
  });
});

describe("repository URLs in provenance and statuses", () => {
  it.each([
    ["https://user:token@git.example.com/org/repo.git", "https://git.example.com/org/repo.git"],
    ["https://token@git.example.com/org/repo.git", "https://git.example.com/org/repo.git"],
    ["ssh://git:secret@host/org/repo.git", "ssh://git@host/org/repo.git"],
    ["git@github.com:org/repo.git", "git@github.com:org/repo.git"],
    ["/srv/git/repo", "/srv/git/repo"],
  ])("%s is shown as %s", (url, shown) => {
    expect(redactUrl(url)).toBe(shown);
  });
});
