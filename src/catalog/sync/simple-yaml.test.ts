/**
 * The fast parser must agree with the full `yaml` library on every text it
 * accepts: same tree, same lines, same values. Anything it is unsure of it
 * must decline (undefined), never parse differently.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { LineCounter, parseAllDocuments } from "yaml";
import { definitionText } from "../../../bench/sync/definition-text.js";
import { parseDefinitionFile } from "./definition.js";
import { parseSimpleYaml } from "./simple-yaml.js";
import { fromYamlNode, type SourceNode, toPlainValue } from "./source-tree.js";

/** What the full library makes of a text: its tree and value, or undefined when it is not one error-free document. */
function libraryParse(text: string): { tree: SourceNode | null; value: unknown } | undefined {
  const lines = new LineCounter();
  const documents = parseAllDocuments(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  if (!Array.isArray(documents) || documents.length !== 1) return undefined;
  const [document] = documents;
  if (document!.errors.length > 0) return undefined;
  return { tree: fromYamlNode(document!.contents, (offset) => lines.linePos(offset).line), value: document!.toJS() };
}

/**
 * The tree without the `source` of non-plain scalars (the library keeps the resolved text there, the fast parser
 * nothing).
 */
function comparable(node: SourceNode | null): unknown {
  if (node === null) return null;
  switch (node.kind) {
    case "scalar":
      return { line: node.line, value: Number.isNaN(node.value) ? "NaN" : node.value, type: typeof node.value };
    case "map":
      return { line: node.line, pairs: node.pairs.map((p) => [comparable(p.key), comparable(p.value)]) };
    case "seq":
      return { line: node.line, items: node.items.map(comparable) };
    case "other":
      return { line: node.line, other: true };
  }
}

function expectAgreement(text: string): boolean {
  const fast = parseSimpleYaml(text);
  if (fast === undefined) return false;
  const library = libraryParse(text);
  expect(library, `the library rejects a text the fast parser accepted:\n${text}`).toBeDefined();
  expect(comparable(fast), text).toEqual(comparable(library!.tree));
  expect(JSON.stringify(toPlainValue(fast)), text).toEqual(JSON.stringify(library!.value));
  return true;
}

const TRICKY_SCALARS = [
  "1",
  "-1",
  "+12",
  "007",
  "1.0",
  "1.10",
  "1.0.0",
  ".5",
  "1e3",
  "-2.5E-3",
  "0o17",
  "0o8",
  "0x1F",
  "0xG",
  ".inf",
  "-.Inf",
  "+.INF",
  ".nan",
  ".NaN",
  "~",
  "null",
  "Null",
  "NULL",
  "nul",
  "true",
  "True",
  "TRUE",
  "tRue",
  "false",
  "yes",
  "no",
  "on",
  "plain text",
  "a#b",
  "a #b",
  "a: b",
  "a:b",
  "a:",
  "git::https://x.y/z.git",
  ">= 1.5",
  "-x",
  "- x",
  "-",
  "?x",
  "? x",
  ":x",
  "x,y",
  "'single'",
  "'it''s'",
  "''",
  "'a' #c",
  "'a'b",
  '"double"',
  '""',
  '"a\\nb"',
  '"a#b"',
  '"a" b',
  '"open',
  "[a, b]",
  "[]",
  "[ ]",
  "[a, ]",
  "[a,b]",
  "[1, 2.5, true, ~]",
  "[a: b]",
  "[[a]]",
  "['q']",
  "{a: 1, b: two}",
  "{}",
  "{a: 1, a: 2}",
  "{a}",
  "{a:1}",
  "&anchor x",
  "*alias",
  "!tag x",
  "|",
  ">",
  "%x",
  "@x",
  "`x",
  "é ü",
  "x  y",
];
const KEYS = [
  "name",
  "version",
  "a",
  "b",
  "app.kubernetes.io/name",
  "true",
  "null",
  "__proto__",
  "_x",
  '"q"',
  "1",
  "a b",
  "a",
];

describe("the fast YAML parser", () => {
  it("parses the benchmark's definition files exactly as the library does", () => {
    for (let i = 0; i < 20; i++) expect(expectAgreement(definitionText(i, `1.0.${i}`))).toBe(true);
  });

  it("declines what it does not handle, so the library reports it", () => {
    const declined = [
      "a: 1\n---\nb: 2\n", // several documents
      "a: &x 1\nb: *x\n", // anchors and aliases
      "a: |\n  text\n", // block scalar
      "a: x\n  continued\n", // multi-line plain scalar
      "a: 1\na: 2\n", // duplicate key
      "a:\n\tb: 1\n", // tab
      "a: 1\r\n", // CRLF
      "a:\n    b: 1\n  c: 2\n", // odd indentation
      "- a\n- b\n", // not a mapping
      '{"a": 1}\n', // JSON
      "a: b: c\n", // error
      "",
    ];
    for (const text of declined) expect(parseSimpleYaml(text), JSON.stringify(text)).toBeUndefined();
  });

  it("reports the same problems and drafts as the full parser for a definition with mistakes", () => {
    const text = [
      "apiVersion: catalog.nestor.io/v2",
      "kind: ComponentDefinition",
      "metadata:",
      "  name: thing",
      "  version: 1.10",
      "  provider: aws",
      "  catgory: db",
      "  labels: { team: 7 }",
      "spec:",
      "  deployment: { engine: terraform }",
      "  inputs:",
      "  - name: a",
      "    type: string",
      "    required: yes",
      "  -   name: b",
      "      type:",
    ].join("\n");
    expect(parseSimpleYaml(text)).toBeDefined();
    // A document end marker sends the same document through the library path.
    const viaLibrary = parseDefinitionFile(`${text}\n...\n`);
    expect(viaLibrary.problems.length).toBeGreaterThan(3);
    expect(parseDefinitionFile(text)).toEqual(viaLibrary);
  });

  it("gives the same drafts and field locations as the full parser for a valid definition", () => {
    const text = definitionText(3, "1.2.3");
    const [fast] = parseDefinitionFile(text).definitions;
    const [library] = parseDefinitionFile(`${text}...\n`).definitions;
    expect(fast!.draft).toEqual(library!.draft);
    expect(fast!.line).toBe(library!.line);
    for (const field of [
      "component.name",
      'component.labels["team"]',
      "component.inputs[1].validation.maximum",
      "component.inputs[1].default",
      "component.outputs[0]",
      "component.deployment.config",
      "component.nowhere",
    ]) {
      expect(fast!.locate(field), field).toEqual(library!.locate(field));
    }
  });

  it("agrees with the library on generated block documents wherever it accepts one", () => {
    const line = fc.record({
      indent: fc.constantFrom(0, 0, 2, 2, 4, 4, 6, 1, 3),
      form: fc.constantFrom("key", "key-value", "entry", "entry-key", "entry-key-value", "comment", "blank", "marker"),
      key: fc.constantFrom(...KEYS),
      value: fc.constantFrom(...TRICKY_SCALARS),
      gap: fc.constantFrom(" ", " ", "  "),
      comment: fc.constantFrom("", "", " # note"),
    });
    let accepted = 0;
    fc.assert(
      fc.property(fc.array(line, { minLength: 1, maxLength: 14 }), (lines) => {
        const text = `${lines
          .map(({ indent, form, key, value, gap, comment }) => {
            const pad = " ".repeat(indent);
            switch (form) {
              case "key":
                return `${pad}${key}:${comment}`;
              case "key-value":
                return `${pad}${key}:${gap}${value}${comment}`;
              case "entry":
                return `${pad}-${gap}${value}${comment}`;
              case "entry-key":
                return `${pad}-${gap}${key}:${comment}`;
              case "entry-key-value":
                return `${pad}-${gap}${key}: ${value}${comment}`;
              case "comment":
                return `${pad}# a comment: with - things`;
              case "blank":
                return pad;
              case "marker":
                return "---";
            }
          })
          .join("\n")}\n`;
        if (expectAgreement(text)) accepted++;
      }),
      { numRuns: Number(process.env.YAML_RUNS ?? 4000) },
    );
    // Line soup is mostly invalid YAML; it is here to catch texts wrongly accepted.
    expect(accepted).toBeGreaterThan(5);
  });

  it("agrees with the library on generated nested documents in different layouts", () => {
    // Mostly text the fast parser accepts, so the comparison runs; some of everything else.
    const scalar = fc.oneof(
      {
        arbitrary: fc.constantFrom(
          "1",
          "1.0",
          "1.0.0",
          "plain text",
          "'it''s'",
          '"double"',
          "[a, b]",
          "{a: 1, b: two}",
          "true",
          "~",
          ">= 1.5",
          "a#b",
          "-x",
        ),
        weight: 6,
      },
      { arbitrary: fc.constantFrom(...TRICKY_SCALARS), weight: 1 },
    );
    const key = fc.oneof(
      { arbitrary: fc.constantFrom("name", "version", "a", "b", "c", "app.kubernetes.io/name"), weight: 8 },
      { arbitrary: fc.constantFrom(...KEYS), weight: 1 },
    );
    type Tree = { scalar: string } | { map: Array<[string, Tree]> } | { seq: Tree[] };
    const { map } = fc.letrec<{ value: Tree; map: Tree; seq: Tree }>((tie) => ({
      value: fc.oneof(
        { depthSize: "small", withCrossShrink: true },
        scalar.map((text) => ({ scalar: text })),
        tie("map"),
        tie("seq"),
      ),
      map: fc
        .uniqueArray(fc.tuple(key, tie("value")), { minLength: 1, maxLength: 4, selector: ([k]) => k })
        .map((pairs) => ({ map: pairs })),
      seq: fc.array(tie("value"), { minLength: 1, maxLength: 4 }).map((items) => ({ seq: items })),
    }));
    const layout = fc.record({
      step: fc.constantFrom(2, 4),
      compact: fc.boolean(),
      gap: fc.constantFrom(1, 3),
      comments: fc.boolean(),
    });
    type Layout = { step: number; compact: boolean; gap: number; comments: boolean };
    const render = (tree: Tree, indent: number, how: Layout, out: string[], firstPrefix?: string): void => {
      const pad = " ".repeat(indent);
      const prefix = (i: number) => (i === 0 && firstPrefix !== undefined ? firstPrefix : pad);
      if ("map" in tree) {
        tree.map.forEach(([key, value], i) => {
          if ("scalar" in value) out.push(`${prefix(i)}${key}: ${value.scalar}${how.comments ? " # c" : ""}`);
          else {
            out.push(`${prefix(i)}${key}:`);
            if (how.comments) out.push(`${pad}# between`);
            render(value, "seq" in value && how.compact ? indent : indent + how.step, how, out);
          }
        });
      } else if ("seq" in tree) {
        tree.seq.forEach((item, i) => {
          const dash = `${prefix(i)}-${" ".repeat(how.gap)}`;
          if ("scalar" in item) out.push(`${dash}${item.scalar}`);
          else if ("map" in item) render(item, indent + 1 + how.gap, how, out, dash);
          else {
            out.push(`${prefix(i)}-`);
            render(item, indent + how.step, how, out);
          }
        });
      }
    };
    let accepted = 0;
    fc.assert(
      fc.property(map, layout, (tree, how) => {
        const out: string[] = [];
        render(tree, 0, how, out);
        if (expectAgreement(`${out.join("\n")}\n`)) accepted++;
      }),
      { numRuns: Number(process.env.YAML_RUNS ?? 3000) },
    );
    expect(accepted).toBeGreaterThan(300);
  });
});
