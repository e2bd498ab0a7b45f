/**
 * scripts/rewrite-connect.mjs (the postinstall step): connect-es's
 * server-path async generators are native and made once per module, its
 * untilFirst builds its iterator in one literal, its JSON serialisation
 * takes the writer the options give, the rewrite keeps what the published
 * code did, and it refuses shapes it does not know. Two tests
 * show why it exists: child processes run the code before and after under
 * --trace-gc-nvp, and the code before keeps a large share of each call
 * alive through young collections.
 */
import { execFile } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { create, type DescMessage } from "@bufbuild/protobuf";
import { createMethodSerializationLookup, pipe, transformSplitEnvelope } from "@connectrpc/connect/protocol";
import ts from "typescript";
import { afterAll, describe, expect, test } from "vitest";
import { CatalogService, GetComponentResponseSchema } from "../../gen/ts/src/nestor/catalog/v1/catalog_service_pb.js";
import {
  CONNECT_VERSION,
  connectDir,
  FILES,
  hoistFactoryGenerators,
  JSON_WRITER_OPTION,
  JSON_WRITER_PUBLISHED,
  jsonWriterOption,
  rewrite,
  UNTIL_FIRST_ONE_LITERAL,
  UNTIL_FIRST_PUBLISHED,
  untilFirstInOneLiteral,
} from "../../scripts/rewrite-connect.mjs";
import { repoRoot } from "./harness.js";

const run = promisify(execFile);
const scratch = mkdtempSync(join(tmpdir(), "rewrite-connect-"));
// A copy of connect's modules that must resolve its dependencies (bare imports) from this project's node_modules.
const connectCopy = mkdtempSync(join(repoRoot, "node_modules", ".rewrite-connect-test-"));
afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
  rmSync(connectCopy, { recursive: true, force: true });
});

/**
 * The median share of young allocation that survived a scavenge, from --trace-gc-nvp output: at least
 * `minScavenges` scavenges, the first `skip` left out.
 */
function medianSurvival(output: string, minScavenges: number, skip: number): number {
  const rates = [...output.matchAll(/gc=s .*?new_space_survive_rate_=([\d.]+)%/g)].map((m) => Number(m[1]));
  expect(rates.length).toBeGreaterThanOrEqual(minScavenges);
  const steady = rates.slice(skip).sort((a, b) => a - b);
  return steady[Math.floor(steady.length / 2)] ?? Number.NaN;
}

/** A module exporting connect's untilFirst with this iterator construction (the body of [Symbol.asyncIterator]). */
function untilFirstModule(construction: string): string {
  return `export async function untilFirst(iterable) {
    const it = iterable[Symbol.asyncIterator]();
    let first = await it.next();
    return {
        [Symbol.asyncIterator]() {
${construction}
        },
    };
}
`;
}

/**
 * The median share of young allocation that survived a scavenge while connect's gRPC GetComponent handler,
 * from the connect modules in `esmDir`, answered 40,000 calls, four at a time, with one pre-built message.
 */
async function handlerSurvival(esmDir: string): Promise<number> {
  const service = pathToFileURL(join(repoRoot, "gen/ts/src/nestor/catalog/v1/catalog_service_pb.ts")).href;
  const script = `
    const { create, toBinary } = await import("@bufbuild/protobuf");
    const { createConnectRouter } = await import(${JSON.stringify(pathToFileURL(join(esmDir, "index.js")).href)});
    const { CatalogService, GetComponentRequestSchema, GetComponentResponseSchema } =
      await import(${JSON.stringify(service)});
    const answer = create(GetComponentResponseSchema, { component: { name: "aws-rds-mysql", version: "1.2.0" } });
    const router = createConnectRouter().service(CatalogService, { getComponent: () => answer });
    const handler = router.handlers.find((h) => h.protocolNames.includes("grpc") && h.method.name === "GetComponent");
    const message = toBinary(GetComponentRequestSchema, create(GetComponentRequestSchema, { name: "aws-rds-mysql" }));
    const envelope = new Uint8Array(5 + message.length);
    new DataView(envelope.buffer).setUint32(1, message.length);
    envelope.set(message, 5);
    async function* body() { yield envelope; }
    async function call() {
      const controller = new AbortController();
      const response = await handler({
        httpVersion: "2.0", method: "POST", url: "http://localhost/nestor.catalog.v1.CatalogService/GetComponent",
        header: new Headers({ "content-type": "application/grpc", te: "trailers" }),
        body: body(), signal: controller.signal, contextValues: undefined,
      });
      for await (const chunk of response.body) if (chunk.length === 0) throw new Error("empty chunk");
      controller.abort();
    }
    for (let i = 0; i < 10_000; i++) {
      await Promise.all([call(), call(), call(), call()]);
      if (i % 50 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
  `;
  const { stdout, stderr } = await run(
    process.execPath,
    ["--import", "tsx", "--trace-gc-nvp", "--input-type=module", "-e", script],
    { cwd: repoRoot, maxBuffer: 64 * 1024 * 1024 },
  );
  // The first scavenges run while modules load and code warms up.
  return medianSurvival(stdout + stderr, 8, 3);
}

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

