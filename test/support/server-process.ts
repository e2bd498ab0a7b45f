/**
 * `nestor-catalog serve` as a child process (one node process, no npx
 * wrapper, so the pid is the server's own), configured through NESTOR_*
 * variables. Tests that must see the process survive or exit (outages, crash
 * recovery, replicas) use this instead of a server inside the test process.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { Health, HealthCheckResponse_ServingStatus } from "../../gen/ts/src/grpc/health/v1/health_pb.js";
import { repoRoot } from "../api/harness.js";
import { freePort } from "./ports.js";

export interface ServerProcess {
  readonly url: string;
  readonly pid: number;
  /** Everything the process wrote to stdout and stderr so far. */
  output(): string;
  /** The exit code (or signal name) once the process has exited, else undefined. */
  exited(): number | string | undefined;
  /** SIGTERM, then waits for the exit (SIGKILL after `graceMs`). */
  stop(graceMs?: number): Promise<void>;
  /** SIGKILL, then waits for the exit. */
  kill(): Promise<void>;
}

export interface SpawnOptions {
  /** How long to wait for health SERVING (default 30 s). */
  readyTimeoutMs?: number;
  /** Log level of the child (default "warn"). */
  logLevel?: string;
}

export async function spawnServer(env: Record<string, string>, options: SpawnOptions = {}): Promise<ServerProcess> {
  const port = env.NESTOR_SERVER_PORT !== undefined ? Number(env.NESTOR_SERVER_PORT) : await freePort();
  const child: ChildProcess = spawn(process.execPath, ["--import", "tsx", "src/main.ts", "serve"], {
    cwd: repoRoot,
    env: {
      ...process.env,
      NESTOR_SERVER_HOST: "127.0.0.1",
      NESTOR_SERVER_PORT: String(port),
      NESTOR_LOGGING_LEVEL: options.logLevel ?? "warn",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  let exit: number | string | undefined;
  child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exitedPromise = new Promise<void>((resolve) =>
    child.once("exit", (code, signal) => {
      exit = code ?? signal ?? "unknown";
      resolve();
    }),
  );
  const url = `http://127.0.0.1:${port}`;
  const server: ServerProcess = {
    url,
    pid: child.pid ?? -1,
    output: () => output,
    exited: () => exit,
    async stop(graceMs = 15_000) {
      if (exit !== undefined) return;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
      await exitedPromise;
      clearTimeout(timer);
    },
    async kill() {
      if (exit !== undefined) return;
      child.kill("SIGKILL");
      await exitedPromise;
    },
  };
  await waitUntilServing(server, options.readyTimeoutMs ?? 30_000);
  return server;
}

async function waitUntilServing(server: ServerProcess, timeoutMs: number): Promise<void> {
  const health = createClient(Health, createGrpcTransport({ baseUrl: server.url }));
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (server.exited() !== undefined) throw new Error(`server exited early (${server.exited()}):\n${server.output()}`);
    try {
      const reply = await health.check({ service: "" }, { timeoutMs: 1_000 });
      if (reply.status === HealthCheckResponse_ServingStatus.SERVING) return;
    } catch {
      // not up yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await server.kill();
  throw new Error(`server did not become healthy within ${timeoutMs} ms:\n${server.output()}`);
}
