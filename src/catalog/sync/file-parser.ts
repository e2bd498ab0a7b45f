/**
 * Parses the files of one sync, on a worker thread when there are enough of
 * them to pay for starting one (a full scan), on the main thread otherwise
 * (incremental syncs of a few files). With the worker, the main thread only
 * reads from git and hands texts over, and later publishes.
 *
 * Results are the same either way: the worker sends back each file's drafts,
 * lines and problems; `locate` (needed only to map a Manager field violation
 * to a line) re-parses the text on the main thread the first time it is called.
 * If the worker cannot start or dies, every batch it has not answered is parsed
 * on the main thread, and the fallback is logged once (at warn) per process.
 */
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { performance } from "node:perf_hooks";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import type { Logger } from "../../logging/index.js";
import { parseDefinitionFile, type ParsedDefinition } from "./definition.js";
import { fileWork, needsParsing, parseText, type FileOutcome, type FileWork } from "./parse-file.js";
import type { ParseReply, ParseRequest, WorkerOutcome } from "./parse-protocol.js";

/** Below this many files, starting a worker (tens of ms, more under tsx) costs more than it saves. */
export const MIN_FILES_FOR_WORKER = 200;
/** Files per message: fewer, larger messages keep the per-message overhead off both threads. */
const BATCH_FILES = 64;

export interface FileParserOptions {
  /** Test seam: the worker module to start (a module that does not exist simulates a worker that cannot start). */
  workerUrl?: URL;
  minFilesForWorker?: number;
}

export interface FileParser {
  /** Hands over one file as git delivers it (`text` undefined: not a regular file). */
  add(path: string, text: string | undefined): void;
  /** Every file's work, once all are parsed. */
  finish(): Promise<Map<string, FileWork>>;
  /** Stops the worker; safe to call more than once, and after a failure. */
  close(): Promise<void>;
  readonly stats: { mode: "worker" | "main thread"; mainThreadParseMs: number };
}

let running = 0;
let warnedFallback = false;

/** Parse workers alive in this process (tests check a sync leaves none behind). */
export function runningParseWorkers(): number {
  return running;
}

export function createFileParser(fileCount: number, commit: string, logger: Logger, options: FileParserOptions = {}): FileParser {
  if (fileCount >= (options.minFilesForWorker ?? MIN_FILES_FOR_WORKER)) {
    const worker = startWorker(options.workerUrl, logger);
    if (worker) return new WorkerFileParser(worker, commit, logger);
  }
  return new InlineFileParser(commit);
}

class InlineFileParser implements FileParser {
  readonly stats = { mode: "main thread" as const, mainThreadParseMs: 0 };
  private readonly results = new Map<string, FileWork>();

  constructor(private readonly commit: string) {}

  add(path: string, text: string | undefined): void {
    const start = performance.now();
    this.results.set(path, fileWork(path, parseText(text), this.commit));
    this.stats.mainThreadParseMs += performance.now() - start;
  }

  async finish(): Promise<Map<string, FileWork>> {
    return this.results;
  }

  async close(): Promise<void> {}
}

interface Batch {
  paths: string[];
  texts: string[];
}

class WorkerFileParser implements FileParser {
  readonly stats: { mode: "worker" | "main thread"; mainThreadParseMs: number } = { mode: "worker", mainThreadParseMs: 0 };
  private readonly results = new Map<string, FileWork>();
  private readonly pending = new Map<number, Batch>();
  private current: Batch = { paths: [], texts: [] };
  private nextBatch = 0;
  /** Set once the worker failed or exited: everything is then parsed here. */
  private broken = false;
  private closed = false;
  private drained: (() => void) | undefined;

  constructor(
    private readonly worker: Worker,
    private readonly commit: string,
    private readonly logger: Logger,
  ) {
    worker.on("message", (reply: ParseReply) => this.onReply(reply));
    worker.on("error", (err) => this.fallBack(err));
    worker.on("exit", () => {
      running--;
      if (!this.closed) this.fallBack(new Error("the parse worker exited"));
    });
  }

  add(path: string, text: string | undefined): void {
    if (this.broken || !needsParsing(text)) {
      this.parseHere(path, text);
      return;
    }
    this.current.paths.push(path);
    this.current.texts.push(text);
    if (this.current.paths.length >= BATCH_FILES) this.flush();
  }

