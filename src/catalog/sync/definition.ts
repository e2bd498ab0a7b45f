/**
 * Parses component definition files (YAML, several documents per file
 * allowed, or JSON) into Manager drafts, keeping the position of every node
 * so each problem can be reported as `file:line: message`. The parser checks
 * the document's structure against DEFINITION_SHAPE; the Manager's own
 * validation (validateComponent) checks the rest, and `locate` maps its field
 * paths (`component.inputs[2].name`) back to the line in the file.
 */
import { isMap, isScalar, isSeq, LineCounter, parseAllDocuments, type Document, type Node as YamlNode } from "yaml";
import type { FieldViolation } from "../../errors/index.js";
import type { InputSpec, JsonObject, JsonValue, OutputSpec, ValidationRules, ValueType } from "../../storage/records.js";
import type { ComponentDraft } from "../validation.js";
import { DEFINITION_SHAPE, DRAFT_FIELD_TO_DOCUMENT_PATH, type FieldShape } from "./definition-fields.js";

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
    if (document.contents === null) continue;
    const problems: DefinitionProblem[] = [];
    checkNode(document.contents, DEFINITION_SHAPE, "", problems, lineAt);
    if (problems.length > 0) {
      result.problems.push(...problems);
      continue;
    }
    const value: unknown = document.toJS({ maxAliasCount: 100 });
    result.definitions.push({
      draft: draftOf(value as DefinitionDocument),
      line: lineAt(document.contents.range[0]),
      locate: (field) => locate(document, field, lineAt),
    });
  }
  return result;
}

/** A Manager violation as a file problem: the line of the field and its path in the document. */
export function violationProblem(definition: ParsedDefinition, violation: FieldViolation): DefinitionProblem {
  const where = definition.locate(violation.field);
  return { line: where.line, message: `${where.path}: ${violation.description}` };
}

function firstLine(message: string): string {
  return message.split("\n")[0] ?? message;
}

function checkNode(
  node: unknown,
  shape: FieldShape,
  path: string,
  problems: DefinitionProblem[],
  lineAt: (offset: number) => number,
): void {
  const line = lineOfNode(node, lineAt);
  const name = path === "" ? "the document" : path;
  const wrong = (expected: string): void => {
    problems.push({ line, message: `${name} must be ${expected}, got ${describeNode(node)}` });
  };
  switch (shape.kind) {
    case "string":
      if (!isScalar(node) || typeof node.value !== "string") {
        const hint = isScalar(node) && typeof node.value === "number" ? ` (quote it: "${String(node.source ?? node.value)}")` : "";
        wrong("a string" + hint);
        return;
      }
      if (shape.enum && !shape.enum.includes(node.value)) {
        problems.push({ line, message: `${name} must be ${shape.enum.map((v) => `"${v}"`).join(" or ")}, got "${node.value}"` });
      }
      return;
    case "boolean":
      if (!isScalar(node) || typeof node.value !== "boolean") wrong("true or false");
      return;
    case "number":
      if (!isScalar(node) || typeof node.value !== "number") wrong("a number");
      return;
    case "json":
      return;
    case "jsonObject":
      if (!isMap(node)) wrong("a mapping");
      return;
    case "stringMap":
      if (!isMap(node)) return wrong("a mapping of strings");
      for (const pair of node.items) {
        const key = isScalar(pair.key) ? String(pair.key.value) : "?";
        if (!isScalar(pair.value) || typeof pair.value.value !== "string") {
          problems.push({
            line: lineOfNode(pair.value ?? pair.key, lineAt),
            message: `${path}.${key} must be a string, got ${describeNode(pair.value)}`,
          });
        }
      }
      return;
    case "list":
      if (!isSeq(node)) return wrong("a list");
      node.items.forEach((item, index) => checkNode(item, shape.items, `${path}[${index}]`, problems, lineAt));
      return;
    case "object": {
      if (!isMap(node)) return wrong("a mapping");
      const seen = new Set<string>();
      for (const pair of node.items) {
        const key = isScalar(pair.key) ? String(pair.key.value) : undefined;
        const keyLine = lineOfNode(pair.key, lineAt);
        if (key === undefined) {
          problems.push({ line: keyLine, message: `${name} has a key that is not a plain string` });
          continue;
        }
        seen.add(key);
        const child = shape.fields[key];
        const childPath = path === "" ? key : `${path}.${key}`;
        if (!child) {
          problems.push({ line: keyLine, message: `unknown key "${childPath}" (known keys here: ${Object.keys(shape.fields).join(", ")})` });
          continue;
        }
        checkNode(pair.value, child, childPath, problems, lineAt);
      }
      for (const key of shape.required ?? []) {
        if (!seen.has(key)) problems.push({ line, message: `${path === "" ? key : `${path}.${key}`} is required` });
      }
      return;
    }
  }
}

function lineOfNode(node: unknown, lineAt: (offset: number) => number): number {
  const range = (node as YamlNode | null | undefined)?.range;
  return range ? lineAt(range[0]) : 1;
}

function describeNode(node: unknown): string {
  if (node === null || node === undefined) return "nothing";
  if (isMap(node)) return "a mapping";
  if (isSeq(node)) return "a list";
  if (isScalar(node)) {
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

function locate(document: Document, field: string, lineAt: (offset: number) => number): { line: number; path: string } {
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
    const node: unknown = depth === 0 ? document.contents : document.getIn(segments.slice(0, depth), true);
    if (node && typeof node === "object" && "range" in node) {
      return { line: lineOfNode(node, lineAt), path: path === "" ? "document" : path };
    }
  }
  return { line: 1, path: path === "" ? "document" : path };
}
