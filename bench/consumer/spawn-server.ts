/**
 * Starts server-process.ts (a catalog on an empty memory store) in a child
 * process for the consumer-contract benchmarks, so the load in the parent
 * and the server do not share an event loop.
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

export async function startServer(): Promise<{ url: string; stop(): void }> {
  const script = fileURLToPath(new URL("./server-process.ts", import.meta.url));
  const child = spawn(process.execPath, ["--import", "tsx", script], { stdio: ["ignore", "pipe", "inherit"] });
  const [line] = (await once(createInterface({ input: child.stdout }), "line")) as [string];
  const { url } = JSON.parse(line) as { url: string };
  return { url, stop: () => child.kill("SIGTERM") };
}
