/**
 * The server's life: shutdown with a watch open, a restart on the same
 * embedded data directory, and the CLI (serve, SIGTERM, a bad config).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import { Code, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import * as grpc from "@grpc/grpc-js";
import { describe, expect, test } from "vitest";
import { CatalogService, type WatchEventsResponse } from "../../gen/ts/src/nestor/catalog/v1/catalog_service_pb.js";
import { EventType } from "../../gen/ts/src/nestor/catalog/v1/events_pb.js";
import {
  expectConnectError,
  expectGrpcJsError,
  GrpcJsCatalog,
  GrpcJsStreamReader,
  type GrpcJsWatchResponse,
  repoRoot,
  sampleComponent,
  startHarness,
  tempDir,
  uniqueName,
  withExtraOptionalInput,
} from "./harness.js";

describe("shutdown", () => {
  test("ends open watches with UNAVAILABLE in both clients, then refuses new connections", async () => {
    const h = await startHarness();
    const name = uniqueName("bye");
    await h.grpc.createComponent({ component: sampleComponent({ name }) });

    const connectWatch = h.grpc.watchEvents({ startRevision: 0n })[Symbol.asyncIterator]();
    expect((await connectWatch.next()).value?.progress).toBe(true);
    const grpcJsWatch = new GrpcJsStreamReader<GrpcJsWatchResponse>(h.grpcjs.watch({ start_revision: "0" }));
    expect((await grpcJsWatch.next()).progress).toBe(true);

    await h.server.shutdown();

    const drain = async (next: () => Promise<unknown>) => {
      for (;;) await next();
    };
    const err = await expectConnectError(
      drain(async () => {
        const r = await connectWatch.next();
        if (r.done) throw new Error("watch ended without an error");
      }),
      Code.Unavailable,
    );
    expect(err.rawMessage).toMatch(/shutting down/);
    const gErr = await expectGrpcJsError(
      drain(() => grpcJsWatch.next()),
      grpc.status.UNAVAILABLE,
    );
    expect(gErr.details).toMatch(/shutting down; resume the watch with start_revision \d+$/);

    const fresh = createClient(CatalogService, createGrpcTransport({ baseUrl: h.server.url }));
    await expectConnectError(fresh.getComponent({ name }), Code.Unavailable);
    const freshGrpcJs = new GrpcJsCatalog(h.server.port);
    await expectGrpcJsError(
      freshGrpcJs.call("GetComponent", { name, version: "" }, { deadline: Date.now() + 2_000 }),
      grpc.status.UNAVAILABLE,
    );
    freshGrpcJs.close();
    await h.close();
  });
});

describe("restart on the embedded store", () => {
  test("keeps every record and replays the same events", async () => {
    const dir = tempDir("nestor-api-restart-");
    const embedded = (config: Parameters<NonNullable<Parameters<typeof startHarness>[0]>>[0]) => {
      config.storage.type = "embedded";
      config.storage.embedded.dataDir = join(dir.path, "data");
    };
    try {
      const name = uniqueName("keep");
      const first = await startHarness(embedded);
      const v1 = await first.grpc.createComponent({ component: sampleComponent({ name, version: "1.0.0" }) });
      await first.grpc.createComponent({
        component: withExtraOptionalInput(sampleComponent({ name, version: "1.1.0" })),
      });
      await first.grpc.updateComponent({
        component: { name, version: "1.0.0", deprecation: { deprecated: true, message: "use 1.1.0" } },
        updateMask: { paths: ["deprecation"] },
      });
      await first.grpc.deleteComponent({ name, version: "1.1.0" });
      const before = await first.grpc.getComponent({ name, version: "1.0.0" });
      const eventsBefore = await replayAfterFirst(first.grpc, before.revision);
      await first.close();

      const second = await startHarness(embedded);
      try {
        const after = await second.grpc.getComponent({ name, version: "1.0.0" });
        expect(after.component).toEqual(before.component);
        expect(after.revision).toBe(before.revision);
        expect(after.deprecated).toBe(true);
        await expectConnectError(second.grpc.getComponent({ name, version: "1.1.0" }), Code.NotFound);
        expect(await replayAfterFirst(second.grpc, before.revision)).toEqual(eventsBefore);
        expect(v1.revision).toBe(1n);
        expect(eventsBefore.map((e) => e.revision)).toEqual([2n, 3n, 4n]);
        expect(eventsBefore.map((e) => e.type)).toEqual([EventType.CREATED, EventType.UPDATED, EventType.DELETED]);
        expect(eventsBefore[2]!.component?.version).toBe("1.1.0");

        const now = second.grpc.watchEvents({ startRevision: 0n })[Symbol.asyncIterator]();
        expect((await now.next()).value).toMatchObject({ progress: true, revision: before.revision });
        await now.return?.();

        const next = await second.grpc.createComponent({ component: sampleComponent({ name, version: "1.2.0" }) });
        expect(next.revision).toBe(before.revision + 1n);
      } finally {
        await second.close();
      }
    } finally {
      dir.remove();
    }
  });
});

/**
 * Every event after revision 1 through `through`. The oldest replay the
 * contract allows starts after revision 1: start_revision 0 means "from
 * now", not "from the beginning".
 */
