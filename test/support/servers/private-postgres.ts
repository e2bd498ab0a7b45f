/**
 * A throwaway PostgreSQL cluster this process owns (initdb into a temporary
 * directory), on a free port below the ephemeral range (test/support/ports.ts)
 * so nothing takes the port while it is down. Tests stop it gracefully or
 * hard (`-m immediate`: the postmaster and every backend die without a
 * checkpoint, as after a crash) and start it again with its data intact.
 */
import { execFileSync } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { restartablePort } from "../ports.js";

export function postgresBinDir(): string | undefined {
  const root = "/usr/lib/postgresql";
  if (!existsSync(root)) return undefined;
  const newest = readdirSync(root).sort((a, b) => Number(b) - Number(a))[0];
  return newest === undefined ? undefined : join(root, newest, "bin");
}

/** Throws when this machine cannot run a private cluster (no server binaries, or root without runuser). */
export function requirePostgresBinaries(): string {
  const bin = postgresBinDir();
  const asRootOk = process.getuid?.() !== 0 || existsSync("/usr/sbin/runuser") || existsSync("/sbin/runuser");
  if (bin === undefined || !asRootOk) {
    throw new Error("PostgreSQL server binaries (or runuser, as root) not found; run scripts/services/postgres.sh");
  }
  return bin;
}

export class PrivatePostgres {
  private constructor(
    private readonly bin: string,
    private readonly dataDir: string,
    readonly port: number,
  ) {}

  /** Superuser `nestor`, trust authentication, database `postgres`. */
  get url(): string {
    return `postgres://nestor@127.0.0.1:${this.port}/postgres`;
  }

  static async create(): Promise<PrivatePostgres> {
    const bin = requirePostgresBinaries();
    const dataDir = mkdtempSync(join(tmpdir(), "nestor-pg-private-"));
    if (process.getuid?.() === 0) {
      const uid = Number(execFileSync("id", ["-u", "postgres"]).toString().trim());
      const gid = Number(execFileSync("id", ["-g", "postgres"]).toString().trim());
      chownSync(dataDir, uid, gid);
    }
    const server = new PrivatePostgres(bin, dataDir, await restartablePort());
    server.run("initdb", ["-D", dataDir, "--username=nestor", "--auth=trust", "--no-sync"]);
    server.start();
    return server;
  }

  start(): void {
    const options = `-p ${this.port} -k ${this.dataDir} -c listen_addresses=127.0.0.1 -c fsync=off`;
    this.run("pg_ctl", ["-D", this.dataDir, "-l", join(this.dataDir, "server.log"), "-o", options, "-w", "start"]);
  }

  /** A clean shutdown: sessions are ended, then the server stops. */
  stop(): void {
    this.run("pg_ctl", ["-D", this.dataDir, "-m", "fast", "-w", "stop"]);
  }

  /** A hard stop: every server process quits at once, connections drop mid-statement. */
  kill(): void {
    this.run("pg_ctl", ["-D", this.dataDir, "-m", "immediate", "-w", "stop"]);
  }

  destroy(): void {
    try {
      this.stop();
    } catch {
      // already stopped
    }
    rmSync(this.dataDir, { recursive: true, force: true });
  }

  private run(tool: string, args: string[]): void {
    const command = join(this.bin, tool);
    if (process.getuid?.() === 0)
      execFileSync("runuser", ["-u", "postgres", "--", command, ...args], { stdio: "pipe" });
    else execFileSync(command, args, { stdio: "pipe" });
  }
}
