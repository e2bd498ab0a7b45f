/**
 * Benchmark processes pinned to a core: Node with the tsx loader under
 * `taskset -c <core>`, and the load generator (load-generator.ts) in such a
 * process driven over IPC. Shared by bench/unary and bench/hybrid.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { LoadJob, LoadResult } from "./load-generator.js";

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

/**
 * Node flags for every benchmark server, bare and catalog alike: no V8 memory reducer. Servers that take turns on
 * one core sit idle between their rounds, and the reducer then runs a full collection to shrink the heap; in a
 * catalog server (250 MB live) that took the core for 400-630 ms (pause and marking, `--trace-gc`) and landed in
 * other servers' rounds. A loaded server is never idle, so in production the reducer does not run there.
 */
export const SERVER_NODE_FLAGS = ["--no-memory-reducer"] as const;

/** The Connect-ES load generator in its own process on `core`. */
export class NodeLoadGenerator {
  private readonly child: ChildProcess;
  private readonly ready: Promise<void>;

  constructor(core: string) {
    this.child = spawnPinned(core, fileURLToPath(new URL("./load-generator.ts", import.meta.url)), [], { ipc: true });
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
