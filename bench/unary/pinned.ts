/**
 * Benchmark processes pinned to a core: Node with the tsx loader under
 * `taskset -c <core>`, and the load generator (load-generator.ts) in such a
 * process driven over IPC. Shared by bench/unary and bench/hybrid.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import type { LoadJob, LoadResult } from "./load-generator.js";

/**
 * The bench's names for a bare server process: "bare", the baseline every ratio is taken to, and "control", a
 * second one whose ratios to the first are the run's own noise.
 */
export function isBareKind(kind: string): boolean {
  return kind === "bare" || kind === "control";
}

export interface PinnedOptions {
  /** An IPC channel to the child (the load generator's). */
  ipc?: boolean;
  /** Node flags before the loader, e.g. --cpu-prof. */
  nodeFlags?: readonly string[];
  env?: NodeJS.ProcessEnv;
}

/** `script` (an absolute path) under Node with the tsx loader, pinned to `core`; stdout piped. */
export function spawnPinned(
  core: string,
  script: string,
  args: readonly string[],
  options: PinnedOptions = {},
): ChildProcess {
  const node = [process.execPath, ...(options.nodeFlags ?? []), "--import", "tsx", script, ...args];
  const stdio: ("pipe" | "inherit" | "ignore" | "ipc")[] = [
    "ignore",
    "pipe",
    "inherit",
    ...(options.ipc ? (["ipc"] as const) : []),
  ];
  return spawn("taskset", ["-c", core, ...node], {
    stdio,
    env: { ...process.env, NODE_ENV: "production", ...options.env },
  });
}

/** A benchmark server process (bench/unary or bench/hybrid server-process.ts) that has printed its ready line. */
export interface PinnedServer {
  kind: string;
  url: string;
  pid: number;
  child: ChildProcess;
}

/**
 * Spawns a server script with spawnPinned and waits for its ready line, the first stdout line that is a JSON
 * object ({url, pid}). Every other line it prints (--trace-gc and the like) goes to `onLine`, by default to
 * stderr with the server's kind.
 */
export async function startPinnedServer(
  kind: string,
  core: string,
  script: string,
  args: readonly string[],
  options: PinnedOptions & { onLine?: (text: string) => void } = {},
): Promise<PinnedServer> {
  const child = spawnPinned(core, script, args, options);
  const onLine = options.onLine ?? ((text: string) => process.stderr.write(`[${kind}] ${text}\n`));
  const line = await new Promise<string>((resolve, reject) => {
    let ready = false;
    createInterface({ input: child.stdout! }).on("line", (text) => {
      if (!ready && text.startsWith("{")) {
        ready = true;
        resolve(text);
      } else onLine(text);
    });
    child.once("exit", (code) => reject(new Error(`${kind} server exited with ${code}`)));
  });
  const { url, pid } = JSON.parse(line) as { url: string; pid: number };
  return { kind, url, pid, child };
}

/** SIGTERM, and wait for the process to exit. */
export async function stopPinnedServer(server: PinnedServer): Promise<void> {
  const exited = new Promise((resolve) => server.child.once("exit", resolve));
  server.child.kill("SIGTERM");
  await exited;
}

/**
 * Node flags for every benchmark server, bare and catalog alike: no V8 memory reducer. Servers that take turns on
 * one core sit idle between their rounds, and the reducer then runs a full collection to shrink the heap; in a
 * catalog server (250 MB live) that took the core for 400-630 ms (pause and marking, `--trace-gc`) and landed in
 * other servers' rounds. A loaded server is never idle, so in production the reducer does not run there.
 */
export const SERVER_NODE_FLAGS = ["--no-memory-reducer"] as const;

/**
 * Node flags for the load generator: a young generation of 1 MiB. A quarter to half of what Node's HTTP/2 client
 * allocates per call survives each scavenge (`--trace-gc-nvp` on a client alone against the bare server; the same
 * with allocation-site pretenuring off), so with V8's default young generation (32 MiB semi-spaces) the generator
 * paused 25-58 ms every ~1.5 s at 2,000-2,400 gRPC calls/s, and every call due meanwhile was charged to the server
 * under test (an open-loop latency counts from the call's scheduled start). With 1 MiB the same copying comes in
 * pauses of 1.7-3.4 ms. bench/unary's gRPC gets at 70% load: p99 42-71 ms in both servers with the default young
 * generation, 15-40 ms with this.
 */
export const LOAD_GENERATOR_NODE_FLAGS = ["--max-semi-space-size=1"] as const;

/** The load generator (load-generator.ts) in its own process on `core`, with LOAD_GENERATOR_NODE_FLAGS. */
export class NodeLoadGenerator {
  private readonly child: ChildProcess;
  private readonly ready: Promise<void>;

  constructor(core: string) {
    this.child = spawnPinned(core, fileURLToPath(new URL("./load-generator.ts", import.meta.url)), [], {
      ipc: true,
      nodeFlags: LOAD_GENERATOR_NODE_FLAGS,
    });
    this.ready = new Promise<void>((resolve) => this.child.once("message", () => resolve()));
  }

  async run(job: LoadJob): Promise<LoadResult> {
    await this.ready;
    return new Promise((resolve, reject) => {
      this.child.once("message", (message: { ok: boolean; result?: LoadResult; error?: string }) => {
        if (message.ok && message.result) resolve(message.result);
        else reject(new Error(message.error));
      });
      this.child.send(job);
    });
  }

  close(): void {
    this.child.kill("SIGTERM");
  }
}
