/**
 * Parses component definition files (YAML, several documents per file
 * allowed, or JSON) into Manager drafts, keeping the position of every node
 * so each problem can be reported as `file:line: message`. The parser checks
 * the document's structure against DEFINITION_SHAPE; the Manager's own
 * validation (validateComponent) checks the rest, and `locate` maps its field
 * paths (`component.inputs[2].name`) back to the line in the file.
 *
 * Plain block YAML (nearly every definition file) goes through the fast
 * parser in simple-yaml.ts; anything else, including every file with a
 * syntax error, through the full `yaml` library. Both yield the same
 * SourceNode tree, which the checks below work on.
 */
import { LineCounter, parseAllDocuments } from "yaml";
import type { FieldViolation } from "../../errors/index.js";
import type {
  InputSpec,
  JsonObject,
  JsonValue,
  OutputSpec,
  ValidationRules,
  ValueType,
} from "../../storage/records.js";
import type { ComponentDraft } from "../validation.js";
import { DEFINITION_SHAPE, DRAFT_FIELD_TO_DOCUMENT_PATH, type FieldShape } from "./definition-fields.js";
import { parseSimpleYaml } from "./simple-yaml.js";
import { fromYamlNode, nodeAt, type SourceMap, type SourceNode, toPlainValue } from "./source-tree.js";

/** One problem in a file; `line` is 1-based. */
export interface DefinitionProblem {
  line: number;
  message: string;
}

export interface ParsedDefinition {
  draft: ComponentDraft;
  /** Line of the document's first node. */
  line: number;
  /** Where a Manager field path (`component.inputs[2].name`) is in the file. */
  locate(field: string): { line: number; path: string };
}

export interface ParsedFile {
  definitions: ParsedDefinition[];
  problems: DefinitionProblem[];
}

/** File names the sync and `validate` read; others are ignored. */
export function isDefinitionFile(path: string): boolean {
  return /\.(ya?ml|json)$/i.test(path);
}

export function parseDefinitionFile(text: string): ParsedFile {
  const fast = parseSimpleYaml(text);
  return fast ? parsePlainDocument(fast, text) : parseWithYamlLibrary(text);
}

/** The common case: one plain block document (see simple-yaml.ts), already a tree with lines. */
function parsePlainDocument(root: SourceNode, text: string): ParsedFile {
  const problems: DefinitionProblem[] = [];
  checkNode(root, DEFINITION_SHAPE, "", problems);
  if (problems.length > 0) return { definitions: [], problems };
  // `locate` is only needed when the Manager refuses the draft, which is rare: it parses the text again (the
  // same tree, lines included) rather than keeping ~100 nodes per file alive from parse to publish. The text
  // costs nothing extra: the draft's strings are slices of it.
  return {
    definitions: [
      {
        draft: draftOf(toPlainValue(root) as DefinitionDocument),
        line: root.line,
        locate: (field) => locateInText(text, field),
      },
    ],
    problems: [],
  };
}

/** `locate` on the tree of a file the fast parser accepted (it parses it again: it is deterministic). */
function locateInText(text: string, field: string): { line: number; path: string } {
  const root = parseSimpleYaml(text);
  return root ? locate(root, field) : { line: 1, path: "document" };
}

