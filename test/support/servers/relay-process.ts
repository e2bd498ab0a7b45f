/**
 * An endpoint that can die: tcp-relay.mjs in a child process in front of a
 * server whose data must survive the outage (moto keeps its tables in memory,
 * so killing moto itself would lose them). `kill` is a SIGKILL of the relay:
 * connections in flight are reset and the port refuses until `start`.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { restartablePort } from "../ports.js";

const SCRIPT = fileURLToPath(new URL("./tcp-relay.mjs", import.meta.url));

export class RelayProcess {
  private child: ChildProcess | undefined;
  port = 0;

  constructor(private readonly target: URL) {}

  get url(): string {
    return `${this.target.protocol}//127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    if (this.port === 0) this.port = await restartablePort();
    const child = spawn(process.execPath, [SCRIPT, String(this.port), this.target.hostname, this.target.port], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.child = child;
    let output = "";
    await new Promise<void>((resolve, reject) => {
      child.stdout?.on("data", (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes("ready")) resolve();
      });
      child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
      child.once("exit", (code) => reject(new Error(`tcp relay exited (${code}) before listening:\n${output}`)));
    });
  }

  async kill(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (child === undefined || child.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    child.kill("SIGKILL");
    await exited;
  }
}
