/**
 * The embedded store on a full disk (a small tmpfs this test mounts, so it
 * needs root, as CI has): writes fail UNAVAILABLE and the writes health
 * service says so, while reads and the server's own health keep serving, so
 * the process stays in its load balancer. Freeing space brings writes back
 * without a restart, and a restart finds every acknowledged write.
 */
import { execFileSync } from "node:child_process";
import { appendFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Health, HealthCheckResponse_ServingStatus as Serving } from "../../gen/ts/src/grpc/health/v1/health_pb.js";
import { CatalogService } from "../../gen/ts/src/nestor/catalog/v1/catalog_service_pb.js";
import { expectConnectError, sampleComponent } from "../api/harness.js";
import { type ServerProcess, spawnServer } from "../support/server-process.js";
import { CATALOG_SERVICE, WRITES_SERVICE } from "./drill.js";

describe("embedded store on a full disk", () => {
  const mountPoint = mkdtempSync(join(tmpdir(), "nestor-full-disk-"));
  const dataDir = join(mountPoint, "data");
  const filler = join(mountPoint, "filler");
  let server: ServerProcess;

  beforeAll(async () => {
    if (process.getuid?.() !== 0) throw new Error("this test mounts a small tmpfs and needs root (CI runs as root)");
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=4m", "tmpfs", mountPoint]);
    server = await spawnServer({
      NESTOR_STORAGE_TYPE: "embedded",
      NESTOR_STORAGE_EMBEDDED_DATA_DIR: dataDir,
      NESTOR_LOGGING_LEVEL: "info",
    });
  });

  afterAll(async () => {
    await server?.stop();
    try {
      execFileSync("umount", [mountPoint]);
    } finally {
      rmSync(mountPoint, { recursive: true, force: true });
    }
  });

  it("fails writes UNAVAILABLE with writes NOT_SERVING, serves reads, and recovers when space is freed", async () => {
    const transport = createGrpcTransport({ baseUrl: server.url });
    const catalog = createClient(CatalogService, transport);
    const health = createClient(Health, transport);
    const status = async (service: string) => (await health.check({ service })).status;

    const before = await catalog.createComponent({
      component: sampleComponent({ name: "before-full", version: "1.0.0" }),
    });
    fillDisk(filler);

    // The log file's last page may still hold a record or two; the disk refuses the write after that.
    const acknowledged = ["before-full"];
    let refused: ConnectError | undefined;
    for (let attempt = 0; attempt < 20 && refused === undefined; attempt++) {
      const name = `filling-${attempt}`;
      try {
        await catalog.createComponent({ component: sampleComponent({ name, version: "1.0.0" }) });
        acknowledged.push(name);
      } catch (err) {
        refused = ConnectError.from(err);
      }
    }
    expect(refused?.code).toBe(Code.Unavailable);
    expect(refused?.rawMessage).toMatch(/ENOSPC|no space/i);
    expect(await status(WRITES_SERVICE)).toBe(Serving.NOT_SERVING);
    expect(await status(CATALOG_SERVICE)).toBe(Serving.SERVING);
    expect(await status("")).toBe(Serving.SERVING);
    expect((await catalog.getComponent({ name: "before-full", version: "1.0.0" })).component?.createRevision).toBe(
      before.component?.createRevision,
    );
    expect(server.output()).toMatch(/"level":"error","msg":"writes unavailable[^"]*".*ENOSPC/);

    rmSync(filler);
    const after = await catalog.createComponent({
      component: sampleComponent({ name: "after-full", version: "1.0.0" }),
    });
    expect(after.created).toBe(true);
    expect(await status(WRITES_SERVICE)).toBe(Serving.SERVING);
    expect(server.output()).toMatch(/"msg":"writes available again"/);

    await server.stop();
    server = await spawnServer({ NESTOR_STORAGE_TYPE: "embedded", NESTOR_STORAGE_EMBEDDED_DATA_DIR: dataDir });
    const restarted = createClient(CatalogService, createGrpcTransport({ baseUrl: server.url }));
    for (const name of [...acknowledged, "after-full"]) {
      expect((await restarted.getComponent({ name, version: "1.0.0" })).component?.name).toBe(name);
    }
    const refusedName = `filling-${acknowledged.length - 1}`;
    await expectConnectError(restarted.getComponent({ name: refusedName, version: "1.0.0" }), Code.NotFound);
  });
});

/** Appends to `path` until the file system refuses another byte (64 KiB at a time, then 512 bytes). */
function fillDisk(path: string): void {
  for (const size of [64 * 1024, 512]) {
    const chunk = Buffer.alloc(size, 1);
    for (;;) {
      try {
        appendFileSync(path, chunk);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "ENOSPC") throw err;
        break;
      }
    }
  }
}