  async finish(): Promise<Map<string, FileWork>> {
    this.flush();
    if (this.pending.size > 0) await new Promise<void>((resolve) => (this.drained = resolve));
    return this.results;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.worker.terminate();
  }

  private flush(): void {
    if (this.current.paths.length === 0) return;
    const batch = this.current;
    this.current = { paths: [], texts: [] };
    if (this.broken) {
      this.parseBatchHere(batch);
      return;
    }
    const id = this.nextBatch++;
    this.pending.set(id, batch);
    this.worker.postMessage({ batch: id, texts: batch.texts } satisfies ParseRequest);
  }

  private onReply(reply: ParseReply): void {
    const batch = this.pending.get(reply.batch);
    if (!batch) return;
    this.pending.delete(reply.batch);
    if ("failed" in reply) {
      this.logger.debug("the parse worker could not return a batch; parsing it on the main thread", { error: reply.failed });
      this.parseBatchHere(batch);
    } else {
      for (let i = 0; i < batch.paths.length; i++) {
        const path = batch.paths[i]!;
        this.results.set(path, fileWork(path, fromWorker(reply.outcomes[i]!, batch.texts[i]!), this.commit));
      }
    }
    this.checkDrained();
  }

  private fallBack(err: unknown): void {
    if (this.broken) return;
    this.broken = true;
    this.stats.mode = "main thread";
    logFallback(this.logger, err);
    for (const batch of this.pending.values()) this.parseBatchHere(batch);
    this.pending.clear();
    this.checkDrained();
  }

  private parseBatchHere(batch: Batch): void {
    for (let i = 0; i < batch.paths.length; i++) this.parseHere(batch.paths[i]!, batch.texts[i]);
  }

  private parseHere(path: string, text: string | undefined): void {
    const start = performance.now();
    this.results.set(path, fileWork(path, parseText(text), this.commit));
    this.stats.mainThreadParseMs += performance.now() - start;
  }

  private checkDrained(): void {
    if (this.pending.size === 0 && this.drained) {
      const resolve = this.drained;
      this.drained = undefined;
      resolve();
    }
  }
}

/** The worker's drafts with a `locate` that re-parses the text here, only if a publish ever needs a line. */
function fromWorker(outcome: WorkerOutcome, text: string): FileOutcome {
  let reparsed: ParsedDefinition[] | undefined;
  const definitions = outcome.definitions.map(({ draft, line }, index): ParsedDefinition => ({
    draft,
    line,
    locate: (field) => {
      reparsed ??= parseDefinitionFile(text).definitions;
      return reparsed[index]?.locate(field) ?? { line, path: field };
    },
  }));
  return { definitions, problems: outcome.problems };
}

function startWorker(override: URL | undefined, logger: Logger): Worker | undefined {
  // Compiled, this module is .js and so is the worker; under tsx or vitest it is .ts, and the worker needs tsx's loader.
  const fromTypeScript = import.meta.url.endsWith(".ts");
  const url = override ?? new URL(fromTypeScript ? "./parse-worker.ts" : "./parse-worker.js", import.meta.url);
  try {
    const worker = url.pathname.endsWith(".ts") ? new Worker(typeScriptBootstrap(url), { eval: true }) : new Worker(url);
    running++;
    return worker;
  } catch (err) {
    logFallback(logger, err);
    return undefined;
  }
}

/**
 * A .ts worker: tsx's loader hooks (inherited from `npx tsx`, absent under
 * vitest) do not apply in a worker thread, so the worker registers them itself
 * through tsx's API before importing the module.
 */
function typeScriptBootstrap(url: URL): string {
  const tsxPackage = createRequire(import.meta.url).resolve("tsx/package.json");
  const api = pathToFileURL(join(dirname(tsxPackage), "dist", "esm", "api", "index.mjs")).href;
  return `import(${JSON.stringify(api)}).then((tsx) => tsx.register()).then(() => import(${JSON.stringify(url.href)}));`;
}

function logFallback(logger: Logger, err: unknown): void {
  const error = err instanceof Error ? err.message : String(err);
  if (warnedFallback) {
    logger.debug("the parse worker is unavailable; parsing on the main thread", { error });
    return;
  }
  warnedFallback = true;
  logger.warn("the parse worker could not start or stopped; parsing on the main thread (slower)", { error });
}
