#!/usr/bin/env node
/**
 * Rewrites connect-es's server path so that a finished call's objects die
 * in the young generation, and lets the server give connect its own JSON
 * writer (run by `npm install` as the postinstall step; idempotent).
 *
 * Why: under 1,300 gRPC GetComponent/s, 22% of the young generation
 * survived each young collection (scavenge) as connect is published: ~11 MB
 * copied per scavenge in 25-60 ms pauses that were the p99, in a bare
 * connect-node server as in the catalog. Survivors are promoted and live
 * until the next full collection. Two patterns in connect's per-call code
 * do it; each was found by elimination with connect's gRPC handler called
 * in a loop in one process (docs/performance.md):
 *   - per-call generator functions. @connectrpc/connect is compiled for
 *     ES2017, so TypeScript lowers every `async function*` to `function f()
 *     { return __asyncGenerator(this, arguments, function* f_1() { ... }) }`,
 *     and its pipe stages are factories that return a fresh `async
 *     function*` per call. V8 keeps what a call's freshly created generator
 *     functions reach alive through scavenges (a fully consumed sync
 *     generator from a per-call function expression keeps 4-60% of the
 *     allocation alive through the next scavenge, one declared once 0%;
 *     likely each new function's own initial map, which V8 allocates in the
 *     old generation). The handler loop: 22% -> 10%;
 *   - untilFirst (every unary answer) builds its iterator as an object
 *     literal with an `async next()` method and then adds the `throw` and
 *     `return` closures to it. Built that way, the iterator keeps its call
 *     alive through scavenges; built as one literal, it does not. V8's
 *     allocation-site pretenuring takes part (with
 *     --no-allocation-site-pretenuring the published form keeps nothing
 *     either); how is not pinned down. The handler loop: 10% -> 0.3-0.5%.
 * Node has run async generators natively since 10, and connect asks for
 * Node 18 or newer.
 *
 * The JSON writer: connect serialises every JSON response itself with
 * protobuf-es's toJsonString, and has no option to replace it. A Connect
 * list page of 50 components spent 45% of its CPU there, converting
 * messages the catalog already holds (bench/unary profiles), so the server
 * could not keep a record's JSON text the way it keeps its binary bytes
 * (src/api/wire-cache.ts). Step 4 makes connect's JSON serialisation call
 * `jsonOptions.toJsonString` when the options have one (the same signature
 * and result as protobuf-es's), and protobuf-es's otherwise.
 *
 * Four steps, in the files listed in FILES only:
 *   1. a function whose whole body is `return __asyncGenerator(this,
 *      arguments, function* () { B })` becomes `async function*` (same
 *      parameters) with body B', where B' is B with `yield __await(x)` ->
 *      `await x` (so `yield yield __await(x)` -> `yield await x`, `return
 *      yield __await(x)` -> `return await x`) and `yield*
 *      __asyncDelegator(__asyncValues(x))` -> `yield* x`: the inverse of
 *      TypeScript's lowering, so the behaviour is the source's;
 *   2. hoistFactoryGenerators (below) moves a factory's `return async
 *      function* (x) { ... }` to module level behind an arrow;
 *   3. untilFirstInOneLiteral (below) replaces untilFirst's iterator
 *      construction, matched exactly, with one literal per combination of
 *      the properties it would have had;
 *   4. jsonWriterOption (below) replaces the JSON serialiser's call to
 *      toJsonString, matched exactly, with the call to the option's writer
 *      when there is one.
 * A file whose lowered generators do not all match, or whose untilFirst or
 * JSON serialiser is not the known text, is left untouched and reported,
 * and the script exits
 * non-zero, so an upgrade that changes the emit is seen; it also refuses a
 * connect version other than CONNECT_VERSION.
 * test/api/rewrite-connect.test.ts checks the installed files, the
 * rewrite's behaviour and its effect on survival.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

/** The connect-es files on the server's per-call path (request and response pipes, handler invocation, JSON). */
export const FILES = [
  "dist/esm/protocol/async-iterable.js",
  "dist/esm/protocol/invoke-implementation.js",
  "dist/esm/protocol/serialization.js",
];

/** The connect version the rewrite was written against (package.json pins it exactly). */
export const CONNECT_VERSION = "2.3.0";

/** Where npm installs it (connect's exports map does not export its package.json). */
export function connectDir() {
  return join(root, "node_modules", "@connectrpc", "connect");
}

/** `source` with each edit's range replaced by its text (edits do not overlap). */
function applyEdits(source, edits) {
  edits.sort((a, b) => b.start - a.start || b.end - a.end);
  let out = source;
  for (const edit of edits) out = out.slice(0, edit.start) + edit.text + out.slice(edit.end);
  return out;
}

