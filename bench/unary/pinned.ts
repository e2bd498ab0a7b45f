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
 * Node flags for servers measured one at a time (runAlone): without V8's memory reducer, a server continued
 * after the others' rounds does not start the full collection V8 runs in a process that has gone quiet.
 */
export const ALONE_NODE_FLAGS = ["--no-memory-reducer"] as const;

/**
 * Servers that share one core, measured one at a time: every other server is stopped (SIGSTOP) and the
 * measured one continued (SIGCONT), so no idle server's background work (V8's concurrent marking and
 * sweeping after its own round, its memory reducer's full collections) runs inside another's round. A
 * production server has its core to itself; here, with --trace-gc on three servers on core 0, an idle
 * catalog server's memory-reducer collection (a 375 ms pause after 254 ms of marking) landed in another
 * server's round, and the bare server's p99 at 70% load on list pages moved between 99-134 ms and
 * 145-421 ms with the others left running.
 */
export function runAlone(pids: readonly number[], measured: number): void {
  for (const pid of pids) if (pid !== measured) process.kill(pid, "SIGSTOP");
  process.kill(measured, "SIGCONT");
}

/** Continues a server runAlone may have stopped (before it is asked to exit); nothing if it is gone. */
export function continueServer(pid: number): void {
  try {
    process.kill(pid, "SIGCONT");
  } catch {
    // Already exited.
  }
}

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
