/**
 * The load generator, in its own process (pinned by the orchestrator to a
 * different core from the servers). Takes jobs over IPC: for one server,
 * protocol and scenario it runs a warm-up, then keeps `concurrency` calls in
 * flight for `durationMs`, and answers with requests/s, p50/p99 and the
 * server's CPU time over the measured window (/proc/<pid>/stat,
 * utime + stime, read just before and just after it).
 *
 * Clients send what the protocol's clients send and read each answer's
 * status and bytes without decoding them:
 *   - gRPC: node:http2 streams on one session (like ghz's one connection),
 *     the request framed as gRPC frames it, the answer's grpc-status read
 *     from its trailers; receive windows as in STREAM_WINDOW below;
 *   - Connect: JSON over HTTP/1.1 as node:http requests (keep-alive
 *     sockets, one per call in flight) with connect-es's body, content
 *     type, protocol version and `Accept-Encoding: gzip, br` (unless told
 *     otherwise).
 * Why not a decoding client: Connect-ES (and ghz, with its dynamic
 * messages) decode every answer, and on list pages that cost more than the
 * server's answer, so the client's core, not the server's, set the rate
 * (Connect: load generator's core 94-99% busy, server's 67-79%). Each job's
 * first answer is decoded and checked against the request.
 */
import { Agent, type AgentOptions, type IncomingHttpHeaders, request } from "node:http";
import { type ClientHttp2Session, connect } from "node:http2";
import { connect as connectTcp } from "node:net";
import { performance } from "node:perf_hooks";
import { brotliDecompressSync, gunzipSync } from "node:zlib";
import { create, fromBinary, fromJsonString, toBinary } from "@bufbuild/protobuf";
import { encodeEnvelope } from "@connectrpc/connect/protocol";
import {
  GetComponentRequestSchema,
  type GetComponentResponse,
  GetComponentResponseSchema,
  ListComponentsRequestSchema,
  type ListComponentsResponse,
  ListComponentsResponseSchema,
} from "../../gen/ts/src/nestor/catalog/v1/catalog_service_pb.js";
import { CONSTRAINT, componentName, EXACT_VERSION, FILTER_PROVIDER } from "./catalog-data.js";
import { busyShare, coreTicks, processCpuMicros, summarize } from "./stats.js";

export type Protocol = "grpc" | "connect";
export type Scenario = "get-exact" | "get-latest" | "get-constraint" | "list-filtered";

export interface LoadJob {
  url: string;
  serverPid: number;
  /** The core the load generator is pinned to, whose busy share over the measured window is reported. */
  loadCore: string;
  protocol: Protocol;
  scenario: Scenario;
  concurrency: number;
  warmupMs: number;
  durationMs: number;
  components: number;
  /**
   * Offered load in calls per second, all workers together (open-loop: each call has a scheduled start, and its
   * latency counts from that time, so a server that falls behind is charged for the queue). Unset: as fast as
   * the server answers.
   */
  rps?: number;
  /** Answer with every measured call's latency too (the fixed-load rounds pool them per server). */
  keepLatencies?: boolean;
  /** Connect only: whether the client accepts gzip responses (true, connect-es's default, unless set false). */
  connectGzip?: boolean;
  /**
   * Instead of a timed run: exactly this many calls, unmeasured (the priming pass; with `components` calls the
   * stride visits every component once).
   */
  count?: number;
}

export interface LoadResult {
  requests: number;
  errors: number;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  cpuUsPerRequest: number;
  /**
   * The share of the measured window the load generator's core was busy: near 1, the generator, not the
   * server, set the rate.
   */
  loadCoreBusy: number;
  /** With keepLatencies: each measured call's latency in ms, in completion order. */
  latenciesMs?: number[];
  firstError?: string;
}

type Call = () => Promise<unknown>;

/** One call's request: the method and its request message as a plain object (JSON and Connect-ES alike). */
type CallRequest =
  | { method: "GetComponent"; input: { name: string; version: string } }
  | { method: "ListComponents"; input: { filter: { provider: string }; pageSize: number } };

/** Each method's request and response types. */
const SCHEMAS = {
  GetComponent: { request: GetComponentRequestSchema, response: GetComponentResponseSchema },
  ListComponents: { request: ListComponentsRequestSchema, response: ListComponentsResponseSchema },
} as const;
type Answer = GetComponentResponse | ListComponentsResponse;