async function replayAfterFirst(client: ReturnType<typeof createClient<typeof CatalogService>>, through: bigint) {
  const events: WatchEventsResponse["events"] = [];
  const abort = new AbortController();
  try {
    for await (const msg of client.watchEvents({ startRevision: 1n }, { signal: abort.signal })) {
      events.push(...msg.events);
      if (msg.revision >= through) break;
    }
  } finally {
    abort.abort();
  }
  return events.map((e) => ({
    revision: e.revision,
    type: e.type,
    component: e.component,
    eventTime: e.eventTime,
    actor: e.actor,
  }));
}

describe("the CLI", () => {
  /** Spawns `node --import tsx src/main.ts serve` and resolves with the URL from its "listening" log line. */
  function serve(env: Record<string, string>): {
    child: ChildProcess;
    url: Promise<string>;
    exit: Promise<{ code: number | null; stderr: string }>;
  } {
    const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts", "serve", "--port", "0"], {
      cwd: repoRoot,
      env: { ...process.env, NESTOR_LOGGING_FORMAT: "json", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    let resolveUrl: (url: string) => void;
    const url = new Promise<string>((resolve) => (resolveUrl = resolve));
    child.stderr!.setEncoding("utf8");
    child.stderr!.on("data", (chunk: string) => {
      stderr += chunk;
      for (const line of stderr.split("\n")) {
        if (!line.startsWith("{")) continue;
        try {
          const record = JSON.parse(line) as { msg?: string; url?: string };
          if (record.msg === "listening" && record.url) resolveUrl(record.url);
        } catch {
          // A partial line: the rest comes with the next chunk.
        }
      }
    });
    const exit = new Promise<{ code: number | null; stderr: string }>((resolve) =>
      child.once("exit", (code) => resolve({ code, stderr })),
    );
    const listening = Promise.race([
      url,
      exit.then(({ stderr: e }) => Promise.reject(new Error(`exited early: ${e}`))),
    ]);
    listening.catch(() => undefined); // Tests that expect an early exit never await the URL.
    return { child, url: listening, exit };
  }

  test("serve answers gRPC on the port it logs, and SIGTERM drains and exits 0", async () => {
    const cli = serve({ NESTOR_STORAGE_TYPE: "memory" });
    try {
      const url = await cli.url;
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const client = createClient(CatalogService, createGrpcTransport({ baseUrl: url }));
      const name = uniqueName("cli");
      const created = await client.createComponent({ component: sampleComponent({ name }) });
      expect(created.created).toBe(true);
      expect((await client.getComponent({ name })).component?.version).toBe("1.0.0");
      const grpcJs = new GrpcJsCatalog(Number(new URL(url).port));
      expect(await grpcJs.call("GetComponent", { name, version: "1.0.0" })).toMatchObject({ component: { name } });
      grpcJs.close();
    } finally {
      cli.child.kill("SIGTERM");
    }
    const { code, stderr } = await cli.exit;
    expect(code, stderr).toBe(0);
    expect(stderr).toContain('"msg":"stopped"');
  });

  test("an invalid storage.type exits 2 naming the key", async () => {
    const cli = serve({ NESTOR_STORAGE_TYPE: "bogus" });
    const { code, stderr } = await cli.exit;
    expect(code).toBe(2);
    expect(stderr).toContain("storage.type");
    expect(stderr).toContain("bogus");
  });
});