/** Returns the rewritten source and how many generators it rewrote; throws on a lowered generator it cannot. */
export function rewrite(source, ts) {
  const file = ts.createSourceFile("f.js", source, ts.ScriptTarget.Latest, true, ts.ScriptKind.JS);
  const edits = [];
  let rewritten = 0;

  const isCallTo = (node, name) =>
    ts.isCallExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === name;

  /** Edits inside one generator body; does not enter nested functions (their yields are their own). */
  function rewriteBody(node) {
    if (ts.isFunctionLike(node)) return;
    if (ts.isYieldExpression(node) && node.expression) {
      const inner = node.expression;
      if (!node.asteriskToken && isCallTo(inner, "__await") && inner.arguments.length === 1) {
        edits.push({ start: node.getStart(file), end: inner.arguments[0].getStart(file), text: "await (" });
        edits.push({ start: inner.arguments[0].getEnd(), end: node.getEnd(), text: ")" });
      } else if (
        node.asteriskToken &&
        isCallTo(inner, "__asyncDelegator") &&
        inner.arguments.length === 1 &&
        isCallTo(inner.arguments[0], "__asyncValues") &&
        inner.arguments[0].arguments.length === 1
      ) {
        const target = inner.arguments[0].arguments[0];
        edits.push({ start: inner.getStart(file), end: target.getStart(file), text: "" });
        edits.push({ start: target.getEnd(), end: inner.getEnd(), text: "" });
      }
    }
    ts.forEachChild(node, rewriteBody);
  }

  function visit(node) {
    if (isCallTo(node, "__asyncGenerator")) {
      const [self, args, generator] = node.arguments;
      const ret = node.parent;
      const outer = ret?.parent?.parent;
      const matches =
        self?.kind === ts.SyntaxKind.ThisKeyword &&
        ts.isIdentifier(args) &&
        args.text === "arguments" &&
        generator &&
        ts.isFunctionExpression(generator) &&
        generator.asteriskToken &&
        generator.parameters.length === 0 &&
        ts.isReturnStatement(ret) &&
        ts.isBlock(ret.parent) &&
        ret.parent.statements.length === 1 &&
        outer &&
        (ts.isFunctionDeclaration(outer) || ts.isFunctionExpression(outer)) &&
        !outer.asteriskToken &&
        !outer.modifiers?.some((m) => m.kind === ts.SyntaxKind.AsyncKeyword);
      if (!matches) throw new Error(`a lowered async generator at offset ${node.getStart(file)} has an unknown shape`);
      // `function` -> `async function*`, then the outer body becomes the generator's body.
      const keyword = outer.getChildren(file).find((child) => child.kind === ts.SyntaxKind.FunctionKeyword);
      edits.push({ start: keyword.getStart(file), end: keyword.getEnd(), text: "async function*" });
      edits.push({ start: ret.parent.getStart(file), end: generator.body.getStart(file), text: "" });
      edits.push({ start: generator.body.getEnd(), end: ret.parent.getEnd(), text: "" });
      ts.forEachChild(generator.body, rewriteBody);
      rewritten++;
      return;
    }
    ts.forEachChild(node, visit);
  }
  visit(file);
  return { source: applyEdits(source, edits), rewritten };
}

/**
 * Moves async generators that a factory makes per call to module level:
 * `function f(a, b) { ... return async function* (x) { B } ... }` becomes
 * `... return (x) => f$gen0(x, a, b) ...` with `async function* f$gen0(x,
 * a, b) { B }` at the end of the module. Each call then creates an arrow
 * instead of a generator function.
 * Only where that is the same program: B uses no `this` or `arguments`,
 * names nothing the factory declares besides its parameters, and assigns
 * none of them; the factory's parameters are plain names that B's own
 * parameters do not shadow. Others stay as they are.
 */