/** Everything else (several documents, anchors, block scalars, JSON, syntax errors): the full parser. */
function parseWithYamlLibrary(text: string): ParsedFile {
  const lines = new LineCounter();
  const documents = parseAllDocuments(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const lineAt = (offset: number) => lines.linePos(offset).line;
  const result: ParsedFile = { definitions: [], problems: [] };
  if (!Array.isArray(documents)) {
    result.problems.push({ line: 1, message: "not a YAML or JSON stream" });
    return result;
  }
  for (const document of documents) {
    if (document.errors.length > 0) {
      for (const error of document.errors) {
        result.problems.push({ line: lineAt(error.pos[0]), message: `syntax error: ${firstLine(error.message)}` });
      }
      continue;
    }
    const root = fromYamlNode(document.contents, lineAt);
    if (root === null) continue;
    const problems: DefinitionProblem[] = [];
    checkNode(root, DEFINITION_SHAPE, "", problems);
    if (problems.length > 0) {
      result.problems.push(...problems);
      continue;
    }
    result.definitions.push(definitionOf(root, document.toJS({ maxAliasCount: 100 })));
  }
  return result;
}

function definitionOf(root: SourceNode, value: unknown): ParsedDefinition {
  return {
    draft: draftOf(value as DefinitionDocument),
    line: root.line,
    locate: (field) => locate(root, field),
  };
}

/** A Manager violation as a file problem: the line of the field and its path in the document. */
export function violationProblem(definition: ParsedDefinition, violation: FieldViolation): DefinitionProblem {
  const where = definition.locate(violation.field);
  return { line: where.line, message: `${where.path}: ${violation.description}` };
}

function firstLine(message: string): string {
  return message.split("\n")[0] ?? message;
}

function checkNode(node: SourceNode | null, shape: FieldShape, path: string, problems: DefinitionProblem[]): void {
  // No closures here: this runs for every node of every file, and tsx (esbuild keepNames) wraps each one.
  const line = lineOf(node);
  const name = path === "" ? "the document" : path;
  switch (shape.kind) {
    case "string":
      if (node?.kind !== "scalar" || typeof node.value !== "string") {
        const hint =
          node?.kind === "scalar" && typeof node.value === "number"
            ? ` (quote it: "${String(node.source ?? node.value)}")`
            : "";
        wrongType(problems, line, name, `a string${hint}`, node);
        return;
      }
      if (shape.enum && !shape.enum.includes(node.value)) {
        problems.push({
          line,
          message: `${name} must be ${shape.enum.map((v) => `"${v}"`).join(" or ")}, got "${node.value}"`,
        });
      }
      return;
    case "boolean":
      if (node?.kind !== "scalar" || typeof node.value !== "boolean")
        wrongType(problems, line, name, "true or false", node);
      return;
    case "number":
      if (node?.kind !== "scalar" || typeof node.value !== "number") wrongType(problems, line, name, "a number", node);
      return;
    case "json":
      return;
    case "jsonObject":
      if (node?.kind !== "map") wrongType(problems, line, name, "a mapping", node);
      return;
    case "stringMap":
      if (node?.kind !== "map") return wrongType(problems, line, name, "a mapping of strings", node);
      for (const pair of node.pairs) {
        const key = pair.key?.kind === "scalar" ? String(pair.key.value) : "?";
        if (pair.value?.kind !== "scalar" || typeof pair.value.value !== "string") {
          problems.push({
            line: lineOf(pair.value ?? pair.key),
            message: `${path}.${key} must be a string, got ${describeNode(pair.value)}`,
          });
        }
      }
      return;
    case "list":
      if (node?.kind !== "seq") return wrongType(problems, line, name, "a list", node);
      for (let index = 0; index < node.items.length; index++)
        checkNode(node.items[index]!, shape.items, `${path}[${index}]`, problems);
      return;
    case "object": {
      if (node?.kind !== "map") return wrongType(problems, line, name, "a mapping", node);
      for (const pair of node.pairs) {
        const key = pair.key?.kind === "scalar" ? String(pair.key.value) : undefined;
        const keyLine = lineOf(pair.key);
        if (key === undefined) {
          problems.push({ line: keyLine, message: `${name} has a key that is not a plain string` });
          continue;
        }
        // Own keys only: "constructor" or "toString" are unknown keys, not Object.prototype's.
        const child = Object.hasOwn(shape.fields, key) ? shape.fields[key] : undefined;
        const childPath = path === "" ? key : `${path}.${key}`;
        if (!child) {
          problems.push({
            line: keyLine,
            message: `unknown key "${childPath}" (known keys here: ${Object.keys(shape.fields).join(", ")})`,
          });
          continue;
        }
        checkNode(pair.value, child, childPath, problems);
      }
      // A scan of the pairs, not a Set per mapping: required lists are short, and this runs for every mapping of
      // every file.
      for (const key of shape.required ?? []) {
        if (!hasPlainKey(node, key))
          problems.push({ line, message: `${path === "" ? key : `${path}.${key}`} is required` });
      }
      return;
    }
  }
}

/** Whether a pair of `node` has `key` as its scalar key (as checkNode reads keys). */
function hasPlainKey(node: SourceMap, key: string): boolean {
  for (const pair of node.pairs) {
    if (pair.key?.kind === "scalar" && String(pair.key.value) === key) return true;
  }
  return false;
}

function wrongType(
  problems: DefinitionProblem[],
  line: number,
  name: string,
  expected: string,
  node: SourceNode | null,
): void {
  problems.push({ line, message: `${name} must be ${expected}, got ${describeNode(node)}` });
}

function lineOf(node: SourceNode | null): number {
  return node?.line ?? 1;
}

function describeNode(node: SourceNode | null): string {
  if (node === null) return "nothing";
  if (node.kind === "map") return "a mapping";
  if (node.kind === "seq") return "a list";
  if (node.kind === "scalar") {
    const value = node.value;
    if (value === null) return "null";
    if (typeof value === "string") return `the string "${value}"`;
    return `${typeof value} ${String(value)}`;
  }
  return "an unsupported node";
}

interface DefinitionDocument {
  metadata: { name: string; version: string; provider: string; category: string; labels?: Record<string, string> };
  spec: {
    description?: string;
    inputs?: Array<Partial<InputSpec> & { name: string; type: ValueType }>;
    outputs?: Array<Partial<OutputSpec> & { name: string; type: ValueType }>;
    deployment: { engine: string; engineVersion?: string; config?: JsonObject };
  };
}

/** The draft for a structurally valid document, with the API's defaults for absent optional fields. */
function draftOf(document: DefinitionDocument): ComponentDraft {
  const { metadata, spec } = document;
  return {
    name: metadata.name,
    version: metadata.version,
    provider: metadata.provider,
    category: metadata.category,
    description: spec.description ?? "",
    labels: { ...(metadata.labels ?? {}) },
    inputs: (spec.inputs ?? []).map((input) => ({
      name: input.name,
      type: input.type,
      description: input.description ?? "",
      ...(input.default !== undefined ? { default: input.default as JsonValue } : {}),
      required: input.required ?? false,
      sensitive: input.sensitive ?? false,
      validation: { ...(input.validation ?? {}) } as ValidationRules,
    })),
    outputs: (spec.outputs ?? []).map((out) => ({
      name: out.name,
      type: out.type,
      description: out.description ?? "",
      sensitive: out.sensitive ?? false,
    })),
    deployment: {
      engine: spec.deployment.engine,
      engineVersion: spec.deployment.engineVersion ?? "",
      config: spec.deployment.config ?? {},
    },
  };
}

/** Splits `inputs[2].validation.pattern` or `labels["team"]` into path segments. */
function segmentsOf(path: string): Array<string | number> {
  const segments: Array<string | number> = [];
  const pattern = /([^.[\]]+)|\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]/g;
  for (const match of path.matchAll(pattern)) {
    if (match[1] !== undefined) segments.push(match[1]);
    else if (match[2] !== undefined) segments.push(Number(match[2]));
    else if (match[3] !== undefined) segments.push(JSON.parse(match[3]) as string);
  }
  return segments;
}

function locate(root: SourceNode, field: string): { line: number; path: string } {
  const relative = field.replace(/^component\.?/, "");
  const [head, ...rest] = segmentsOf(relative);
  const base = typeof head === "string" ? DRAFT_FIELD_TO_DOCUMENT_PATH[head] : undefined;
  const segments = base ? [...base, ...rest] : [];
  const path = segments.reduce<string>(
    (text, segment) =>
      typeof segment === "number"
        ? `${text}[${segment}]`
        : !/^[A-Za-z_][A-Za-z0-9_]*$/.test(segment)
          ? `${text}[${JSON.stringify(segment)}]`
          : text === ""
            ? segment
            : `${text}.${segment}`,
    "",
  );
  // The deepest node that exists: a missing field is reported at its parent.
  for (let depth = segments.length; depth >= 0; depth--) {
    const node = nodeAt(root, segments.slice(0, depth));
    if (node) return { line: node.line, path: path === "" ? "document" : path };
  }
  return { line: 1, path: path === "" ? "document" : path };
}
