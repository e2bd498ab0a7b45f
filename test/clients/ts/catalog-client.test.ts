/**
 * @nestor/catalog-client (gen/ts/src/client) against a real server from
 * src/app.ts: the factory's options reach the wire, listAllComponents walks
 * every page, and watchCatalog survives a dropped connection with every
 * event delivered once, and turns OUT_OF_RANGE into a "relist" update;
 * followConstraint reports each move of a constraint once across a drop.
 * The connection is dropped by a TCP relay between client and server, so
 * the client sees a real disconnect, not a polite stream end.
 */
import { connect, createServer, type Server, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import {
  backoffDelay,
  type CatalogClient,
  Code,
  ConnectError,
  createCatalogClient,
  createCatalogTransport,
  createClient,
  EventType,
  fieldViolations,
  followConstraint,
  isRelistNeeded,
  listAllComponents,
  SyncService,
  type WatchUpdate,
  watchCatalog,
} from "../../../gen/ts/src/client/index.js";
import { type CatalogServer, startCatalogServer } from "../../../src/app.js";
import { DEFAULT_CONFIG } from "../../../src/config/schema.js";
import { silentLogger } from "../../../src/logging/index.js";

let server: CatalogServer;
let relay: Relay;

beforeAll(async () => {
  const config = structuredClone(DEFAULT_CONFIG);
  config.server.port = 0;
  config.server.shutdownGraceMs = 1_000;
  config.storage.type = "memory";
  config.events.progressIntervalMs = 200;
  server = await startCatalogServer(config, silentLogger);
  relay = await startRelay(server.port);
});
afterAll(async () => {
  await relay?.close();
  await server?.shutdown();
});

interface Relay {
  url: string;
  /** Cuts every open connection, as a network failure would. */
  dropConnections(): void;
  close(): Promise<void>;
}

async function startRelay(targetPort: number): Promise<Relay> {
  const sockets = new Set<Socket>();
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => socket.destroy());
  };
  const relayServer: Server = createServer((client) => {
    const upstream = connect(targetPort, "127.0.0.1");
    track(client);
    track(upstream);
    client.pipe(upstream).pipe(client);
    client.on("close", () => upstream.destroy());
    upstream.on("close", () => client.destroy());
  });
  await new Promise<void>((resolve) => relayServer.listen(0, "127.0.0.1", resolve));
  const address = relayServer.address();
  if (address === null || typeof address === "string") throw new Error("relay has no TCP address");
  return {
    url: `http://127.0.0.1:${address.port}`,
    dropConnections: () => sockets.forEach((s) => s.destroy()),
    close: () => {
      sockets.forEach((s) => s.destroy());
      return new Promise((resolve) => relayServer.close(() => resolve()));
    },
  };
}

let counter = 0;
function uniqueName(prefix: string): string {
  counter += 1;
  return `ts-${prefix}-${process.pid}-${counter}`;
}

function component(name: string, version: string, labels: Record<string, string> = {}) {
  return {
    name,
    version,
    provider: "aws",
    category: "database",
    description: `MySQL on RDS for ${name}`,
    labels,
    outputs: [{ name: "endpoint", type: 1 }],
    deployment: { engine: "terraform" },
  };
}

async function publish(client: CatalogClient, name: string, version: string, labels?: Record<string, string>) {
  return client.createComponent({ component: component(name, version, labels) });
}

/** Pulls updates until `count` events arrived (or the watch ends). */
async function takeEvents(updates: AsyncGenerator<WatchUpdate>, count: number) {
  const events: { revision: bigint; type: EventType; version: string }[] = [];
  while (events.length < count) {
    const next = await updates.next();
    if (next.done) break;
    if (next.value.kind === "events") {
      for (const e of next.value.events)
        events.push({ revision: e.revision, type: e.type, version: e.component?.version ?? "" });
    }
  }
  return events;
}

