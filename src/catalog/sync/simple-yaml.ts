/**
 * A fast parser for the plain block YAML that definition files are almost
 * always written in: one document of nested block mappings and lists whose
 * leaves are one-line plain or quoted scalars and one-line flow lists/maps
 * of plain scalars. The full `yaml` library costs about 0.5 ms per
 * definition file (its composer dominates a 10,000-file sync); this parser
 * is more than ten times faster.
 *
 * It never guesses: anything outside that subset (anchors, aliases, tags,
 * block scalars, multi-line scalars, escapes, several documents, tabs, CRLF,
 * duplicate keys, odd indentation, anything that could be an error) makes it
 * return undefined, and the caller parses the file with the full library,
 * which also produces the error messages. What it does accept resolves
 * exactly as the library's YAML 1.2 core schema does (simple-yaml.test.ts
 * checks both agree, lines included).
 */
import type { SourceMap, SourceNode, SourceScalar, SourceSeq } from "./source-tree.js";

interface Line {
  /** 1-based line number in the file. */
  number: number;
  indent: number;
  /** The line without its indentation. */
  content: string;
}

/** Thrown inside the parser to give up; never escapes parseSimpleYaml. */
class Unsupported extends Error {}

/** Keys the core schema would not resolve to the same string (or that are special on a JS object). */
const NON_STRING_KEYS = new Set([
  "true",
  "True",
  "TRUE",
  "false",
  "False",
  "FALSE",
  "null",
  "Null",
  "NULL",
  "__proto__",
]);
/** Characters that cannot start a plain scalar here (indicators, or constructs left to the full parser). */
const PLAIN_START_INDICATORS = new Set([
  "&",
  "*",
  "!",
  "|",
  ">",
  "%",
  "@",
  "`",
  ",",
  "#",
  "]",
  "}",
  "[",
  "{",
  "'",
  '"',
]);

/** The document's tree, or undefined when the text needs the full YAML parser. */
export function parseSimpleYaml(text: string): SourceNode | undefined {
  if (/[\t\r\uFEFF]/.test(text)) return undefined;
  try {
    const lines = contentLines(text);
    if (lines.length === 0) return undefined;
    const parser = new BlockParser(lines);
    const first = lines[0]!;
    if (first.indent !== 0) return undefined;
    const root = parser.node(0);
    if (!parser.done() || root.kind !== "map") return undefined;
    return root;
  } catch (err) {
    if (err instanceof Unsupported) return undefined;
    throw err;
  }
}

/** Non-blank, non-comment lines; a leading `---` is allowed, any other document marker or directive is not. */
function contentLines(text: string): Line[] {
  const raw = text.split("\n");
  const lines: Line[] = [];
  let started = false;
  for (let i = 0; i < raw.length; i++) {
    const full = raw[i]!;
    let indent = 0;
    while (full.charCodeAt(indent) === 32) indent++;
    const content = full.slice(indent).trimEnd();
    if (content === "" || content.startsWith("#")) continue;
    if (indent === 0 && (content.startsWith("---") || content.startsWith("...") || content.startsWith("%"))) {
      if (content === "---" && !started) {
        started = true;
        continue;
      }
      throw new Unsupported();
    }
    started = true;
    lines.push({ number: i + 1, indent, content });
  }
  return lines;
}

/**
 * The length of the plain key `content` starts with, when it is a mapping
 * line (`key:` alone or followed by a space); -1 otherwise. Keys are
 * `[A-Za-z_][A-Za-z0-9_./-]*` (a hand-written scan: this runs for every
 * line of every file).
 */
function keyLength(content: string): number {
  const first = content.charCodeAt(0);
  if (!(isLetter(first) || first === 95)) return -1;
  let i = 1;
  for (; i < content.length; i++) {
    const c = content.charCodeAt(i);
    if (isLetter(c) || (c >= 48 && c <= 57) || c === 95 || c === 46 || c === 47 || c === 45) continue;
    break;
  }
  if (content.charCodeAt(i) !== 58) return -1; // ':'
  return i + 1 === content.length || content.charCodeAt(i + 1) === 32 ? i : -1;
}