/** The scenario's requests, one per call: a different component each time (a stride through the catalog). */
function requestsFor(scenario: Scenario, components: number): () => CallRequest {
  let next = 0;
  const name = () => {
    next = (next + 7919) % components;
    return componentName(next);
  };
  switch (scenario) {
    case "get-exact":
      return () => ({ method: "GetComponent", input: { name: name(), version: EXACT_VERSION } });
    case "get-latest":
      return () => ({ method: "GetComponent", input: { name: name(), version: "" } });
    case "get-constraint":
      return () => ({ method: "GetComponent", input: { name: name(), version: CONSTRAINT } });
    case "list-filtered":
      return () => ({ method: "ListComponents", input: { filter: { provider: FILTER_PROVIDER }, pageSize: 50 } });
  }
}

/**
 * The client's HTTP/2 receive windows: 1 MiB per stream (grpc-java's default), 16 MiB for the connection (the
 * ceiling of grpc-go's BDP estimate), so flow control does not hold the server back. With Node's 64 KiB
 * defaults (one round, quiet): the catalog's gRPC list pages 1,073/s with its core 77% busy, against
 * 1,420/s and 83%; the bare server's 552/s against 567/s.
 */
const STREAM_WINDOW = 1 << 20;
const CONNECTION_WINDOW = 16 << 20;
const grpcSessions = new Map<string, ClientHttp2Session>();

function grpcSession(url: string): ClientHttp2Session {
  let session = grpcSessions.get(url);
  if (session === undefined || session.closed || session.destroyed) {
    // TCP_NODELAY, as gRPC clients set it (grpc-go, grpc-java): Nagle's algorithm would hold small frames back.
    const opened = connect(url, {
      settings: { initialWindowSize: STREAM_WINDOW },
      createConnection: (authority: URL) =>
        connectTcp({ host: authority.hostname, port: Number(authority.port), noDelay: true }),
    });
    opened.on("connect", () => opened.setLocalWindowSize(CONNECTION_WINDOW));
    // Errors reach the calls on it; a session that closes is replaced on the next call.
    opened.on("error", () => {});
    grpcSessions.set(url, opened);
    session = opened;
  }
  return session;
}

/** A unary gRPC call over one HTTP/2 session: resolves with the response message's bytes (no prefix). */
function grpcPost(url: string, method: string, request: Uint8Array): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const stream = grpcSession(url).request({
      ":method": "POST",
      ":path": `/nestor.catalog.v1.CatalogService/${method}`,
      "content-type": "application/grpc",
      te: "trailers",
    });
    const chunks: Buffer[] = [];
    let status: string | undefined;
    let message = "";
    const read = (headers: IncomingHttpHeaders) => {
      if (headers["grpc-status"] !== undefined) status = String(headers["grpc-status"]);
      if (headers["grpc-message"] !== undefined) message = decodeURIComponent(String(headers["grpc-message"]));
    };
    stream.on("response", read);
    stream.on("trailers", read);
    stream.on("data", (chunk: Buffer) => chunks.push(chunk));
    stream.on("error", reject);
    stream.on("close", () => {
      if (status === "0") resolve(Buffer.concat(chunks).subarray(5));
      else reject(new Error(`${method}: grpc-status ${status ?? "missing"} ${message}`.trim()));
    });
    stream.end(encodeEnvelope(0, request));
  });
}

function grpcCall(url: string, next: () => CallRequest): Call {
  let checked = false;
  return async () => {
    const r = next();
    const { request, response } = SCHEMAS[r.method];
    const answer = await grpcPost(url, r.method, toBinary(request, create(request, r.input as never)));
    if (!checked) {
      checked = true;
      checkAnswer(r, fromBinary(response, answer) as Answer);
    }
  };
}

// noDelay reaches net.connect (TCP_NODELAY on each socket); Node's AgentOptions type does not list it.
const agent = new Agent({ keepAlive: true, maxSockets: Infinity, noDelay: true } as AgentOptions);

/** A Connect unary call with JSON over HTTP/1.1: resolves with the status and the body as sent (maybe gzip). */
function connectPost(
  url: URL,
  method: string,
  body: string,
  gzip: boolean,
): Promise<{ status: number; encoding: string | undefined; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        agent,
        host: url.hostname,
        port: url.port,
        method: "POST",
        path: `/nestor.catalog.v1.CatalogService/${method}`,
        headers: {
          "content-type": "application/json",
          "connect-protocol-version": "1",
          "content-length": Buffer.byteLength(body),
          ...(gzip ? { "accept-encoding": "gzip, br" } : {}),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            encoding: res.headers["content-encoding"],
            body: Buffer.concat(chunks),
          }),
        );
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

/**
 * The first answer of a job, decoded and held to its request: a component, or a full page of the filter's
 * provider (the bare server answers every call with the same pre-built component and page, so names are not
 * compared). Any mismatch is the job's error.
 */
