/**
 * The outage drill, one suite for every network dependency: a catalog
 * server process under write and read load while the dependency is stopped
 * hard (SIGKILL, `pg_ctl -m immediate`; MySQL: SIGKILL of mariadbd), held down for a few seconds, and
 * started again. It checks what an operator is promised:
 *   - the process never exits (no unhandled driver 'error' event);
 *   - a call that fails, fails with UNAVAILABLE within the call deadline
 *     (never INTERNAL, never DEADLINE_EXCEEDED: a hang), or, for a
 *     dependency the catalog can do without (a cache, one of several read
 *     replicas), no call fails at all, or, for a hybrid store's primary,
 *     only writes fail while reads go on from the replicas;
 *   - health follows: the catalog's service (readiness) goes NOT_SERVING
 *     while its store is down (only the writes service, when only writes
 *     are down) and back to SERVING by itself, while the server's own
 *     status (liveness) stays SERVING;
 *   - writes resume without a restart;
 *   - every acknowledged write is present afterwards, and the event log is
 *     gapless (revisions 1..head, each acknowledged write's event in it).
 * Reads ask for the revision of the write they read (min_revision), as a
 * client reading its own writes from replicas does.
 */
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createGrpcTransport, Http2SessionManager } from "@connectrpc/connect-node";
import { expect } from "vitest";
import { Health, HealthCheckResponse_ServingStatus as Serving } from "../../gen/ts/src/grpc/health/v1/health_pb.js";
import { CatalogService } from "../../gen/ts/src/nestor/catalog/v1/catalog_service_pb.js";
import { type CatalogClient, sampleComponent } from "../api/harness.js";
import { type ServerProcess, spawnServer } from "../support/server-process.js";

export const CATALOG_SERVICE = CatalogService.typeName;
export const WRITES_SERVICE = `${CatalogService.typeName}/writes`;

export interface OutageTarget {
  /** NESTOR_* variables that point the catalog at the dependency. */
  env: Record<string, string>;
  /** Stops the dependency hard, connections in flight and all. */
  kill(): Promise<void>;
  /** Starts it again with its data. */
  start(): Promise<void>;
}

export interface DrillOptions {
  writers?: number;
  readers?: number;
  /** How long the dependency stays down. */
  downMs?: number;
  /** The dependency's timeout configured in the server (its storage or cache timeoutMs). */
  dependencyTimeoutMs: number;
  /**
   * "unavailable": calls touching the dependency fail UNAVAILABLE and health goes NOT_SERVING (a store).
   * "unaffected": every call succeeds and health stays SERVING (a cache the catalog can do without).
   * "readOnly": writes fail UNAVAILABLE, reads all succeed; only the writes service goes NOT_SERVING
   * (a hybrid store's primary, its replicas serving).
   */
  duringOutage: "unavailable" | "unaffected" | "readOnly";
  /** Checks of the dependency itself, run after the drill's own while the server still runs. */
  afterDrill?(url: string, report: DrillReport): Promise<void>;
}

interface Ack {
  name: string;
  revision: bigint;
}

interface Failure {
  method: string;
  code: string;
  message: string;
  elapsedMs: number;
  phase: Phase;
}

type Phase = "before" | "down" | "after";

interface HealthSample {
  phase: Phase;
  /** The server's own status (""): liveness. */
  server: Serving | "unreachable";
  catalog: Serving | "unreachable";
  writes: Serving | "unreachable";
}

