/**
 * A private redis-server whose data survives a stop (AOF, fsync on every
 * write), so an outage can end with the data intact. Its port sits below the
 * ephemeral range, so nothing can take it while the server is down
 * (test/support/ports.ts). `stop` is a SHUTDOWN, `kill` a SIGKILL.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { expect, vi } from "vitest";
import { restartablePort } from "../ports.js";

const run = promisify(execFile);

export class PrivateRedis {
  private port = 0;
  private readonly dir = mkdtempSync(join(tmpdir(), "nestor-redis-"));

  get url(): string {
    if (this.port === 0) throw new Error("PrivateRedis.url read before start()");
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    if (this.port === 0) this.port = await restartablePort();
    // biome-ignore format: one flag and its value per pair
    await run("redis-server", [
      "--port", String(this.port), "--bind", "127.0.0.1", "--daemonize", "yes",
      "--save", "", "--appendonly", "yes", "--appendfsync", "always", "--dir", this.dir,
      "--pidfile", this.pidFile, "--logfile", join(this.dir, "redis.log"),
    ]);
    try {
      await vi.waitFor(async () => expect(await this.ping()).toBe(true), { timeout: 10_000, interval: 50 });
    } catch {
      throw new Error(`redis-server on port ${this.port} did not answer within 10 s; its log:\n${this.logTail()}`);
    }
  }

  async stop(): Promise<void> {
    await run("redis-cli", ["-p", String(this.port), "shutdown", "nosave"]).catch(() => undefined);
    await vi.waitFor(async () => expect(await this.ping()).toBe(false), { timeout: 10_000, interval: 50 });
  }

  /** SIGKILL: no shutdown, connections reset mid-command. */
  async kill(): Promise<void> {
    const pid = Number(readFileSync(this.pidFile, "utf8").trim());
    process.kill(pid, "SIGKILL");
    await vi.waitFor(async () => expect(await this.ping()).toBe(false), { timeout: 10_000, interval: 50 });
    rmSync(this.pidFile, { force: true });
  }

  async remove(): Promise<void> {
    if (this.port !== 0 && (await this.ping())) await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }

  private get pidFile(): string {
    return join(this.dir, "redis.pid");
  }

  private logTail(): string {
    try {
      return readFileSync(join(this.dir, "redis.log"), "utf8").split("\n").slice(-20).join("\n");
    } catch (error) {
      return `(no log: ${(error as Error).message})`;
    }
  }

  private async ping(): Promise<boolean> {
    try {
      const { stdout } = await run("redis-cli", ["-p", String(this.port), "ping"]);
      return stdout.trim() === "PONG";
    } catch {
      return false;
    }
  }
}