describe("connect-es rewritten so finished calls die young (scripts/rewrite-connect.mjs)", () => {
  test(`the installed @connectrpc/connect is ${CONNECT_VERSION}, the version the rewrite was checked against`, () => {
    const installed = JSON.parse(readFileSync(join(connectDir(), "package.json"), "utf8")) as { version: string };
    expect(installed.version).toBe(CONNECT_VERSION);
    const manifest = JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as {
      scripts: Record<string, string>;
    };
    expect(manifest.scripts.postinstall).toBe("node scripts/rewrite-connect.mjs");
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

  test("the installed untilFirst builds its iterator in one literal, with the published one's properties", async () => {
    const installed = readFileSync(join(connectDir(), "dist/esm/protocol/async-iterable.js"), "utf8");
    expect(installed).not.toContain(UNTIL_FIRST_PUBLISHED);
    expect(untilFirstInOneLiteral(installed)).toEqual({ source: installed, replaced: 0 });
    const published = untilFirstModule(UNTIL_FIRST_PUBLISHED);
    const { source: oneLiteral, replaced } = untilFirstInOneLiteral(published);
    expect(replaced).toBe(1);
    type UntilFirst = (it: AsyncIterable<number>) => Promise<AsyncIterable<number>>;
    const a = (await load(published, "until-first-published")).untilFirst as UntilFirst;
    const b = (await load(oneLiteral, "until-first-one-literal")).untilFirst as UntilFirst;
    /** An iterable over 1, 2, 3 whose iterator has `next` and the named optional methods, recording calls to them. */
    const numbers = (methods: ("throw" | "return")[], calls: string[]) => ({
      [Symbol.asyncIterator]() {
        let i = 0;
        const it: Record<string, unknown> = {
          next: async () => (i < 3 ? { value: ++i, done: false } : { done: true }),
        };
        for (const method of methods) {
          it[method] = async (arg: unknown) => {
            calls.push(`${method} ${String(arg)}`);
            return { done: true };
          };
        }
        return it as unknown as AsyncIterator<number>;
      },
    });
    for (const methods of [[], ["throw"], ["return"], ["throw", "return"]] as ("throw" | "return")[][]) {
      const seen = [];
      for (const untilFirst of [a, b]) {
        const calls: string[] = [];
        const wrapped = await untilFirst(numbers(methods, calls));
        const first = wrapped[Symbol.asyncIterator]() as AsyncIterator<number> & Record<string, unknown>;
        const values = [await first.next(), await first.next()];
        // A second iterator shares the first answer's state: the first value is handed out once.
        const second = wrapped[Symbol.asyncIterator]() as AsyncIterator<number> & Record<string, unknown>;
        values.push(await second.next(), await second.next(), await second.next());
        if (first.throw) values.push(await first.throw("boom"));
        if (first.return) values.push(await first.return("bye"));
        seen.push({ keys: Object.keys(first), values, calls });
      }
      expect(seen[1], methods.join("+") || "next only").toEqual(seen[0]);
    }
  });

  test("an untilFirst the rewrite does not know is refused, not half rewritten", () => {
    const changed = untilFirstModule(
      UNTIL_FIRST_PUBLISHED.replace("w.throw = (e) => it.throw(e);", "w.throw = it.throw;"),
    );
    expect(() => untilFirstInOneLiteral(changed)).toThrow(/untilFirst is not the text the rewrite knows/);
    expect(untilFirstInOneLiteral("export const x = 1;\n")).toEqual({ source: "export const x = 1;\n", replaced: 0 });
  });

  test("the installed JSON serialisation writes with the options' toJsonString, and protobuf-es's without", () => {
    const file = join(connectDir(), "dist/esm/protocol/serialization.js");
    const installed = readFileSync(file, "utf8");
    expect(installed).toContain(JSON_WRITER_OPTION);
    expect(installed).not.toContain(JSON_WRITER_PUBLISHED);
    expect(jsonWriterOption(installed)).toEqual({ source: installed, replaced: 0 });
    const published = installed.replace(JSON_WRITER_OPTION, JSON_WRITER_PUBLISHED);
    expect(jsonWriterOption(published)).toEqual({ source: installed, replaced: 1 });

    // Through connect's own lookup, as its handlers make it (JSON output serialisation of one method).
    const method = CatalogService.method.getComponent;
    const message = create(GetComponentResponseSchema, { revision: 1n });
    const calls: unknown[] = [];
    const toJsonString = (desc: DescMessage, data: unknown, options: object) => {
      calls.push([desc, data, Object.keys(options).sort()]);
      return '"written by the option"';
    };
    const limits = { readMaxBytes: 1 << 20, writeMaxBytes: 1 << 20 };
    const withWriter = createMethodSerializationLookup(method, {}, { toJsonString } as never, limits).getO(false);
    expect(new TextDecoder().decode(withWriter.serialize(message))).toBe('"written by the option"');
    expect(calls).toEqual([[GetComponentResponseSchema, message, ["ignoreUnknownFields", "toJsonString"]]]);
    const plain = createMethodSerializationLookup(method, {}, {}, limits).getO(false);
    expect(new TextDecoder().decode(plain.serialize(message))).toBe('{"revision":"1"}');
  });

  test("a JSON serialiser the rewrite does not know is refused", () => {
    const installed = readFileSync(join(connectDir(), "dist/esm/protocol/serialization.js"), "utf8");
    const changed = installed
      .replace(JSON_WRITER_OPTION, JSON_WRITER_PUBLISHED)
      .replace(JSON_WRITER_PUBLISHED, JSON_WRITER_PUBLISHED.replace("const json", "let json"));
    expect(() => jsonWriterOption(changed)).toThrow(/the JSON serialiser is not the text the rewrite knows/);
    expect(jsonWriterOption("export const x = 1;\n")).toEqual({ source: "export const x = 1;\n", replaced: 0 });
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
      return medianSurvival(stdout + stderr, 5, 2);
    };
    const [stock, native] = await Promise.all([survival(paths.lowered), survival(paths.rewritten)]);
    expect(stock).toBeGreaterThan(15);
    expect(native).toBeLessThan(stock / 3);
  }, 120_000);

  const tenth =
    "connect's gRPC handler keeps a tenth of each call through young collections with the published " +
    "untilFirst, almost nothing with the installed one";
  test(tenth, async () => {
    const esm = join(connectDir(), "dist/esm");
    cpSync(esm, join(connectCopy, "esm"), { recursive: true });
    const file = join(connectCopy, "esm/protocol/async-iterable.js");
    const installed = readFileSync(file, "utf8");
    expect(installed).toContain(UNTIL_FIRST_ONE_LITERAL);
    writeFileSync(file, installed.replace(UNTIL_FIRST_ONE_LITERAL, UNTIL_FIRST_PUBLISHED));
    expect(readFileSync(file, "utf8")).toContain(UNTIL_FIRST_PUBLISHED);
    const published = await handlerSurvival(join(connectCopy, "esm"));
    const oneLiteral = await handlerSurvival(esm);
    // Measured: 10-12% and 0.3-0.5%.
    expect(published).toBeGreaterThan(4);
    expect(oneLiteral).toBeLessThan(1);
  }, 180_000);
});
