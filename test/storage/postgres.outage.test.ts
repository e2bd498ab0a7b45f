/**
 * Outages against a private PostgreSQL server this file starts (initdb into
 * a temporary directory) on a free port below the ephemeral range
 * (test/support/ports.ts), so stopping it never disturbs test files sharing
 * the main server and nothing takes its port while it is down. Runs the shared contract suite with
 * stopServer/startServer, then PostgreSQL-specific recovery checks.
 */
import { execFileSync } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { silentLogger } from "../../src/logging/index.js";
import { openPostgresStore, type PostgresCatalogStore } from "../../src/storage/postgres/index.js";
import { defineStoreContract, eventually, expectCode, metaClock, newRecord, uniqueName } from "./contract.js";
import { testConfig } from "./postgres.harness.js";
import { restartablePort } from "../support/ports.js";

function postgresBinDir(): string | undefined {
  const root = "/usr/lib/postgresql";
  if (!existsSync(root)) return undefined;
  const newest = readdirSync(root).sort((a, b) => Number(b) - Number(a))[0];
  return newest === undefined ? undefined : join(root, newest, "bin");
}

/** A throwaway cluster owned by the `postgres` user (the server refuses to run as root). */
class PrivateServer {
  private constructor(
    private readonly bin: string,
    private readonly dataDir: string,
    readonly port: number,
  ) {}

  get url(): string {
    return `postgres://nestor@127.0.0.1:${this.port}/postgres`;
  }

  static async create(bin: string): Promise<PrivateServer> {
    const dataDir = mkdtempSync(join(tmpdir(), "nestor-pg-outage-"));
    if (process.getuid?.() === 0) {
      const uid = Number(execFileSync("id", ["-u", "postgres"]).toString().trim());
      const gid = Number(execFileSync("id", ["-g", "postgres"]).toString().trim());
      chownSync(dataDir, uid, gid);
    }
    const server = new PrivateServer(bin, dataDir, await restartablePort());
    server.run("initdb", ["-D", dataDir, "--username=nestor", "--auth=trust", "--no-sync"]);
    server.start();
    return server;
  }

  start(): void {
    const options = `-p ${this.port} -k ${this.dataDir} -c listen_addresses=127.0.0.1 -c fsync=off`;
    this.run("pg_ctl", ["-D", this.dataDir, "-l", join(this.dataDir, "server.log"), "-o", options, "-w", "start"]);
  }

  stop(): void {
    this.run("pg_ctl", ["-D", this.dataDir, "-m", "fast", "-w", "stop"]);
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
    if (process.getuid?.() === 0) execFileSync("runuser", ["-u", "postgres", "--", command, ...args], { stdio: "pipe" });
    else execFileSync(command, args, { stdio: "pipe" });
  }
}

const bin = postgresBinDir();
const runnable = bin !== undefined && (process.getuid?.() !== 0 || existsSync("/usr/sbin/runuser") || existsSync("/sbin/runuser"));

describe("postgres on a private server that goes down", () => {
  beforeAll(() => {
    // Never skipped: a machine without PostgreSQL's server binaries fails here, loudly.
    if (!runnable) throw new Error("PostgreSQL server binaries (or runuser, as root) not found; run scripts/services/postgres.sh");
  });
  let server: PrivateServer;
  // Calls against a stopped server fail at once (connection refused); only
  // the lock test below waits for the timeout, so it gets a short one.
  const config = (timeoutMs = 10_000) => testConfig("nestor_outage", { url: server.url, timeoutMs });

  beforeAll(async () => {
    server = await PrivateServer.create(bin!);
  });

  afterAll(() => {
    server?.destroy();
  });

  defineStoreContract("postgres (private server)", {
    open: () => openPostgresStore(config(), silentLogger),
    stopServer: async () => server.stop(),
    startServer: async () => server.start(),
  });

  describe("recovery", () => {
    let writer: PostgresCatalogStore;
    let follower: PostgresCatalogStore;

    beforeAll(async () => {
      writer = await openPostgresStore(config(2_000), silentLogger);
      follower = await openPostgresStore(config(), silentLogger);
    });

    afterAll(async () => {
      await writer?.close();
      await follower?.close();
    });

    it("re-establishes LISTEN after a restart, catching listeners up and delivering later writes", async () => {
      const seen: number[] = [];
      follower.onCommit((revision) => seen.push(revision));
      expect(await follower.listening(10_000)).toBe(true);
      // Warm both pools so the restart kills idle connections (whose errors must not crash the process).
      await Promise.all([writer.health(), follower.health(), follower.revisionBounds()]);
      server.stop();
      await expectCode(writer.insertVersion(newRecord(uniqueName("down"), "1.0.0"), metaClock()()), "UNAVAILABLE");
      server.start();
      const afterRestart = seen.length;
      await eventually(async () => expect((await writer.health()).ok).toBe(true));
      await eventually(() => expect(seen.length).toBeGreaterThan(afterRestart));
      const event = await writer.insertVersion(newRecord(uniqueName("after-restart"), "1.0.0"), metaClock()());
      await eventually(() => expect(seen).toContain(event.revision));
    });

    it("fails a write stuck behind a lock with UNAVAILABLE once the timeout passes, instead of hanging", async () => {
      const blocker = new pg.Client({ connectionString: server.url });
      await blocker.connect();
      try {
        await blocker.query("BEGIN");
        await blocker.query(`SELECT current FROM nestor_outage.catalog_revision FOR UPDATE`);
        const err = await expectCode(
          writer.insertVersion(newRecord(uniqueName("blocked"), "1.0.0"), metaClock()()),
          "UNAVAILABLE",
        );
        expect(err.message).toMatch(/^postgres is unavailable: /);
        await blocker.query("ROLLBACK");
        await writer.insertVersion(newRecord(uniqueName("unblocked"), "1.0.0"), metaClock()());
      } finally {
        await blocker.end();
      }
    });
  });
});