export interface DrillReport {
  acks: Ack[];
  failures: Failure[];
  health: HealthSample[];
  successesByPhase: Record<Phase, number>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Writes acknowledged last before a primary died that readers leave alone while it is down. */
const READ_ONLY_MARGIN = 50;

/** Runs one drill against a fresh server process and checks every promise above; returns what it saw. */
export async function runOutageDrill(target: OutageTarget, options: DrillOptions): Promise<DrillReport> {
  const server = await spawnServer(target.env);
  try {
    const report = await drill(server, target, options);
    const slowest = Math.max(0, ...report.failures.map((f) => f.elapsedMs));
    console.info(
      `outage drill: ${report.acks.length} writes acknowledged, calls succeeded before/down/after ` +
        `${report.successesByPhase.before}/${report.successesByPhase.down}/${report.successesByPhase.after}, ` +
        `${report.failures.length} failed (slowest failure ${slowest} ms), ${report.health.length} health samples`,
    );
    expect(server.exited(), `the server exited during the drill:\n${server.output()}`).toBeUndefined();
    expect(server.output()).not.toMatch(/Unhandled 'error' event|uncaughtException|unhandledRejection/);
    try {
      checkFailures(report, options);
      checkHealth(report, options);
      await checkDurability(server.url, report);
      await options.afterDrill?.(server.url, report);
    } catch (err) {
      // The server's warnings (a replica lagging, a pool error) say why; CI shows only the failure.
      console.error(`outage drill failed; the server's log ends:\n${server.output().slice(-6_000)}`);
      throw err;
    }
    return report;
  } finally {
    await server.stop();
  }
}

async function drill(server: ServerProcess, target: OutageTarget, options: DrillOptions): Promise<DrillReport> {
  const sessions = new Http2SessionManager(server.url);
  const transport = createGrpcTransport({ baseUrl: server.url, sessionManager: sessions });
  const catalog = createClient(CatalogService, transport);
  const health = createClient(Health, transport);
  // A call that outlives this deadline is a hang: it fails the drill as DEADLINE_EXCEEDED.
  const callTimeoutMs = options.dependencyTimeoutMs * 3 + 5_000;
  const report: DrillReport = {
    acks: [],
    failures: [],
    health: [],
    successesByPhase: { before: 0, down: 0, after: 0 },
  };
  let phase: Phase = "before";
  let running = true;
  /** Acknowledged writes when the dependency went down (see `reader`). */
  let acksAtKill = 0;

  const record = async <T>(method: string, call: () => Promise<T>): Promise<T | undefined> => {
    const started = performance.now();
    const callPhase = phase;
    try {
      const result = await call();
      report.successesByPhase[callPhase] += 1;
      return result;
    } catch (err) {
      const error = ConnectError.from(err);
      const elapsedMs = Math.round(performance.now() - started);
      report.failures.push({ method, code: Code[error.code], message: error.rawMessage, elapsedMs, phase: callPhase });
      // A failed call is retried after a pause, as a client would, not in a tight loop.
      await sleep(50);
      return undefined;
    }
  };

  let sequence = 0;
  const writer = async (id: number) => {
    while (running) {
      const name = `drill-w${id}-${sequence++}`;
      const reply = await record("CreateComponent", () =>
        catalog.createComponent(
          { component: sampleComponent({ name, version: "1.0.0" }) },
          { timeoutMs: callTimeoutMs },
        ),
      );
      if (reply?.component !== undefined) report.acks.push({ name, revision: reply.component.createRevision });
    }
  };
  const reader = async (id: number) => {
    while (running) {
      // With a hybrid store's primary down, the writes it acknowledged last before dying may not have
      // reached a replica, and nothing can serve them until it is back: readers ask for older ones.
      const readable =
        phase === "down" && options.duringOutage === "readOnly"
          ? Math.max(1, acksAtKill - READ_ONLY_MARGIN)
          : report.acks.length;
      const known = report.acks[(id * 7919 + sequence) % Math.max(1, readable)];
      if (known !== undefined && id % 2 === 0) {
        await record("GetComponent", () =>
          catalog.getComponent(
            { name: known.name, version: "1.0.0", minRevision: known.revision },
            { timeoutMs: callTimeoutMs },
          ),
        );
      } else {
        await record("ListComponents", () => catalog.listComponents({ pageSize: 20 }, { timeoutMs: callTimeoutMs }));
      }
    }
  };
  const healthPoller = async () => {
    const statusOf = async (service: string) => {
      try {
        return (await health.check({ service }, { timeoutMs: 2_000 })).status;
      } catch {
        return "unreachable" as const;
      }
    };
    while (running) {
      const samplePhase = phase;
      const [serverStatus, catalogStatus, writesStatus] = await Promise.all([
        statusOf(""),
        statusOf(CATALOG_SERVICE),
        statusOf(WRITES_SERVICE),
      ]);
      report.health.push({ phase: samplePhase, server: serverStatus, catalog: catalogStatus, writes: writesStatus });
      await sleep(100);
    }
  };

  const loops = [
    ...Array.from({ length: options.writers ?? 8 }, (_, i) => writer(i)),
    ...Array.from({ length: options.readers ?? 4 }, (_, i) => reader(i)),
    healthPoller(),
  ];
  try {
    await waitFor(server, () => report.acks.length >= 20, 30_000, "20 acknowledged writes before the outage");
    acksAtKill = report.acks.length;
    await target.kill();
    phase = "down";
    await sleep(options.downMs ?? 5_000);
    await target.start();
    phase = "after";
    const acksAtRestart = report.acks.length;
    await waitFor(
      server,
      () => report.acks.length > acksAtRestart + 20 && report.health.at(-1)?.catalog === Serving.SERVING,
      60_000,
      "writes acknowledged again and health SERVING after the restart",
    );
  } finally {
    running = false;
    await Promise.all(loops);
    sessions.abort();
  }
  return report;
}

async function waitFor(
  server: ServerProcess,
  condition: () => boolean,
  timeoutMs: number,
  what: string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (server.exited() !== undefined) {
      throw new Error(`drill: the server exited (${server.exited()}) while waiting for ${what}:\n${server.output()}`);
    }
    if (Date.now() > deadline) throw new Error(`drill: timed out waiting for ${what}:\n${server.output()}`);
    await sleep(50);
  }
}

