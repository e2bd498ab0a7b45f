/**
 * Every driver client object has its 'error' events handled, from the moment
 * it exists: an EventEmitter 'error' without a listener ends the process (a
 * PostgreSQL restart under write load once did exactly that). Two guards:
 *   - clients are constructed only in each driver's one client module, whose
 *     constructors attach a listener (checked here on real connections);
 *   - the outage drills (test/outage) stop each real dependency under load.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { silentLogger } from "../../src/logging/index.js";
import { createPool as createMysqlPool } from "../../src/storage/mysql/client.js";
import { createClient, createPool } from "../../src/storage/postgres/client.js";
import { createRedisClient } from "../../src/storage/redis/client.js";
import { repoRoot } from "../api/harness.js";
import { testConfig as mysqlTestConfig } from "./mysql.harness.js";
import { testConfig } from "./postgres.harness.js";

/** Constructors of driver clients, and the one module allowed to call each. */
const CONSTRUCTORS: Array<{ pattern: RegExp; allowedIn: string }> = [
  { pattern: /new\s+pg\.(Pool|Client)\s*\(|new\s+(Pool|Client)\s*\(/, allowedIn: "src/storage/postgres/client.ts" },
  { pattern: /new\s+Redis\s*\(|new\s+Cluster\s*\(/, allowedIn: "src/storage/redis/client.ts" },
  { pattern: /new\s+DynamoDB(Document)?Client\s*\(/, allowedIn: "src/storage/dynamodb/client.ts" },
  {
    pattern: /mysql\.create(Pool|Connection)\s*\(|\bcreate(Pool|Connection)\s*\(\s*\{/,
    allowedIn: "src/storage/mysql/client.ts",
  },
];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith(".ts") && !path.endsWith(".test.ts") ? [path] : [];
  });
}

describe("driver clients", () => {
  it("are constructed only in each driver's client module", () => {
    const misplaced: string[] = [];
    for (const file of sourceFiles(join(repoRoot, "src"))) {
      const path = relative(repoRoot, file);
      const text = readFileSync(file, "utf8");
      for (const { pattern, allowedIn } of CONSTRUCTORS) {
        if (path !== allowedIn && pattern.test(text)) misplaced.push(`${path} (belongs in ${allowedIn})`);
      }
    }
    expect(misplaced).toEqual([]);
  });

  it("postgres: a pooled client checked out for a transaction survives an 'error' event", async () => {
    const pool = createPool(testConfig("public"), silentLogger, { maxConnections: 1 });
    try {
      const client = await pool.connect();
      expect(client.listenerCount("error")).toBeGreaterThan(0);
      expect(() => client.emit("error", new Error("test: connection lost mid-transaction"))).not.toThrow();
      client.release(true);
      expect((await pool.query("SELECT 1 AS one")).rows[0]).toEqual({ one: 1 });
    } finally {
      await pool.end();
    }
  });

  it("postgres: a client outside the pool listens from construction", () => {
    const errors: Error[] = [];
    const client = createClient(testConfig("public"), (err) => errors.push(err));
    expect(() => client.emit("error", new Error("test: lost"))).not.toThrow();
    expect(errors).toHaveLength(1);
  });

  it("mysql: every pooled connection listens for 'error' from creation, and the pool survives one", async () => {
    const pool = createMysqlPool(mysqlTestConfig("nestor"), silentLogger, { maxConnections: 1 });
    try {
      const connection = await pool.getConnection();
      const core = connection.connection;
      // The pool's own listener is a once; ours stays for the connection's life.
      expect(core.listenerCount("error")).toBeGreaterThan(1);
      expect(() => core.emit("error", new Error("test: connection lost mid-transaction"))).not.toThrow();
      expect(() => core.emit("error", new Error("test: lost again"))).not.toThrow();
      connection.destroy();
      const [rows] = await pool.query("SELECT 1 AS one");
      expect(rows).toEqual([{ one: 1 }]);
    } finally {
      await pool.end();
    }
  });

  it("mysql: a pool whose server is unreachable fails calls instead of emitting errors", async () => {
    const config = { ...mysqlTestConfig("nestor"), url: "mysql://nestor:nestor@127.0.0.1:1/nestor", timeoutMs: 1_000 };
    const pool = createMysqlPool(config, silentLogger, { maxConnections: 1 });
    try {
      await expect(pool.query("SELECT 1")).rejects.toThrow();
    } finally {
      await pool.end();
    }
  });

  it("redis: a client listens from construction, before it has connected", async () => {
    const errors: unknown[] = [];
    // Nothing listens on port 1: the connection fails, and that is reported to the listener, not thrown.
    const client = createRedisClient({ url: "redis://127.0.0.1:1", keyPrefix: "", timeoutMs: 200 }, (err) =>
      errors.push(err),
    );
    try {
      expect(client.listenerCount("error")).toBeGreaterThan(0);
      await expect.poll(() => errors.length, { timeout: 5_000 }).toBeGreaterThan(0);
    } finally {
      client.disconnect();
    }
  });
});