export function hoistFactoryGenerators(source, ts) {
  const file = ts.createSourceFile("f.js", source, ts.ScriptTarget.Latest, true, ts.ScriptKind.JS);
  const edits = [];
  const appended = [];
  let hoisted = 0;

  const names = (params) =>
    params.every((p) => ts.isIdentifier(p.name) && !p.dotDotDotToken && !p.initializer)
      ? params.map((p) => p.name.text)
      : undefined;

  function declaredNames(fn, except) {
    const found = new Set();
    (function walk(node) {
      if (node === except) return;
      // Nested functions declare into their own scope (the factory's own name is declared outside it).
      if (ts.isFunctionLike(node) && node !== fn) {
        if (ts.isFunctionDeclaration(node) && node.name) found.add(node.name.text);
        return;
      }
      if (
        (ts.isVariableDeclaration(node) || ts.isFunctionDeclaration(node) || ts.isClassDeclaration(node)) &&
        node.name &&
        ts.isIdentifier(node.name)
      )
        found.add(node.name.text);
      if (ts.isVariableDeclaration(node) && node.name && !ts.isIdentifier(node.name)) found.add("\u0000destructured");
      if (ts.isCatchClause(node) && node.variableDeclaration) found.add(node.variableDeclaration.name.getText(file));
      ts.forEachChild(node, walk);
    })(fn);
    return found;
  }

  function usesThisOrArguments(body) {
    let found = false;
    (function walk(node) {
      if (found) return;
      if ((ts.isFunctionExpression(node) || ts.isFunctionDeclaration(node)) && node !== body) return;
      if (node.kind === ts.SyntaxKind.ThisKeyword || (ts.isIdentifier(node) && node.text === "arguments")) found = true;
      ts.forEachChild(node, walk);
    })(body);
    return found;
  }

  function identifiersIn(body) {
    const ids = new Set();
    const assigned = new Set();
    (function walk(node) {
      if (ts.isIdentifier(node)) {
        const parent = node.parent;
        const isPropertyName =
          (ts.isPropertyAccessExpression(parent) && parent.name === node) ||
          (ts.isPropertyAssignment(parent) && parent.name === node);
        if (!isPropertyName) ids.add(node.text);
      }
      if (ts.isShorthandPropertyAssignment(node)) ids.add(node.name.text);
      if (
        ts.isBinaryExpression(node) &&
        node.operatorToken.kind >= ts.SyntaxKind.FirstAssignment &&
        node.operatorToken.kind <= ts.SyntaxKind.LastAssignment &&
        ts.isIdentifier(node.left)
      )
        assigned.add(node.left.text);
      if (
        (ts.isPrefixUnaryExpression(node) || ts.isPostfixUnaryExpression(node)) &&
        ts.isIdentifier(node.operand) &&
        (node.operator === ts.SyntaxKind.PlusPlusToken || node.operator === ts.SyntaxKind.MinusMinusToken)
      )
        assigned.add(node.operand.text);
      ts.forEachChild(node, walk);
    })(body);
    return { ids, assigned };
  }

  function visit(node) {
    if (
      ts.isReturnStatement(node) &&
      node.expression &&
      ts.isFunctionExpression(node.expression) &&
      node.expression.asteriskToken &&
      node.expression.modifiers?.some((m) => m.kind === ts.SyntaxKind.AsyncKeyword)
    ) {
      const generator = node.expression;
      let factory = node.parent;
      while (factory && !ts.isFunctionLike(factory)) factory = factory.parent;
      const factoryParams =
        factory && (ts.isFunctionDeclaration(factory) || ts.isFunctionExpression(factory)) && factory.body
          ? names(factory.parameters)
          : undefined;
      const ownParams = names(generator.parameters);
      if (
        factoryParams &&
        ownParams &&
        !ownParams.some((n) => factoryParams.includes(n)) &&
        !usesThisOrArguments(generator.body)
      ) {
        const locals = declaredNames(factory, generator);
        const { ids, assigned } = identifiersIn(generator.body);
        const clashes =
          [...locals].some((n) => ids.has(n)) ||
          locals.has("\u0000destructured") ||
          factoryParams.some((n) => assigned.has(n)) ||
          (generator.name && ids.has(generator.name.text));
        if (!clashes) {
          const base = factory.name ? factory.name.text : "factory";
          const name = `${base}$gen${hoisted}`;
          const params = [...ownParams, ...factoryParams].join(", ");
          edits.push({
            start: generator.getStart(file),
            end: generator.getEnd(),
            text: `(${ownParams.join(", ")}) => ${name}(${params})`,
          });
          appended.push(`async function* ${name}(${params}) ${generator.body.getText(file)}`);
          hoisted++;
          return;
        }
      }
    }
    ts.forEachChild(node, visit);
  }
  visit(file);
  let out = applyEdits(source, edits);
  if (appended.length > 0)
    out = `${out.trimEnd()}\n// Moved to module level by scripts/rewrite-connect.mjs.\n${appended.join("\n")}\n`;
  return { source: out, hoisted };
}

