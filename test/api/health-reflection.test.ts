/**
 * Health and server reflection over a real HTTP/2 socket, seen by the clients
 * people actually use: a Connect client, @grpc/grpc-js, grpcurl and buf curl.
 */
import { execFile, execFileSync } from "node:child_process";
import * as http2 from "node:http2";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { create, fromBinary } from "@bufbuild/protobuf";
import { type FileDescriptorProto, FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, type ConnectRouter, createClient } from "@connectrpc/connect";
import { type ConnectNodeAdapterOptions, connectNodeAdapter, createGrpcTransport } from "@connectrpc/connect-node";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import {
  Health,
  HealthCheckResponse_ServingStatus as ServingStatus,
} from "../../gen/ts/src/grpc/health/v1/health_pb.js";
import * as reflectionV1 from "../../gen/ts/src/grpc/reflection/v1/reflection_pb.js";
import * as reflectionV1alpha from "../../gen/ts/src/grpc/reflection/v1alpha/reflection_pb.js";
import {
  CatalogService,
  file_nestor_catalog_v1_catalog_service,
  GetComponentResponseSchema,
} from "../../gen/ts/src/nestor/catalog/v1/catalog_service_pb.js";
import { ComponentSchema } from "../../gen/ts/src/nestor/catalog/v1/component_pb.js";
import {
  HealthStatusBoard,
  registerHealth,
  type StoreHealth,
  StoreHealthMonitor,
  WRITES_HEALTH,
} from "../../src/api/health.js";
import { registerReflection } from "../../src/api/reflection.js";
import { CatalogError } from "../../src/errors/index.js";
import { createLogger } from "../../src/logging/index.js";

const run = promisify(execFile);
const repoRoot = fileURLToPath(new URL("../../", import.meta.url));
const bufBin = `${repoRoot}node_modules/.bin/buf`;
const CATALOG = CatalogService.typeName;

interface TestServer {
  board: HealthStatusBoard;
  port: number;
  baseUrl: string;
  close(): Promise<void>;
}

/** Only so reflection has a real service to list and grpcurl something to call. */
function registerCatalogStub(router: ConnectRouter): void {
  router.service(CatalogService, {
    getComponent(request) {
      return create(GetComponentResponseSchema, {
        component: create(ComponentSchema, { name: request.name, version: "1.2.0", provider: "aws" }),
        revision: 7n,
      });
    },
  });
}

/** A router that drops grpc.reflection.v1, as an older server would, to exercise v1alpha fallbacks. */
function withoutReflectionV1(router: ConnectRouter): ConnectRouter {
  const filtered: ConnectRouter = {
    get handlers() {
      return router.handlers;
    },
    service(service, implementation, options) {
      if (service.typeName !== reflectionV1.ServerReflection.typeName) router.service(service, implementation, options);
      return filtered;
    },
    rpc(method, implementation, options) {
      router.rpc(method, implementation, options);
      return filtered;
    },
  };
  return filtered;
}

/**
 * connect-node answers an unknown path with a bare 404 whose headers do not
 * end the stream, which grpc-go clients report as INTERNAL. grpcurl falls
 * back to reflection v1alpha only on UNIMPLEMENTED, as gRPC servers answer:
 * a trailers-only response with grpc-status 12.
 */
const answerUnknownMethodsAsGrpcDoes: NonNullable<ConnectNodeAdapterOptions["fallback"]> = (_request, response) => {
  if (!(response instanceof http2.Http2ServerResponse)) throw new Error("the test server speaks HTTP/2 only");
  response.stream.respond(
    { ":status": 200, "content-type": "application/grpc", "grpc-status": "12", "grpc-message": "unknown service" },
    { endStream: true },
  );
};

