/**
 * scripts/native-async-generators.mjs (the postinstall step): connect-es's
 * server-path async generators are native and made once per module, the
 * rewrite keeps what the lowered code did, and it refuses shapes it does
 * not know. The last test shows why it exists: a child process runs a
 * lowered pipeline and its rewrite under --trace-gc-nvp, and the lowered
 * one keeps a large share of each call alive through young collections.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { pipe, transformSplitEnvelope } from "@connectrpc/connect/protocol";
import ts from "typescript";
import { afterAll, describe, expect, test } from "vitest";
import {
  CONNECT_VERSION,
  connectDir,
  FILES,
  hoistFactoryGenerators,
  rewrite,
} from "../../scripts/native-async-generators.mjs";
import { repoRoot } from "./harness.js";

const run = promisify(execFile);
const scratch = mkdtempSync(join(tmpdir(), "native-async-generators-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** TypeScript's ES2017 emit of `source` (what connect-es publishes), then the script's two steps. */
function lowered(source: string): string {
  return ts.transpileModule(source, {
    compilerOptions: { target: ts.ScriptTarget.ES2017, module: ts.ModuleKind.ES2022 },
  }).outputText;
}
function rewritten(source: string): string {
  return hoistFactoryGenerators(rewrite(source, ts).source, ts).source;
}
async function load(code: string, name: string): Promise<Record<string, unknown>> {
  const path = join(scratch, `${name}.mjs`);
  writeFileSync(path, code);
  return (await import(pathToFileURL(path).href)) as Record<string, unknown>;
}

const PIPELINE = `
  export async function* source(n) { for (let i = 0; i < n; i++) yield { i, pad: new Array(64).fill(i) }; }
  export function transformAdd(k, state) {
    return async function* (iterable) {
      for await (const v of iterable) yield await Promise.resolve({ ...v, i: v.i + k + (state?.offset ?? 0) });
    };
  }
  export function transformTakeWhile(limit) {
    let seen = 0;
    return async function* (iterable) {
      for await (const v of iterable) { if (++seen > limit) return "stopped"; yield v; }
    };
  }
  export async function* concat(a, b) { const r = yield* a; yield* b; return r; }
  export async function collect(it) { const out = []; for await (const v of it) out.push(v.i); return out; }
`;

