/**
 * A throwaway MariaDB server this process owns (mariadb-install-db into a
 * temporary directory; binaries from scripts/services/mariadb.sh's
 * `mariadb-server`), on a free port below the ephemeral range
 * (test/support/ports.ts) so nothing takes the port while it is down. Tests
 * stop it hard (`kill`: SIGKILL of mariadbd, connections drop mid-statement,
 * InnoDB recovers from its redo log on the next start) and start it again
 * with its data. User `nestor` (password `nestor`), database `nestor`.
 */
import { execFile, spawn } from "node:child_process";
import { chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { expect, vi } from "vitest";
import { restartablePort } from "../ports.js";

const run = promisify(execFile);
const asRoot = process.getuid?.() === 0;

function binary(name: string): string {
  for (const dir of ["/usr/sbin", "/usr/bin"]) if (existsSync(join(dir, name))) return join(dir, name);
  throw new Error(`${name} not found; run scripts/services/mariadb.sh to install mariadb-server`);
}

export class PrivateMariaDb {
  private readonly dir = mkdtempSync(join(tmpdir(), "nestor-mariadb-"));
  private port = 0;
  private initialised = false;

  get url(): string {
    if (this.port === 0) throw new Error("PrivateMariaDb.url read before start()");
    return `mysql://nestor:nestor@127.0.0.1:${this.port}/nestor`;
  }

  async start(): Promise<void> {
    if (this.port === 0) this.port = await restartablePort();
    if (!this.initialised) await this.initialise();
    // biome-ignore format: one flag and its value per line
    const args = [
      "--no-defaults", `--datadir=${this.dataDir}`, `--port=${this.port}`, "--bind-address=127.0.0.1",
      `--socket=${this.socket}`, `--pid-file=${this.pidFile}`, `--log-error=${join(this.dir, "server.log")}`,
      "--character-set-server=utf8mb4", "--collation-server=utf8mb4_bin", "--innodb-buffer-pool-size=32M",
      ...(asRoot ? ["--user=mysql"] : []),
    ];
    const server = spawn(binary("mariadbd"), args, { detached: true, stdio: "ignore" });
    server.unref();
    try {
      await vi.waitFor(async () => expect(await this.ping()).toBe(true), { timeout: 30_000, interval: 100 });
    } catch {
      throw new Error(`mariadbd on port ${this.port} did not answer within 30 s; its log:\n${this.logTail()}`);
    }
    if (!this.initialised) {
      await this.admin(
        "CREATE DATABASE nestor CHARACTER SET utf8mb4 COLLATE utf8mb4_bin; " +
          "CREATE USER 'nestor'@'127.0.0.1' IDENTIFIED BY 'nestor'; " +
          "GRANT ALL PRIVILEGES ON *.* TO 'nestor'@'127.0.0.1';",
      );
      this.initialised = true;
    }
  }

  /** SIGKILL of mariadbd: no shutdown, connections reset mid-statement. */
  async kill(): Promise<void> {
    const pid = Number(readFileSync(this.pidFile, "utf8").trim());
    process.kill(pid, "SIGKILL");
    await vi.waitFor(async () => expect(await this.ping()).toBe(false), { timeout: 10_000, interval: 50 });
    await vi.waitFor(() => expect(alive(pid)).toBe(false), { timeout: 10_000, interval: 50 });
    rmSync(this.pidFile, { force: true });
    rmSync(this.socket, { force: true });
  }

  async destroy(): Promise<void> {
    if (existsSync(this.pidFile)) await this.kill().catch(() => undefined);
    rmSync(this.dir, { recursive: true, force: true });
  }

  private get dataDir(): string {
    return join(this.dir, "data");
  }

  private get socket(): string {
    return join(this.dir, "mysqld.sock");
  }

  private get pidFile(): string {
    return join(this.dir, "mysqld.pid");
  }

  private async initialise(): Promise<void> {
    mkdirSync(this.dataDir);
    if (asRoot) {
      const uid = Number((await run("id", ["-u", "mysql"])).stdout.trim());
      const gid = Number((await run("id", ["-g", "mysql"])).stdout.trim());
      chownSync(this.dir, uid, gid);
      chownSync(this.dataDir, uid, gid);
    }
    await run(binary("mariadb-install-db"), [
      "--no-defaults",
      `--datadir=${this.dataDir}`,
      "--auth-root-authentication-method=socket",
      "--skip-test-db",
      ...(asRoot ? ["--user=mysql"] : []),
    ]);
  }

  private async admin(sql: string): Promise<void> {
    await run(binary("mariadb"), [
      "--no-defaults",
      "--protocol=socket",
      `--socket=${this.socket}`,
      "-u",
      "root",
      "-e",
      sql,
    ]);
  }

  private async ping(): Promise<boolean> {
    try {
      await run(binary("mariadb-admin"), [
        "--no-defaults",
        "--protocol=socket",
        `--socket=${this.socket}`,
        "-u",
        "root",
        "ping",
      ]);
      return true;
    } catch {
      return false;
    }
  }

  private logTail(): string {
    try {
      return readFileSync(join(this.dir, "server.log"), "utf8").split("\n").slice(-20).join("\n");
    } catch (error) {
      return `(no log: ${(error as Error).message})`;
    }
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
