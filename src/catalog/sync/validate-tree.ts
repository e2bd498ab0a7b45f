/**
 * `nestor-catalog validate <dir>`: checks a working tree of definition files
 * offline with the rules the server applies on sync: the file format, the
 * Manager's validation, immutability within the tree (one version defined
 * twice with different content) and the compatibility check across the
 * versions the tree holds. Every problem is reported, as `file:line: message`.
 */
import { readdir, readFile } from "node:fs/promises";
import { join, relative, sep } from "node:path";
import { versionKey } from "../../semver/index.js";
import { checkPublishCompatibility } from "../compatibility.js";
import { contentOf } from "../content.js";
import { contentDigest, describeContentDifferences } from "../digest.js";
import { validateComponent } from "../validation.js";
import { isDefinitionFile, type ParsedDefinition, parseDefinitionFile, violationProblem } from "./definition.js";
import { pathMatcher } from "./globs.js";

export interface TreeProblem {
  /** Path as given: `<dir>/<relative path>`. */
  file: string;
  line: number;
  message: string;
}

export interface TreeReport {
  files: number;
  definitions: number;
  problems: TreeProblem[];
}

const SKIPPED_DIRECTORIES = new Set([".git", "node_modules"]);

export function formatProblem(problem: TreeProblem): string {
  return `${problem.file}:${problem.line}: ${problem.message}`;
}

export async function validateTree(dir: string, globs: readonly string[] = []): Promise<TreeReport> {
  const wanted = pathMatcher(globs);
  const paths = (await walk(dir))
    .map((abs) => relative(dir, abs).split(sep).join("/"))
    .filter((p) => isDefinitionFile(p) && wanted(p))
    .sort();
  const problems: TreeProblem[] = [];
  const valid: Array<{ file: string; definition: ParsedDefinition }> = [];
  for (const path of paths) {
    const file = join(dir, path);
    const parsed = parseDefinitionFile(await readFile(file, "utf8"));
    problems.push(...parsed.problems.map((p) => ({ file, ...p })));
    for (const definition of parsed.definitions) {
      const violations = validateComponent(definition.draft);
      if (violations.length > 0)
        problems.push(...violations.map((v) => ({ file, ...violationProblem(definition, v) })));
      else valid.push({ file, definition });
    }
  }
  problems.push(...crossVersionProblems(valid));
  problems.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line);
  return { files: paths.length, definitions: valid.length, problems };
}

/** Duplicate versions with different content, and breaking changes within a compatibility line. */
function crossVersionProblems(valid: Array<{ file: string; definition: ParsedDefinition }>): TreeProblem[] {
  const problems: TreeProblem[] = [];
  const byName = new Map<string, Map<string, { file: string; definition: ParsedDefinition }>>();
  for (const entry of valid) {
    const { name, version } = entry.definition.draft;
    const versions = byName.get(name) ?? new Map();
    byName.set(name, versions);
    const key = versionKey(version);
    const first = versions.get(key);
    if (!first) {
      versions.set(key, entry);
      continue;
    }
    const a = contentOf(first.definition.draft);
    const b = contentOf(entry.definition.draft);
    if (contentDigest(a) !== contentDigest(b)) {
      const differences = describeContentDifferences(a, b).join("; ");
      problems.push({
        file: entry.file,
        line: entry.definition.line,
        message:
          `${name} ${version} is also defined in ${first.file}:${first.definition.line} with different content ` +
          `(${differences}); published versions are immutable`,
      });
    }
  }
  for (const versions of byName.values()) {
    const entries = [...versions.values()];
    const existing = entries.map((e) => ({
      version: e.definition.draft.version,
      content: contentOf(e.definition.draft),
    }));
    for (const entry of entries) {
      const { version } = entry.definition.draft;
      const check = checkPublishCompatibility(existing, version, contentOf(entry.definition.draft));
      if (check.violation) problems.push({ file: entry.file, line: entry.definition.line, message: check.violation });
    }
  }
  return problems;
}

async function walk(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (!SKIPPED_DIRECTORIES.has(entry.name)) out.push(...(await walk(path)));
    } else if (entry.isFile()) {
      out.push(path);
    }
  }
  return out;
}