function checkAnswer(r: CallRequest, answer: Answer): void {
  if (r.method === "GetComponent") {
    if (!(answer as GetComponentResponse).component?.name)
      throw new Error(`GetComponent ${r.input.name} answered no component`);
  } else {
    const { components } = answer as ListComponentsResponse;
    const off = components.find((c) => c.provider !== r.input.filter.provider);
    if (components.length !== r.input.pageSize || off !== undefined)
      throw new Error(
        `ListComponents provider ${r.input.filter.provider}, page size ${r.input.pageSize}: answered ` +
          `${components.length} components${off ? `, one of provider ${off.provider}` : ""}`,
      );
  }
}

function decodeConnectAnswer(r: CallRequest, encoding: string | undefined, body: Buffer): Answer {
  const text = (
    encoding === "gzip" ? gunzipSync(body) : encoding === "br" ? brotliDecompressSync(body) : body
  ).toString("utf8");
  return fromJsonString(SCHEMAS[r.method].response, text) as Answer;
}

function connectCall(url: string, next: () => CallRequest, gzip: boolean): Call {
  const base = new URL(url);
  let checked = false;
  return async () => {
    const r = next();
    const answer = await connectPost(base, r.method, JSON.stringify(r.input), gzip);
    if (answer.status !== 200)
      throw new Error(`${r.method}: HTTP ${answer.status}: ${answer.body.toString("utf8").slice(0, 300)}`);
    if (!checked) {
      checked = true;
      checkAnswer(r, decodeConnectAnswer(r, answer.encoding, answer.body));
    }
  };
}

function callFor(job: LoadJob): Call {
  const next = requestsFor(job.scenario, job.components);
  return job.protocol === "grpc" ? grpcCall(job.url, next) : connectCall(job.url, next, job.connectGzip ?? true);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function drive(
  call: () => Promise<unknown>,
  concurrency: number,
  durationMs: number,
  record: boolean,
  count = Infinity,
  rps?: number,
) {
  const latencies: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  let started = 0;
  const begin = performance.now();
  const deadline = begin + durationMs;
  const worker = async () => {
    while (performance.now() < deadline && started < count) {
      const slot = started++;
      let start = performance.now();
      if (rps !== undefined) {
        // The call's scheduled start: latency counts from it even when the worker gets there late.
        const due = begin + (slot * 1000) / rps;
        if (due >= deadline) break;
        if (due > start) await sleep(due - start);
        start = due;
      }
      try {
        await call();
        if (record) latencies.push(performance.now() - start);
      } catch (err) {
        errors++;
        firstError ??= String(err);
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { latencies, errors, firstError };
}

export async function runJob(job: LoadJob): Promise<LoadResult> {
  const call = callFor(job);
  if (job.count !== undefined) {
    const { errors, firstError } = await drive(call, job.concurrency, Infinity, false, job.count);
    return {
      requests: job.count - errors,
      errors,
      rps: Number.NaN,
      p50Ms: Number.NaN,
      p99Ms: Number.NaN,
      cpuUsPerRequest: Number.NaN,
      loadCoreBusy: Number.NaN,
      ...(firstError ? { firstError } : {}),
    };
  }
  await drive(call, job.concurrency, job.warmupMs, false, Infinity, job.rps);
  const cpuBefore = processCpuMicros(job.serverPid);
  const coreBefore = coreTicks(job.loadCore);
  const started = performance.now();
  const { latencies, errors, firstError } = await drive(call, job.concurrency, job.durationMs, true, Infinity, job.rps);
  const elapsed = performance.now() - started;
  const cpuAfter = processCpuMicros(job.serverPid);
  const loadCoreBusy = busyShare(coreBefore, coreTicks(job.loadCore));
  const summary = summarize(latencies, elapsed);
  return {
    requests: summary.ops,
    errors,
    rps: summary.opsPerSec,
    p50Ms: summary.p50Ms,
    p99Ms: summary.p99Ms,
    cpuUsPerRequest: summary.ops > 0 ? (cpuAfter - cpuBefore) / summary.ops : Number.NaN,
    loadCoreBusy,
    ...(job.keepLatencies ? { latenciesMs: latencies } : {}),
    ...(firstError ? { firstError } : {}),
  };
}

if (process.send) {
  process.on("message", (job: LoadJob) => {
    runJob(job).then(
      (result) => process.send!({ ok: true, result }),
      (err: unknown) => process.send!({ ok: false, error: String(err) }),
    );
  });
  process.send({ ready: true });
}