function checkFailures(report: DrillReport, options: DrillOptions): void {
  const summary = JSON.stringify(report.failures.slice(0, 10), null, 1);
  if (options.duringOutage === "readOnly") {
    const reads = report.failures.filter((f) => f.method !== "CreateComponent");
    expect(reads, `reads failed while only the primary was down: ${JSON.stringify(reads.slice(0, 10))}`).toEqual([]);
    expect(report.successesByPhase.down, "no read succeeded while the primary was down").toBeGreaterThan(0);
  }
  if (options.duringOutage === "unaffected") {
    expect(report.failures, `calls failed while a dependency the catalog can do without was down: ${summary}`).toEqual(
      [],
    );
    expect(report.successesByPhase.down).toBeGreaterThan(0);
    return;
  }
  const notUnavailable = report.failures.filter((f) => f.code !== "Unavailable");
  expect(notUnavailable, `failures other than UNAVAILABLE: ${JSON.stringify(notUnavailable.slice(0, 10))}`).toEqual([]);
  expect(report.failures.filter((f) => f.phase === "down").length, "no call failed during the outage").toBeGreaterThan(
    0,
  );
}

function checkHealth(report: DrillReport, options: DrillOptions): void {
  const down = report.health.filter((s) => s.phase === "down");
  const last = report.health.at(-1);
  expect(report.health.filter((s) => s.catalog === "unreachable" || s.writes === "unreachable")).toEqual([]);
  // Liveness: the process is up throughout, so no orchestrator restarts it for an outage a restart cannot cure.
  expect(report.health.filter((s) => s.server !== Serving.SERVING)).toEqual([]);
  expect(last?.catalog).toBe(Serving.SERVING);
  if (options.duringOutage === "unaffected") {
    expect(down.filter((s) => s.catalog !== Serving.SERVING || s.writes !== Serving.SERVING)).toEqual([]);
    expect(last?.writes).toBe(Serving.SERVING);
    return;
  }
  if (options.duringOutage === "readOnly") {
    expect(
      down.filter((s) => s.catalog !== Serving.SERVING),
      "readiness left SERVING while reads worked",
    ).toEqual([]);
    expect(
      down.some((s) => s.writes === Serving.NOT_SERVING),
      "writes never went NOT_SERVING while down",
    ).toBe(true);
    expect(last?.writes).toBe(Serving.SERVING);
    return;
  }
  expect(
    down.some((s) => s.catalog === Serving.NOT_SERVING),
    "health never went NOT_SERVING while down",
  ).toBe(true);
  expect(
    down.some((s) => s.writes === Serving.NOT_SERVING),
    "writes never went NOT_SERVING while down",
  ).toBe(true);
  expect(last?.writes).toBe(Serving.SERVING);
}

/** Every acknowledged write is readable with its revision, and the log holds revisions 1..head with no gap. */
async function checkDurability(url: string, report: DrillReport): Promise<void> {
  const sessions = new Http2SessionManager(url);
  const catalog: CatalogClient = createClient(
    CatalogService,
    createGrpcTransport({ baseUrl: url, sessionManager: sessions }),
  );
  try {
    for (const ack of report.acks) {
      const reply = await catalog.getComponent({ name: ack.name, version: "1.0.0", minRevision: ack.revision });
      expect(reply.component?.createRevision, `acknowledged write ${ack.name}`).toBe(ack.revision);
    }
    const head = (await catalog.listComponents({ pageSize: 1 })).revision;
    const seen: bigint[] = [];
    const created = new Map<bigint, string>();
    const stream = catalog.watchEvents({ startRevision: 0n, resume: true }, { timeoutMs: 60_000 });
    for await (const message of stream) {
      for (const event of message.events) {
        seen.push(event.revision);
        if (event.component !== undefined) created.set(event.revision, event.component.name);
      }
      if (message.revision >= head) break;
    }
    expect(seen.length).toBe(Number(head));
    seen.forEach((revision, index) => {
      if (revision !== BigInt(index + 1)) expect.fail(`event log gap: position ${index} holds revision ${revision}`);
    });
    for (const ack of report.acks) expect(created.get(ack.revision), `event of ${ack.name}`).toBe(ack.name);
  } finally {
    sessions.abort();
  }
}
