/**
 * What the protocol-edge guard (src/api/protocol-edge.ts) costs a
 * successful call: connect-es's own UniversalHandler for a small unary
 * method (grpc.health.v1.Health/Check), called in process with a prepared
 * request, bare and guarded, in alternating rounds, over gRPC (binary),
 * gRPC-Web (binary) and Connect (JSON, whose request body the guard keeps
 * a reference to). No sockets: the difference is the guard alone, which a
 * real call pays on top of HTTP, the adapter and the handler's own work
 * (tens of microseconds; bench/unary measures those). A pass-through
 * wrapper is measured the same way as a control: its row is the noise floor.
 *
 *   npx tsx bench/protocol-edge/run.ts [batches, default 60]
 */
import { create, toBinary, toJsonString } from "@bufbuild/protobuf";
import { createConnectRouter, createContextValues } from "@connectrpc/connect";
import { encodeEnvelope, type UniversalHandler, type UniversalServerRequest } from "@connectrpc/connect/protocol";
import { HealthCheckRequestSchema } from "../../gen/ts/src/grpc/health/v1/health_pb.js";
import { ACCEPT_COMPRESSION } from "../../src/api/compression.js";
import { HealthStatusBoard, registerHealth } from "../../src/api/health.js";
import { guardHandler } from "../../src/api/protocol-edge.js";

const BATCHES = Number(process.argv[2] ?? 60);
const CALLS = 500;

const router = createConnectRouter({ acceptCompression: ACCEPT_COMPRESSION });
registerHealth(router, new HealthStatusBoard());
const check = router.handlers.find((h) => h.method.name === "Check")!;
const guarded = guardHandler(check, { acceptCompression: ACCEPT_COMPRESSION, readMaxBytes: 4 * 1024 * 1024 });
/** The control: a wrapper that adds nothing but an async call, to show the measurement's noise floor. */
const passThrough = Object.assign(async (req: UniversalServerRequest) => check(req), check) as UniversalHandler;

const message = create(HealthCheckRequestSchema, { service: "" });
const protocols: Record<string, { contentType: string; body: () => Uint8Array }> = {
  grpc: { contentType: "application/grpc", body: () => encodeEnvelope(0, toBinary(HealthCheckRequestSchema, message)) },
  "grpc-web": {
    contentType: "application/grpc-web+proto",
    body: () => encodeEnvelope(0, toBinary(HealthCheckRequestSchema, message)),
  },
  "connect json": {
    contentType: "application/json",
    body: () => new TextEncoder().encode(toJsonString(HealthCheckRequestSchema, message)),
  },
};

function request(contentType: string, body: Uint8Array): UniversalServerRequest {
  return {
    httpVersion: "2.0",
    url: "http://localhost/grpc.health.v1.Health/Check",
    method: "POST",
    header: new Headers({ "content-type": contentType, te: "trailers" }),
    body: (async function* () {
      yield body;
    })(),
    signal: new AbortController().signal,
    contextValues: createContextValues(),
  };
}

/** CPU microseconds per call over one batch (CPU time rather than wall time: other processes matter less). */
async function round(handler: UniversalHandler, contentType: string, body: Uint8Array): Promise<number> {
  const started = process.cpuUsage();
  for (let i = 0; i < CALLS; i++) {
    const response = await handler(request(contentType, body));
    if (response.body) for await (const _ of response.body);
    if (response.status !== 200) throw new Error(`status ${response.status}`);
  }
  const used = process.cpuUsage(started);
  return (used.user + used.system) / CALLS;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

/** The median, over alternating batches, of `wrapped` minus `check` in CPU-us per call. */
async function costOf(wrapped: UniversalHandler, contentType: string, bytes: Uint8Array) {
  const bare: number[] = [];
  const differences: number[] = [];
  for (let batch = 0; batch < BATCHES; batch++) {
    const [first, second] = batch % 2 === 0 ? [check, wrapped] : [wrapped, check];
    const a = await round(first, contentType, bytes);
    const b = await round(second, contentType, bytes);
    const [plain, other] = first === check ? [a, b] : [b, a];
    bare.push(plain);
    differences.push(other - plain);
  }
  return { bare: median(bare), cost: median(differences) };
}

const signed = (n: number) => `${n >= 0 ? "+" : ""}${n.toFixed(2)}`;
for (const [name, { contentType, body }] of Object.entries(protocols)) {
  const bytes = body();
  for (const handler of [check, guarded, passThrough]) await round(handler, contentType, bytes);
  const guard = await costOf(guarded, contentType, bytes);
  const control = await costOf(passThrough, contentType, bytes);
  console.log(
    `${name.padEnd(13)} bare ${guard.bare.toFixed(2)} CPU-us/call   guard ${signed(guard.cost)}   ` +
      `control (pass-through) ${signed(control.cost)}`,
  );
}