describe("createCatalogClient", () => {
  test.each(["grpc", "connect", "grpc-web"] as const)(
    "reaches the server over %s and sends the configured headers",
    async (protocol) => {
      const client = createCatalogClient(server.url, {
        protocol,
        timeoutMs: 5_000,
        headers: async () => ({ "x-request-id": `hdr-${protocol}` }),
      });
      let echoed: string | null = null;
      const name = uniqueName("proto");
      await publish(client, name, "1.0.0");
      const got = await client.getComponent(
        { name, version: "latest" },
        { onHeader: (h) => (echoed = h.get("x-request-id")) },
      );
      expect(got.component?.version).toBe("1.0.0");
      expect(echoed).toBe(`hdr-${protocol}`);
    },
  );

  test("its transport serves the server's other services too", async () => {
    const sync = createClient(SyncService, createCatalogTransport(server.url));
    const statuses = await sync.listSyncStatuses({}, { timeoutMs: 5_000 });
    expect(statuses.statuses).toEqual([]);
  });

  test("rejects a URL that is not http or https", () => {
    expect(() => createCatalogClient("127.0.0.1:8080")).toThrow(/http:\/\/ or https:\/\//);
  });

  test("reports field violations of an invalid component", async () => {
    const client = createCatalogClient(server.url);
    const err = await client.createComponent({ component: component("Not_A_Label", "v1") }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectError);
    expect((err as ConnectError).code).toBe(Code.InvalidArgument);
    expect((err as ConnectError).rawMessage).toContain("component.name");
    expect(fieldViolations(err).map((v) => v.field)).toEqual(
      expect.arrayContaining(["component.name", "component.version"]),
    );
    expect(isRelistNeeded(err)).toBe(false);
  });
});

describe("listAllComponents", () => {
  test("walks every page and returns the first page's revision", async () => {
    const client = createCatalogClient(server.url);
    const suite = uniqueName("list");
    const names = ["a", "b", "c", "d", "e"].map((s) => `${suite}-${s}`);
    for (const name of names) await publish(client, name, "1.0.0", { suite });
    const before = (await client.listComponents({ pageSize: 1 })).revision;

    const snapshot = await listAllComponents(client, { pageSize: 2, filter: { labels: { suite } } });

    expect(snapshot.components.map((c) => c.name)).toEqual(names);
    expect(snapshot.revision).toBeGreaterThanOrEqual(before);
  });
});

describe("watchCatalog", () => {
  test("resumes from the last delivered revision after the connection drops, delivering every event once", async () => {
    const writer = createCatalogClient(server.url);
    const watcher = createCatalogClient(relay.url);
    const name = uniqueName("watch");
    const start = (await publish(writer, name, "0.1.0")).revision;
    const reconnects: bigint[] = [];
    const stop = new AbortController();
    const updates = watchCatalog(watcher, {
      startRevision: start,
      filter: { names: [name] },
      signal: stop.signal,
      backoff: { initialMs: 20, maxMs: 100 },
      onReconnect: (info) => reconnects.push(info.revision),
    });

    await publish(writer, name, "0.2.0");
    await publish(writer, name, "0.3.0");
    const first = await takeEvents(updates, 2);

    relay.dropConnections();
    await publish(writer, name, "0.4.0");
    await writer.updateComponent({
      component: { name, version: "0.2.0", deprecation: { deprecated: true, message: "gone" } },
      updateMask: { paths: ["deprecation"] },
    });
    const rest = await takeEvents(updates, 2);
    stop.abort();
    expect((await updates.next()).done).toBe(true);

    const seen = [...first, ...rest];
    expect(seen.map((e) => [EventType[e.type], e.version])).toEqual([
      ["CREATED", "0.2.0"],
      ["CREATED", "0.3.0"],
      ["CREATED", "0.4.0"],
      ["UPDATED", "0.2.0"],
    ]);
    const revisions = seen.map((e) => e.revision);
    expect(new Set(revisions).size).toBe(revisions.length);
    expect([...revisions].sort((a, b) => (a < b ? -1 : 1))).toEqual(revisions);
    expect(reconnects.length).toBeGreaterThan(0);
    expect(reconnects[0]).toBe(first[first.length - 1]!.revision);
  });

  test("yields relist and ends when the log was compacted past the start revision", async () => {
    const client = createCatalogClient(server.url);
    const name = uniqueName("compacted");
    const start = (await publish(client, name, "1.0.0")).revision;
    const latest = (await publish(client, name, "1.1.0")).revision;
    await server.store.compact(Number(latest) - 1);

    const updates: WatchUpdate[] = [];
    for await (const update of watchCatalog(client, { startRevision: start - 1n })) updates.push(update);

    expect(updates).toHaveLength(1);
    expect(updates[0]!.kind).toBe("relist");
    expect(updates[0]!.kind === "relist" && isRelistNeeded(updates[0]!.error)).toBe(true);
  });

  test("a 'from now' watch starts at the current revision", async () => {
    const client = createCatalogClient(server.url);
    const current = (await client.listComponents({ pageSize: 1 })).revision;
    const stop = new AbortController();
    const updates = watchCatalog(client, { startRevision: 0n, signal: stop.signal });
    const first = await updates.next();
    stop.abort();
    expect(first.value).toEqual({ kind: "progress", revision: current });
  });
});

describe("followConstraint", () => {
  test("reports each move of a registered constraint once, across a dropped connection", async () => {
    const writer = createCatalogClient(server.url);
    const follower = createCatalogClient(relay.url);
    const name = uniqueName("follow");
    await publish(writer, name, "1.0.0");
    await follower.registerConsumer({ consumer: "billing", name, constraint: "~> 1.0" });
    const current = await follower.getComponent({ name, version: "~> 1.0" });
    const reconnects: bigint[] = [];
    const stop = new AbortController();
    const changes = followConstraint(follower, name, "~> 1.0", {
      startRevision: current.revision,
      signal: stop.signal,
      backoff: { initialMs: 20, maxMs: 100 },
      onReconnect: (info) => reconnects.push(info.revision),
    });
    const moved = (await publish(writer, name, "1.1.0")).revision;
    const first = await changes.next();
    relay.dropConnections();
    await publish(writer, name, "2.0.0");
    const yanked = await writer.yankComponentVersion({ name, version: "1.1.0", reason: "bad" });
    const second = await changes.next();
    stop.abort();
    expect((await changes.next()).done).toBe(true);
    expect([first.value, second.value]).toEqual([
      { oldVersion: "1.0.0", newVersion: "1.1.0", revision: moved, actor: "anonymous" },
      { oldVersion: "1.1.0", newVersion: "1.0.0", revision: yanked.revision, actor: "anonymous" },
    ]);
    expect(reconnects[0]).toBe(moved);
  });
});

describe("backoffDelay", () => {
  test("grows by the multiplier and stops at the cap", () => {
    const noJitter = () => 0.5;
    const delays = [1, 2, 3, 4, 10].map((attempt) => backoffDelay(attempt, { initialMs: 100, maxMs: 500 }, noJitter));
    expect(delays).toEqual([100, 200, 400, 500, 500]);
  });

  test("jitter stays within 20% of the base delay and under the cap", () => {
    expect(backoffDelay(1, { initialMs: 100 }, () => 0)).toBe(80);
    expect(backoffDelay(1, { initialMs: 100 }, () => 1)).toBe(120);
    expect(backoffDelay(5, { initialMs: 100, maxMs: 500 }, () => 1)).toBe(500);
  });
});