describe("connect-es async generators made native (scripts/native-async-generators.mjs)", () => {
  test(`the installed @connectrpc/connect is ${CONNECT_VERSION}, the version the rewrite was checked against`, () => {
    const installed = JSON.parse(readFileSync(join(connectDir(), "package.json"), "utf8")) as { version: string };
    expect(installed.version).toBe(CONNECT_VERSION);
    const manifest = JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as {
      scripts: Record<string, string>;
    };
    expect(manifest.scripts.postinstall).toBe("node scripts/native-async-generators.mjs");
  });

  test("the installed server-path files carry no lowered generator and no per-call generator function", () => {
    for (const name of FILES) {
      const source = readFileSync(join(connectDir(), name), "utf8");
      expect(source, name).not.toMatch(/__asyncGenerator\(this/);
      expect(source, name).not.toMatch(/return async function\*/);
    }
    expect(Object.getPrototypeOf(pipe).constructor.name).toBe("AsyncGeneratorFunction");
    const split = transformSplitEnvelope(1024);
    expect(Object.getPrototypeOf(split).constructor.name).toBe("Function");
  });

  test("the rewrite is the inverse of TypeScript's lowering: same values, returns and delegation", async () => {
    const before = lowered(PIPELINE);
    expect(before).toContain("__asyncGenerator(this, arguments");
    const after = rewritten(before);
    expect(after).not.toContain("__asyncGenerator(this, arguments");
    // transformAdd's generator moves to module level; transformTakeWhile's reads the factory's `seen` and stays.
    expect(hoistFactoryGenerators(rewrite(before, ts).source, ts).hoisted).toBe(1);
    expect(rewritten(after)).toBe(after);
    const a = await load(before, "lowered");
    const b = await load(after, "rewritten");
    for (const m of [a, b]) {
      const { source, transformAdd, transformTakeWhile, concat, collect } = m as {
        source: (n: number) => AsyncIterable<{ i: number }>;
        transformAdd: (k: number) => (it: AsyncIterable<unknown>) => AsyncIterable<{ i: number }>;
        transformTakeWhile: (n: number) => (it: AsyncIterable<unknown>) => AsyncGenerator<{ i: number }, unknown>;
        concat: (x: AsyncIterable<unknown>, y: AsyncIterable<unknown>) => AsyncGenerator<{ i: number }, unknown>;
        collect: (it: AsyncIterable<{ i: number }>) => Promise<number[]>;
      };
      expect(await collect(transformAdd(10)(source(3)))).toEqual([10, 11, 12]);
      const limited = transformTakeWhile(2)(source(5));
      expect(await collect(limited)).toEqual([0, 1]);
      const joined = concat(transformTakeWhile(1)(source(3)), source(2));
      const seen: number[] = [];
      let last = await joined.next();
      for (; !last.done; last = await joined.next()) seen.push(last.value.i);
      expect(seen).toEqual([0, 0, 1]);
      expect(last.value).toBe("stopped");
    }
  });

  test("a lowered generator of an unknown shape is refused, not half rewritten", () => {
    const odd = `${lowered("export async function* g() { yield 1; }")}`.replace(
      "return __asyncGenerator(this, arguments,",
      "const x = 1; return __asyncGenerator(this, arguments,",
    );
    expect(() => rewrite(odd, ts)).toThrow(/unknown shape/);
  });

  test("a factory generator that reads the factory's locals or assigns its parameters stays where it is", () => {
    const source = `
      export function counter(start) {
        let n = start;
        return async function* (it) { for await (const v of it) yield n++ + v; };
      }
      export function reset(k) {
        return async function* (it) { k = 0; for await (const v of it) yield v + k; };
      }
    `;
    const { hoisted } = hoistFactoryGenerators(source, ts);
    expect(hoisted).toBe(0);
  });

  const keeps =
    "the lowered pipeline keeps a share of each call through young collections, the rewritten one almost none";
  test(keeps, async () => {
    const before = lowered(PIPELINE);
    const paths = {
      lowered: join(scratch, "gc-lowered.mjs"),
      rewritten: join(scratch, "gc-rewritten.mjs"),
    };
    writeFileSync(paths.lowered, before);
    writeFileSync(paths.rewritten, rewritten(before));
    const survival = async (path: string): Promise<number> => {
      const script = `
          const url = ${JSON.stringify(pathToFileURL(path).href)};
          const { source, transformAdd, collect } = await import(url);
          for (let round = 0; round < 400; round++) {
            // Like a call's pipes: each stage holds per-call state (connect's handler context, its buffers).
            await Promise.all(Array.from({ length: 8 }, () => {
              const state = { offset: 0, pad: new Array(2000).fill(round) };
              return collect(transformAdd(1, state)(transformAdd(2, state)(transformAdd(3, state)(source(4)))));
            }));
            if (round % 20 === 0) await new Promise((resolve) => setImmediate(resolve));
          }
        `;
      const { stderr, stdout } = await run(process.execPath, ["--trace-gc-nvp", "--input-type=module", "-e", script], {
        maxBuffer: 64 * 1024 * 1024,
      });
      const rates = [...(stdout + stderr).matchAll(/gc=s .*?new_space_survive_rate_=([\d.]+)%/g)].map((m) =>
        Number(m[1]),
      );
      expect(rates.length).toBeGreaterThanOrEqual(5);
      const steady = rates.slice(2).sort((x, y) => x - y);
      return steady[Math.floor(steady.length / 2)] ?? 0;
    };
    const [stock, native] = await Promise.all([survival(paths.lowered), survival(paths.rewritten)]);
    expect(stock).toBeGreaterThan(15);
    expect(native).toBeLessThan(stock / 3);
  }, 120_000);
});