function isLetter(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

function isSequenceEntry(content: string): boolean {
  return content === "-" || content.startsWith("- ");
}

/**
 * The keys of one mapping, to refuse duplicates. Mappings are nearly always
 * a handful of keys, where scanning a short array beats allocating a Set
 * for each one; a long mapping moves to a Set, so it stays linear.
 */
class KeySet {
  private few: string[] = [];
  private many: Set<string> | undefined;

  /** Adds `key`; false when it was already there. */
  add(key: string): boolean {
    if (this.many) {
      if (this.many.has(key)) return false;
      this.many.add(key);
      return true;
    }
    if (this.few.includes(key)) return false;
    this.few.push(key);
    if (this.few.length > 16) this.many = new Set(this.few);
    return true;
  }
}

class BlockParser {
  private next = 0;

  constructor(private readonly lines: Line[]) {}

  done(): boolean {
    return this.next === this.lines.length;
  }

  private peek(): Line | undefined {
    return this.lines[this.next];
  }

  /** The block node whose first line is the next one, at exactly `indent`. */
  node(indent: number): SourceMap | SourceSeq {
    const line = this.peek();
    if (!line || line.indent !== indent) throw new Unsupported();
    return isSequenceEntry(line.content) ? this.sequence(indent) : this.mapping(indent);
  }

  private mapping(indent: number): SourceMap {
    const map: SourceMap = { kind: "map", line: this.peek()!.number, pairs: [] };
    const keys = new KeySet();
    for (let line = this.peek(); line && line.indent >= indent; line = this.peek()) {
      if (line.indent > indent) throw new Unsupported();
      if (isSequenceEntry(line.content)) break; // a compact list value ends here; the caller decides
      const colon = keyLength(line.content);
      if (colon === -1) throw new Unsupported();
      const key = line.content.slice(0, colon);
      if (NON_STRING_KEYS.has(key) || !keys.add(key)) throw new Unsupported();
      this.next++;
      const rest = line.content.slice(colon + 1).trimStart();
      let value: SourceNode;
      if (rest === "" || rest.startsWith("#")) {
        const following = this.peek();
        if (following && following.indent > indent) value = this.node(following.indent);
        else if (following && following.indent === indent && isSequenceEntry(following.content))
          value = this.sequence(indent);
        else value = { kind: "scalar", line: line.number, value: null, source: "" };
      } else {
        value = inlineValue(rest, line.number);
        this.expectNothingDeeperThan(indent);
      }
      map.pairs.push({ key: { kind: "scalar", line: line.number, value: key, source: key }, value });
    }
    return map;
  }

  private sequence(indent: number): SourceSeq {
    const seq: SourceSeq = { kind: "seq", line: this.peek()!.number, items: [] };
    for (let line = this.peek(); line && line.indent >= indent; line = this.peek()) {
      if (line.indent > indent) throw new Unsupported();
      if (!isSequenceEntry(line.content)) break;
      let spaces = 1;
      while (line.content.charCodeAt(spaces) === 32) spaces++;
      const rest = line.content.slice(spaces);
      // An empty entry, or a list directly in a list: left to the full parser.
      if (rest === "" || rest.startsWith("#") || isSequenceEntry(rest)) throw new Unsupported();
      if (keyLength(rest) !== -1) {
        // `- key: value` starts a mapping at the key's column: reread this line as its first line.
        this.lines[this.next] = { number: line.number, indent: indent + spaces, content: rest };
        seq.items.push(this.mapping(indent + spaces));
      } else {
        this.next++;
        seq.items.push(inlineValue(rest, line.number));
        this.expectNothingDeeperThan(indent);
      }
    }
    return seq;
  }

  /** After a one-line value, a deeper line would continue it (multi-line scalar) or be an error. */
  private expectNothingDeeperThan(indent: number): void {
    const following = this.peek();
    if (following && following.indent > indent) throw new Unsupported();
  }
}

/** A value written on the key's (or list entry's) line. */
function inlineValue(text: string, line: number): SourceNode {
  const first = text[0];
  if (first === '"' || first === "'") {
    const { value, end } = quoted(text);
    expectComment(text.slice(end));
    return { kind: "scalar", line, value };
  }
  if (first === "[" || first === "{") return flowCollection(text, line);
  const comment = text.indexOf(" #");
  const plain = (comment === -1 ? text : text.slice(0, comment)).trimEnd();
  return plainScalar(plain, line);
}

/** A one-line quoted scalar without escapes; `end` is the index after its closing quote. */
function quoted(text: string): { value: string; end: number } {
  const quote = text[0]!;
  if (quote === '"') {
    const close = text.indexOf('"', 1);
    if (close === -1) throw new Unsupported();
    const value = text.slice(1, close);
    if (value.includes("\\")) throw new Unsupported();
    return { value, end: close + 1 };
  }
  let value = "";
  let i = 1;
  for (;;) {
    const close = text.indexOf("'", i);
    if (close === -1) throw new Unsupported();
    value += text.slice(i, close);
    if (text[close + 1] !== "'") return { value, end: close + 1 };
    value += "'";
    i = close + 2;
  }
}

/** What may follow a complete value on its line: nothing, or a comment after a space. */
function expectComment(rest: string): void {
  if (rest !== "" && !/^ +#/.test(rest) && rest.trim() !== "") throw new Unsupported();
}

function plainScalar(text: string, line: number): SourceScalar {
  if (text === "") throw new Unsupported();
  const first = text[0]!;
  if (PLAIN_START_INDICATORS.has(first)) throw new Unsupported();
  if ((first === "-" || first === "?" || first === ":") && (text.length === 1 || text[1] === " "))
    throw new Unsupported();
  // `a: b` in a value is a nested mapping (an error in block context); a trailing `:` likewise.
  if (text.includes(": ") || text.endsWith(":")) throw new Unsupported();
  return { kind: "scalar", line, value: resolvePlain(text), source: text };
}

/** `[a, b]` or `{ k: v }` on one line, of plain scalars only. */
function flowCollection(text: string, line: number): SourceNode {
  const close = text[0] === "[" ? "]" : "}";
  const end = text.indexOf(close);
  if (end === -1) throw new Unsupported();
  expectComment(text.slice(end + 1));
  const inner = text.slice(1, end);
  if (/[[\]{}"'#]/.test(inner)) throw new Unsupported();
  const parts = inner.trim() === "" ? [] : inner.split(",").map((part) => part.trim());
  if (parts.some((part) => part === "")) throw new Unsupported();
  if (close === "]") {
    return { kind: "seq", line, items: parts.map((part) => flowPlain(part, line)) };
  }
  const map: SourceMap = { kind: "map", line, pairs: [] };
  const keys = new KeySet();
  for (const part of parts) {
    const match = /^([A-Za-z_][A-Za-z0-9_./-]*): +(.+)$/.exec(part);
    if (!match) throw new Unsupported();
    const key = match[1]!;
    if (NON_STRING_KEYS.has(key) || !keys.add(key)) throw new Unsupported();
    map.pairs.push({ key: { kind: "scalar", line, value: key, source: key }, value: flowPlain(match[2]!, line) });
  }
  return map;
}

function flowPlain(text: string, line: number): SourceScalar {
  // In flow context `:` and `?` have more meanings; keep to scalars without them.
  if (text.includes(":") || text.includes("?")) throw new Unsupported();
  return plainScalar(text, line);
}

/** First characters (by code, ASCII) of the core schema's null, boolean, number, infinity and NaN forms. */
const MAY_NOT_BE_STRING: boolean[] = Array.from({ length: 128 }, (_, code) =>
  "~nNtTfF+-.0123456789".includes(String.fromCharCode(code)),
);

/** The YAML 1.2 core schema, in the order the `yaml` library tries its tags. */
function resolvePlain(text: string): string | number | boolean | null {
  // Every non-string form starts with one of ~ n N t T f F + - . or a digit; most values (names, words) do not.
  if (text !== "" && !MAY_NOT_BE_STRING[text.charCodeAt(0)]) return text;
  if (/^(?:~|[Nn]ull|NULL)?$/.test(text)) return null;
  if (/^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$/.test(text)) return text[0] === "t" || text[0] === "T";
  if (/^0o[0-7]+$/.test(text)) return parseInt(text.slice(2), 8);
  if (/^[-+]?[0-9]+$/.test(text)) return parseInt(text, 10);
  if (/^0x[0-9a-fA-F]+$/.test(text)) return parseInt(text.slice(2), 16);
  if (/^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/.test(text)) {
    return text.slice(-3).toLowerCase() === "nan" ? NaN : text[0] === "-" ? -Infinity : Infinity;
  }
  if (/^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$/.test(text)) return parseFloat(text);
  if (/^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$/.test(text)) return parseFloat(text);
  return text;
}