/** untilFirst's iterator as connect 2.3.0 builds it: a literal with a method, then the closures added one by one. */
export const UNTIL_FIRST_PUBLISHED = `            const w = {
                async next() {
                    if (first !== null) {
                        const n = first;
                        first = null;
                        return n;
                    }
                    return await it.next();
                },
            };
            if (it.throw !== undefined) {
                w.throw = (e) => it.throw(e);
            }
            if (it.return !== undefined) {
                w.return = (value) => it.return(value);
            }
            return w;`;

/**
 * The same iterator made by one literal: the same properties in the same order (next, then throw and return
 * when the inner iterator has them), each function doing what the published one does. `next` is an async
 * arrow instead of an async method: neither uses `this` or can be constructed.
 */
export const UNTIL_FIRST_ONE_LITERAL = `            const next = async () => {
                if (first !== null) {
                    const n = first;
                    first = null;
                    return n;
                }
                return await it.next();
            };
            // One literal per shape (rewritten by scripts/rewrite-connect.mjs).
            if (it.throw !== undefined && it.return !== undefined) {
                return { next, throw: (e) => it.throw(e), return: (value) => it.return(value) };
            }
            if (it.throw !== undefined) {
                return { next, throw: (e) => it.throw(e) };
            }
            if (it.return !== undefined) {
                return { next, return: (value) => it.return(value) };
            }
            return { next };`;

/**
 * `source` with `published` replaced by `rewritten` when `source` is the file `marker` names; other files
 * pass through, and so does a file already rewritten. Throws when the file does not hold `published` once.
 */
function replaceExact(source, marker, published, rewritten, what) {
  if (!source.includes(marker)) return { source, replaced: 0 };
  if (source.includes(rewritten)) return { source, replaced: 0 };
  const at = source.indexOf(published);
  if (at < 0 || source.indexOf(published, at + 1) >= 0) throw new Error(`${what} is not the text the rewrite knows`);
  return { source: source.slice(0, at) + rewritten + source.slice(at + published.length), replaced: 1 };
}

/** Step 3 for the file that defines untilFirst; other files pass through. Throws on an unknown untilFirst. */
export function untilFirstInOneLiteral(source) {
  const marker = "export async function untilFirst(";
  return replaceExact(source, marker, UNTIL_FIRST_PUBLISHED, UNTIL_FIRST_ONE_LITERAL, "untilFirst");
}

/** The JSON serialiser's call as connect 2.3.0 makes it (createJsonSerialization, serialize). */
export const JSON_WRITER_PUBLISHED = `                const json = toJsonString(desc, data, o);`;

/** The same call, through the options' own writer when they carry one. */
export const JSON_WRITER_OPTION = `                // The options' own JSON writer when they carry one (rewritten by scripts/rewrite-connect.mjs).
                const json = o.toJsonString !== undefined ? o.toJsonString(desc, data, o) : toJsonString(desc, data, o);`;

/** Step 4 for the file that defines the JSON serialisation; other files pass through. Throws on unknown text. */
export function jsonWriterOption(source) {
  const marker = "export function createJsonSerialization(";
  return replaceExact(source, marker, JSON_WRITER_PUBLISHED, JSON_WRITER_OPTION, "the JSON serialiser");
}

async function main() {
  let ts;
  try {
    ts = (await import("typescript")).default;
  } catch {
    // A production install without dev dependencies: the files stay as published (correct, only slower).
    console.warn("rewrite-connect: typescript is not installed; connect-es left as published");
    return 0;
  }
  const dir = connectDir();
  const version = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")).version;
  if (version !== CONNECT_VERSION) {
    console.error(
      `rewrite-connect: @connectrpc/connect is ${version}, the rewrite was checked against ` +
        `${CONNECT_VERSION}; check the new files and update CONNECT_VERSION in scripts/rewrite-connect.mjs`,
    );
    return 1;
  }
  let failed = 0;
  for (const name of FILES) {
    const path = join(dir, name);
    const source = readFileSync(path, "utf8");
    try {
      const { source: native, rewritten } = rewrite(source, ts);
      const { source: hoistedSource, hoisted } = hoistFactoryGenerators(native, ts);
      const { source: oneLiteral, replaced } = untilFirstInOneLiteral(hoistedSource);
      const { source: out, replaced: writer } = jsonWriterOption(oneLiteral);
      if (out !== source) writeFileSync(path, out);
      console.log(
        `rewrite-connect: ${name}: ${rewritten} made native, ${hoisted} moved to module level` +
          (replaced ? ", untilFirst in one literal" : "") +
          (writer ? ", JSON writer option" : ""),
      );
    } catch (err) {
      console.error(`rewrite-connect: ${name}: ${err.message}; left as published`);
      failed++;
    }
  }
  return failed === 0 ? 0 : 1;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) process.exitCode = await main();