async function startServer(options: { reflectionV1?: boolean } = {}): Promise<TestServer> {
  const board = new HealthStatusBoard();
  const handler = connectNodeAdapter({
    fallback: answerUnknownMethodsAsGrpcDoes,
    routes(router) {
      registerHealth(router, board);
      registerReflection(options.reflectionV1 === false ? withoutReflectionV1(router) : router, [
        file_nestor_catalog_v1_catalog_service,
      ]);
      registerCatalogStub(router);
    },
  });
  const server = http2.createServer(handler);
  const sessions = new Set<http2.ServerHttp2Session>();
  server.on("session", (session) => {
    sessions.add(session);
    session.once("close", () => sessions.delete(session));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    board,
    port,
    baseUrl: `http://127.0.0.1:${port}`,
    async close() {
      board.shutdown();
      for (const session of sessions) session.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function connectClients(baseUrl: string) {
  const transport = createGrpcTransport({ baseUrl });
  return {
    health: createClient(Health, transport),
    reflectionV1: createClient(reflectionV1.ServerReflection, transport),
    reflectionV1alpha: createClient(reflectionV1alpha.ServerReflection, transport),
  };
}

/** One reflection query, written once for both protocol versions. */
type ReflectionQuery =
  | { case: "fileByFilename" | "fileContainingSymbol" | "allExtensionNumbersOfType" | "listServices"; value: string }
  | { case: "fileContainingExtension"; value: { containingType: string; extensionNumber: number } };

async function expectConnectError(promise: Promise<unknown>, code: Code): Promise<void> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ConnectError);
  expect((err as ConnectError).code).toBe(code);
}

describe("health over gRPC", () => {
  let server: TestServer;
  let clients: ReturnType<typeof connectClients>;
  beforeAll(async () => {
    server = await startServer();
    clients = connectClients(server.baseUrl);
  });
  afterAll(() => server.close());

  test("Check answers the overall and the catalog status, and NOT_FOUND for an unknown service", async () => {
    expect((await clients.health.check({ service: "" })).status).toBe(ServingStatus.SERVING);
    expect((await clients.health.check({ service: CATALOG })).status).toBe(ServingStatus.SERVING);
    await expectConnectError(clients.health.check({ service: "no.such.Service" }), Code.NotFound);
  });

  test("Watch sends the current status, then every flip, until the client cancels", async () => {
    const abort = new AbortController();
    const updates = clients.health.watch({ service: CATALOG }, { signal: abort.signal })[Symbol.asyncIterator]();
    expect((await updates.next()).value?.status).toBe(ServingStatus.SERVING);
    server.board.set(CATALOG, ServingStatus.NOT_SERVING);
    expect((await updates.next()).value?.status).toBe(ServingStatus.NOT_SERVING);
    server.board.set(CATALOG, ServingStatus.SERVING);
    expect((await updates.next()).value?.status).toBe(ServingStatus.SERVING);
    abort.abort();
    await expectConnectError(updates.next(), Code.Canceled);
  });

  test("Watch on an unknown service says SERVICE_UNKNOWN and stays open until the service appears", async () => {
    const abort = new AbortController();
    const updates = clients.health
      .watch({ service: "later.Service" }, { signal: abort.signal })
      [Symbol.asyncIterator]();
    expect((await updates.next()).value?.status).toBe(ServingStatus.SERVICE_UNKNOWN);
    server.board.set("later.Service", ServingStatus.SERVING);
    expect((await updates.next()).value?.status).toBe(ServingStatus.SERVING);
    abort.abort();
  });

  describe("with @grpc/grpc-js", () => {
    interface HealthReply {
      status: string;
    }
    interface GrpcJsHealthClient extends grpc.Client {
      Check(request: { service: string }, callback: (err: grpc.ServiceError | null, reply?: HealthReply) => void): void;
      Watch(request: { service: string }): grpc.ClientReadableStream<HealthReply>;
    }
    let client: GrpcJsHealthClient;

    beforeAll(() => {
      const definition = protoLoader.loadSync(`${repoRoot}third_party/proto/grpc/health/v1/health.proto`, {
        enums: String,
        defaults: true,
      });
      const loaded = grpc.loadPackageDefinition(definition) as unknown as {
        grpc: {
          health: { v1: { Health: new (address: string, creds: grpc.ChannelCredentials) => GrpcJsHealthClient } };
        };
      };
      client = new loaded.grpc.health.v1.Health(`127.0.0.1:${server.port}`, grpc.credentials.createInsecure());
    });
    afterAll(() => client.close());

    const check = (service: string) =>
      new Promise<{ reply?: HealthReply; error?: grpc.ServiceError }>((resolve) =>
        client.Check({ service }, (error, reply) => resolve(error ? { error } : { reply })),
      );

    test("Check answers SERVING, and NOT_FOUND for an unknown service", async () => {
      expect((await check(CATALOG)).reply?.status).toBe("SERVING");
      expect((await check("no.such.Service")).error?.code).toBe(grpc.status.NOT_FOUND);
    });

    test("Watch sees flips and SERVICE_UNKNOWN", async () => {
      const received: string[] = [];
      const watch = client.Watch({ service: "" });
      const nextStatus = () =>
        new Promise<string>((resolve) => watch.once("data", (reply: HealthReply) => resolve(reply.status)));
      received.push(await nextStatus());
      server.board.set("", ServingStatus.NOT_SERVING);
      received.push(await nextStatus());
      server.board.set("", ServingStatus.SERVING);
      received.push(await nextStatus());
      watch.on("error", () => {});
      watch.cancel();
      expect(received).toEqual(["SERVING", "NOT_SERVING", "SERVING"]);

      const unknown = client.Watch({ service: "no.such.Service" });
      const first = await new Promise<string>((resolve) => unknown.once("data", (r: HealthReply) => resolve(r.status)));
      unknown.on("error", () => {});
      unknown.cancel();
      expect(first).toBe("SERVICE_UNKNOWN");
    });
  });
});

describe("health board", () => {
  test("shutdown sends NOT_SERVING to open watches and then ends them", async () => {
    const server = await startServer();
    try {
      const { health } = connectClients(server.baseUrl);
      const statuses: ServingStatus[] = [];
      const stream = health.watch({ service: "" });
      const collected = (async () => {
        for await (const reply of stream) {
          statuses.push(reply.status);
          if (statuses.length === 1) server.board.shutdown();
        }
      })();
      await collected;
      expect(statuses).toEqual([ServingStatus.SERVING, ServingStatus.NOT_SERVING]);
      expect((await health.check({ service: CATALOG })).status).toBe(ServingStatus.NOT_SERVING);
      server.board.set(CATALOG, ServingStatus.SERVING);
      expect(server.board.get(CATALOG)).toBe(ServingStatus.NOT_SERVING);
    } finally {
      await server.close();
    }
  });

  test("the store check sets the catalog and writes services, not the server's, logging each change once", async () => {
    const board = new HealthStatusBoard();
    const { logger, logged } = capturingLogger();
    let answer: StoreHealth | Error = { ok: true, detail: "memory ok" };
    const monitor = new StoreHealthMonitor(
      board,
      async () => {
        if (answer instanceof Error) throw answer;
        return answer;
      },
      logger,
      { intervalMs: 60_000 },
    );

    await monitor.check();
    answer = { ok: false, detail: "postgres: connection refused" };
    await monitor.check();
    await monitor.check();
    expect(board.get("")).toBe(ServingStatus.SERVING);
    expect(board.get(CATALOG)).toBe(ServingStatus.NOT_SERVING);
    expect(board.get(WRITES_HEALTH)).toBe(ServingStatus.NOT_SERVING);

    answer = { ok: true, detail: "postgres ok" };
    await monitor.check();
    expect(board.get(CATALOG)).toBe(ServingStatus.SERVING);
    expect(board.get(WRITES_HEALTH)).toBe(ServingStatus.SERVING);

    answer = new Error("socket hang up");
    await monitor.check();
    expect(board.get(CATALOG)).toBe(ServingStatus.NOT_SERVING);
    expect(board.get("")).toBe(ServingStatus.SERVING);
    expect(logged().map((entry) => `${entry.level} ${entry.msg}`)).toEqual([
      "info store healthy: serving",
      "warn store unhealthy: not serving",
      "error writes unavailable: publishing fails until the store takes writes again",
      "info store healthy: serving",
      "info writes available again",
      "warn store unhealthy: not serving",
      "error writes unavailable: publishing fails until the store takes writes again",
    ]);
    expect(logged()[1]?.detail).toBe("postgres: connection refused");
    expect(logged()[5]?.detail).toContain("socket hang up");
  });

  test("a write failing UNAVAILABLE takes only the writes service down, once, until a write commits", async () => {
    const board = new HealthStatusBoard();
    const { logger, logged } = capturingLogger();
    const monitor = new StoreHealthMonitor(board, async () => ({ ok: true, detail: "embedded ok" }), logger, {
      intervalMs: 60_000,
    });
    await monitor.check();
    const full = new CatalogError("UNAVAILABLE", "embedded store cannot write to ./data: ENOSPC");
    monitor.start("insertVersion")(full);
    monitor.start("updateVersion")(full);
    // Reads failing, or writes failing for the caller's own reasons, say nothing about writes.
    monitor.start("getVersion")(new CatalogError("UNAVAILABLE", "read timed out"));
    monitor.start("insertVersion")(new CatalogError("ALREADY_EXISTS", "taken"));
    expect(board.get(WRITES_HEALTH)).toBe(ServingStatus.NOT_SERVING);
    expect(board.get(CATALOG)).toBe(ServingStatus.SERVING);
    expect(board.get("")).toBe(ServingStatus.SERVING);
    // The store's check passing (reads work) does not bring writes back: only a committed write does.
    await monitor.check();
    expect(board.get(WRITES_HEALTH)).toBe(ServingStatus.NOT_SERVING);
    monitor.start("deleteVersions")(undefined);
    expect(board.get(WRITES_HEALTH)).toBe(ServingStatus.SERVING);
    monitor.stop();
    const writeLines = logged().filter((entry) => entry.msg.startsWith("writes"));
    expect(writeLines.map((entry) => entry.level)).toEqual(["error", "info"]);
    expect(writeLines[0]?.reason).toContain("ENOSPC");
  });

  test("a store that reads but cannot write (a hybrid primary down) takes only writes down, until it can", async () => {
    const board = new HealthStatusBoard();
    const { logger } = capturingLogger();
    let answer: StoreHealth = { ok: true, writable: true, detail: "hybrid: primary ok" };
    const monitor = new StoreHealthMonitor(board, async () => answer, logger, { intervalMs: 60_000 });
    await monitor.check();
    answer = { ok: true, writable: false, detail: "hybrid: primary: postgres is unavailable; replica redis: ok" };
    await monitor.check();
    expect(board.get(CATALOG)).toBe(ServingStatus.SERVING);
    expect(board.get(WRITES_HEALTH)).toBe(ServingStatus.NOT_SERVING);
    answer = { ok: true, writable: true, detail: "hybrid: primary ok" };
    await monitor.check();
    expect(board.get(WRITES_HEALTH)).toBe(ServingStatus.SERVING);
    monitor.stop();
  });

  test("the writes service is listed and answers Check", async () => {
    const server = await startServer();
    try {
      const { health } = connectClients(server.baseUrl);
      expect((await health.check({ service: WRITES_HEALTH })).status).toBe(ServingStatus.SERVING);
    } finally {
      await server.close();
    }
  });
});

/** Log lines written through the one logger, parsed back. */
function capturingLogger(): {
  logger: ReturnType<typeof createLogger>;
  logged: () => Array<{ level: string; msg: string; detail?: string; reason?: string }>;
} {
  const lines: string[] = [];
  const logger = createLogger({ level: "debug", format: "json", write: (line) => lines.push(line) });
  return { logger, logged: () => lines.map((line) => JSON.parse(line)) };
}

describe("server reflection", () => {
  let server: TestServer;
  let v1alphaOnly: TestServer;
  let grpcurlBin: string;

  beforeAll(async () => {
    // No skip: a machine that cannot install grpcurl fails here, loudly.
    grpcurlBin = execFileSync("bash", [`${repoRoot}scripts/tools/install-grpcurl.sh`], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "inherit"],
    }).trim();
    server = await startServer();
    v1alphaOnly = await startServer({ reflectionV1: false });
  }, 600_000);
  afterAll(async () => {
    await server?.close();
    await v1alphaOnly?.close();
  });

  /** grpcurl takes its flags before the address, and the verb or method after it. */
  const grpcurl = async (target: TestServer, flags: string[], ...args: string[]) => {
    const address = `127.0.0.1:${target.port}`;
    const { stdout } = await run(grpcurlBin, ["-plaintext", ...flags, address, ...args], { timeout: 30_000 });
    return stdout;
  };
  const bufCurl = async (...args: string[]) => {
    const { stdout } = await run(bufBin, ["curl", "--protocol", "grpc", "--http2-prior-knowledge", ...args], {
      timeout: 30_000,
    });
    return stdout;
  };

  describe.each([
    ["reflection v1", () => server],
    ["reflection v1alpha only", () => v1alphaOnly],
  ])("grpcurl with %s", (_name, target) => {
    test("lists the catalog, health and reflection services", async () => {
      const services = (await grpcurl(target(), [], "list")).trim().split("\n");
      expect(services).toEqual(
        expect.arrayContaining([
          "grpc.health.v1.Health",
          "grpc.reflection.v1alpha.ServerReflection",
          "nestor.catalog.v1.CatalogService",
        ]),
      );
      const expectV1 = target() === server;
      expect(services.includes("grpc.reflection.v1.ServerReflection")).toBe(expectV1);
    });

    test("describes the service and a message with its imported types", async () => {
      const service = await grpcurl(target(), [], "describe", "nestor.catalog.v1.CatalogService");
      expect(service).toContain("service CatalogService {");
      expect(service).toMatch(
        new RegExp(
          String.raw`rpc GetComponent \( \.nestor\.catalog\.v1\.GetComponentRequest \) ` +
            String.raw`returns \( \.nestor\.catalog\.v1\.GetComponentResponse \)`,
        ),
      );
      expect(service).toMatch(
        new RegExp(
          String.raw`rpc WatchEvents \( \.nestor\.catalog\.v1\.WatchEventsRequest \) ` +
            String.raw`returns \( stream \.nestor\.catalog\.v1\.WatchEventsResponse \)`,
        ),
      );

      const message = await grpcurl(target(), [], "describe", "nestor.catalog.v1.Component");
      expect(message).toContain("message Component {");
      expect(message).toContain("map<string, string> labels = 6;");
      expect(message).toContain(".google.protobuf.Timestamp create_time = 12;");
    });

    test("calls GetComponent knowing the schema from reflection alone", async () => {
      const reply = JSON.parse(
        await grpcurl(target(), ["-d", '{"name":"x"}'], "nestor.catalog.v1.CatalogService/GetComponent"),
      ) as { component: { name: string; version: string }; revision: string };
      expect(reply.component.name).toBe("x");
      expect(reply.component.version).toBe("1.2.0");
      expect(reply.revision).toBe("7");
    });

    test("reports an unknown symbol as not found", async () => {
      const failure = await grpcurl(target(), [], "describe", "nestor.catalog.v1.NoSuchThing").then(
        () => undefined,
        (err: unknown) => err as { code: number; stderr: string },
      );
      expect(failure?.code).not.toBe(0);
      expect(failure?.stderr).toMatch(/not found/i);
    });
  });

  describe.each([
    ["grpc-v1", () => server],
    ["grpc-v1alpha", () => v1alphaOnly],
  ])("buf curl with %s", (protocol, target) => {
    test("calls GetComponent using reflection for the schema", async () => {
      const reply = JSON.parse(
        await bufCurl(
          "--reflect-protocol",
          protocol,
          "-d",
          '{"name":"aws-rds-mysql"}',
          `${target().baseUrl}/nestor.catalog.v1.CatalogService/GetComponent`,
        ),
      ) as { component: { name: string; provider: string }; revision: string };
      expect(reply.component).toMatchObject({ name: "aws-rds-mysql", provider: "aws" });
      expect(reply.revision).toBe("7");
    });

    test("lists the catalog methods", async () => {
      const methods = (await bufCurl("--reflect-protocol", protocol, "--list-methods", target().baseUrl))
        .trim()
        .split("\n");
      expect(methods).toEqual(
        expect.arrayContaining([
          "nestor.catalog.v1.CatalogService/GetComponent",
          "nestor.catalog.v1.CatalogService/WatchEvents",
          "grpc.health.v1.Health/Watch",
        ]),
      );
    });
  });

  describe.each(["v1", "v1alpha"] as const)("the %s protocol spoken directly", (version) => {
    /** Sends every query on one stream and returns the answers in order. */
    async function ask(queries: ReflectionQuery[]) {
      const clients = connectClients(server.baseUrl);
      async function* requests() {
        for (const messageRequest of queries) yield { host: "catalog", messageRequest };
      }
      const answers = [];
      const stream =
        version === "v1"
          ? clients.reflectionV1.serverReflectionInfo(requests())
          : clients.reflectionV1alpha.serverReflectionInfo(requests());
      for await (const answer of stream) answers.push(answer);
      return answers;
    }
    const decode = (bytes: Uint8Array[]): FileDescriptorProto[] =>
      bytes.map((b) => fromBinary(FileDescriptorProtoSchema, b));

    test("file_by_filename returns the file first and each transitive import exactly once", async () => {
      const [answer] = await ask([{ case: "fileByFilename", value: "nestor/catalog/v1/catalog_service.proto" }]);
      expect(answer?.validHost).toBe("catalog");
      expect(answer?.originalRequest?.messageRequest.value).toBe("nestor/catalog/v1/catalog_service.proto");
      if (answer?.messageResponse.case !== "fileDescriptorResponse") throw new Error("expected files");
      const names = decode(answer.messageResponse.value.fileDescriptorProto).map((file) => file.name);
      expect(names[0]).toBe("nestor/catalog/v1/catalog_service.proto");
      expect(new Set(names).size).toBe(names.length);
      expect([...names].sort()).toEqual([
        "google/protobuf/field_mask.proto",
        "google/protobuf/struct.proto",
        "google/protobuf/timestamp.proto",
        "nestor/catalog/v1/catalog_service.proto",
        "nestor/catalog/v1/component.proto",
        "nestor/catalog/v1/events.proto",
        "nestor/catalog/v1/registry.proto",
      ]);
    });

    test("served descriptors keep json names, imports and method options", async () => {
      const [answer] = await ask([{ case: "fileContainingSymbol", value: "nestor.catalog.v1.Component" }]);
      if (answer?.messageResponse.case !== "fileDescriptorResponse") throw new Error("expected files");
      const [component] = decode(answer.messageResponse.value.fileDescriptorProto);
      expect(component?.name).toBe("nestor/catalog/v1/component.proto");
      expect(component?.dependency).toEqual(["google/protobuf/struct.proto", "google/protobuf/timestamp.proto"]);
      const fields = component?.messageType.find((m) => m.name === "Component")?.field ?? [];
      expect(fields.find((f) => f.name === "create_time")?.jsonName).toBe("createTime");

      const [service] = await ask([
        { case: "fileContainingSymbol", value: "nestor.catalog.v1.CatalogService.GetComponent" },
      ]);
      if (service?.messageResponse.case !== "fileDescriptorResponse") throw new Error("expected files");
      const [serviceFile] = decode(service.messageResponse.value.fileDescriptorProto);
      const getComponent = serviceFile?.service[0]?.method.find((m) => m.name === "GetComponent");
      expect(getComponent?.options?.idempotencyLevel).toBe(1);
    });

    test("file_containing_symbol finds services, methods, messages, nested types, fields, enums, values", async () => {
      const symbols = [
        ["grpc.health.v1.Health", "grpc/health/v1/health.proto"],
        ["grpc.reflection.v1alpha.ServerReflection", "grpc/reflection/v1alpha/reflection.proto"],
        ["nestor.catalog.v1.CatalogService.WatchEvents", "nestor/catalog/v1/catalog_service.proto"],
        [".nestor.catalog.v1.GetComponentRequest", "nestor/catalog/v1/catalog_service.proto"],
        ["nestor.catalog.v1.Component.LabelsEntry", "nestor/catalog/v1/component.proto"],
        ["nestor.catalog.v1.Component.create_time", "nestor/catalog/v1/component.proto"],
        ["grpc.health.v1.HealthCheckResponse.ServingStatus", "grpc/health/v1/health.proto"],
        ["grpc.health.v1.HealthCheckResponse.SERVICE_UNKNOWN", "grpc/health/v1/health.proto"],
        ["nestor.catalog.v1.ValueType", "nestor/catalog/v1/component.proto"],
        ["nestor.catalog.v1.VALUE_TYPE_STRING", "nestor/catalog/v1/component.proto"],
        ["google.protobuf.Timestamp", "google/protobuf/timestamp.proto"],
      ] as const;
      const answers = await ask(symbols.map(([symbol]) => ({ case: "fileContainingSymbol", value: symbol })));
      const firstFiles = answers.map((answer) =>
        answer.messageResponse.case === "fileDescriptorResponse"
          ? decode(answer.messageResponse.value.fileDescriptorProto)[0]?.name
          : answer.messageResponse.case,
      );
      expect(firstFiles).toEqual(symbols.map(([, file]) => file));
    });

    test("failed lookups answer NOT_FOUND in the stream, and the stream keeps answering", async () => {
      const answers = await ask([
        { case: "fileContainingSymbol", value: "nestor.catalog.v1.Nope" },
        { case: "fileByFilename", value: "nope.proto" },
        {
          case: "fileContainingExtension",
          value: { containingType: "nestor.catalog.v1.Component", extensionNumber: 1000 },
        },
        { case: "allExtensionNumbersOfType", value: "nestor.catalog.v1.Nope" },
        { case: "allExtensionNumbersOfType", value: "nestor.catalog.v1.Component" },
        { case: "listServices", value: "*" },
      ]);
      expect(answers).toHaveLength(6);
      for (const answer of answers.slice(0, 4)) {
        expect(answer.messageResponse.case).toBe("errorResponse");
        if (answer.messageResponse.case === "errorResponse") {
          expect(answer.messageResponse.value.errorCode).toBe(5);
          expect(answer.messageResponse.value.errorMessage).toMatch(/not found/);
        }
      }
      expect(answers[4]?.messageResponse).toMatchObject({
        case: "allExtensionNumbersResponse",
        value: { baseTypeName: "nestor.catalog.v1.Component", extensionNumber: [] },
      });
      const listed = answers[5]?.messageResponse;
      if (listed?.case !== "listServicesResponse") throw new Error("expected a service list");
      expect(listed.value.service.map((s) => s.name).sort()).toEqual([
        "grpc.health.v1.Health",
        "grpc.reflection.v1.ServerReflection",
        "grpc.reflection.v1alpha.ServerReflection",
        "nestor.catalog.v1.CatalogService",
      ]);
    });
  });
});
