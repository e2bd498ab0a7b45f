/**
 * A parsed definition document as a small tree of nodes that know their
 * 1-based line. Both parsers produce it: the fast one (simple-yaml.ts) for
 * the plain block YAML nearly every definition file is written in, and the
 * full `yaml` library (converted here) for everything else. The structural
 * check and `file:line` error locations work on this tree only, so they do
 * not care which parser ran.
 */
import { isMap, isScalar, isSeq, type Node as YamlNode } from "yaml";

export type SourceNode = SourceScalar | SourceMap | SourceSeq | SourceOther;

export interface SourceScalar {
  kind: "scalar";
  line: number;
  /** Resolved value (core schema): string, number, boolean or null; other types only through YAML tags. */
  value: unknown;
  /** The scalar as written, when the parser keeps it (plain scalars): `1.0` for the number 1. */
  source?: string;
}

export interface SourceMap {
  kind: "map";
  line: number;
  pairs: SourcePair[];
}

export interface SourcePair {
  key: SourceNode | null;
  value: SourceNode | null;
}

export interface SourceSeq {
  kind: "seq";
  line: number;
  items: Array<SourceNode | null>;
}

/** Aliases and anything else the full parser can produce that is not a value here. */
export interface SourceOther {
  kind: "other";
  line: number;
}

/** The tree of a `yaml` node; `lineAt` maps an offset in the text to its 1-based line. */
export function fromYamlNode(node: unknown, lineAt: (offset: number) => number): SourceNode | null {
  if (node === null || node === undefined) return null;
  const range = (node as YamlNode).range;
  const line = range ? lineAt(range[0]) : 1;
  if (isScalar(node)) {
    return {
      kind: "scalar",
      line,
      value: node.value,
      ...(typeof node.source === "string" ? { source: node.source } : {}),
    };
  }
  if (isMap(node)) {
    return {
      kind: "map",
      line,
      pairs: node.items.map((pair) => ({
        key: fromYamlNode(pair.key, lineAt),
        value: fromYamlNode(pair.value, lineAt),
      })),
    };
  }
  if (isSeq(node)) return { kind: "seq", line, items: node.items.map((item) => fromYamlNode(item, lineAt)) };
  return { kind: "other", line };
}

/** The plain JavaScript value of a tree from the fast parser (which never yields "other" nodes). */
export function toPlainValue(node: SourceNode | null): unknown {
  if (node === null) return null;
  switch (node.kind) {
    case "scalar":
      return node.value;
    case "seq":
      return node.items.map(toPlainValue);
    case "map": {
      const out: Record<string, unknown> = {};
      for (const pair of node.pairs)
        out[String(pair.key?.kind === "scalar" ? pair.key.value : "")] = toPlainValue(pair.value);
      return out;
    }
    case "other":
      return undefined;
  }
}

/** The node at a path of map keys and list indexes, as yaml's `getIn(path, true)` finds it. */
export function nodeAt(root: SourceNode | null, path: ReadonlyArray<string | number>): SourceNode | null {
  let node = root;
  for (const segment of path) {
    if (node === null) return null;
    if (node.kind === "map") {
      const pair = node.pairs.find((p) => p.key?.kind === "scalar" && p.key.value === segment);
      node = pair?.value ?? null;
    } else if (node.kind === "seq" && typeof segment === "number") {
      node = node.items[segment] ?? null;
    } else {
      return null;
    }
  }
  return node;
}
