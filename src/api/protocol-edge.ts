/**
 * What connect-es answers before any interceptor runs, held to this API's
 * rules: every status message bounded and printable, the JSON field that
 * does not decode named, long deadlines kept, and gRPC content types we do
 * not serve answered with a gRPC status.
 *
 * Why here: connect-es reads headers and decodes the request inside its
 * protocol handlers, so its errors for a malformed grpc-timeout, an unknown
 * encoding or an undecodable message never reach the call interceptor that
 * maps and bounds every other error (errors.ts). Those messages echo the
 * caller's input whole ("protocol error: invalid grpc timeout value: <64
 * KB>", "cannot decode field ... from JSON: <131 KB>"), and over gRPC a
 * grpc-message larger than the client's header limit gets the stream reset
 * instead of a status. Each UniversalHandler of the router is wrapped
 * (guardRoutes), and the stock connectNodeAdapter serves them.
 *
 * Undecodable requests keep connect-es's codes, the gRPC convention
 * (grpc-go and grpc-java answer "Error parsing request proto" INTERNAL):
 * protobuf bytes that do not decode are INTERNAL, JSON that does not decode
 * is INVALID_ARGUMENT, here with the field path in the message and a
 * google.rpc.BadRequest detail. Bodies that do not decompress are INTERNAL
 * too (see compression.ts).
 *
 * These errors come before any response message, so they are the whole
 * answer and only its status is read back: the gRPC trailer (already set
 * when the handler returns), the first body chunk for gRPC-Web (its trailer
 * frame) and Connect streams (the end-stream frame), or a Connect unary
 * error body (a non-200 status). The success path pays five header lookups
 * (about 0.1 us each with Node's Headers), a status check, one promise
 * reaction for a stream's first chunk, and for JSON requests one per
 * request chunk to keep a reference to it until the handler returns (each
 * wrapper about 0.4 us, measured in isolation), against 40-170 CPU-us for
 * the handler alone in process. bench/protocol-edge compares a guarded and
 * a bare handler, with a pass-through wrapper as the control for its noise.
 */
import { Code, ConnectError, type ConnectRouter } from "@connectrpc/connect";
import {
  type Compression,
  createAsyncIterable,
  encodeEnvelope,
  type UniversalHandler,
  type UniversalServerRequest,
  type UniversalServerResponse,
} from "@connectrpc/connect/protocol";
import {
  codeToHttpStatus,
  createEndStreamSerialization,
  endStreamFlag,
  errorFromJsonBytes,
  errorToJsonBytes,
} from "@connectrpc/connect/protocol-connect";
import { findTrailerError, setTrailerStatus } from "@connectrpc/connect/protocol-grpc";
import { trailerFlag, trailerParse, trailerSerialize } from "@connectrpc/connect/protocol-grpc-web";
import { dropImpracticalDeadline } from "./deadlines.js";
import { boundedConnectError } from "./errors.js";
import { jsonFieldError, queryMessageError, type RequestJsonSource, readRequestJson } from "./request-json.js";

export interface GuardOptions {
  /** The compressions the router accepts, to read a compressed JSON request again. */
  acceptCompression: Compression[];
  readMaxBytes: number;
}

/** `routes` with every handler it registers guarded; connectNodeAdapter reads router.handlers after calling it. */
export function guardRoutes(
  routes: (router: ConnectRouter) => void,
  options: GuardOptions,
): (router: ConnectRouter) => void {
  return (router) => {
    routes(router);
    router.handlers.forEach((handler, index) => {
      router.handlers[index] = guardHandler(handler, options);
    });
  };
}

/** application/json, application/connect+json, application/grpc+json, application/grpc-web+json. */
const JSON_REQUEST = /^application\/(?:connect\+|grpc\+|grpc-web\+)?json\s*(?:;|$)/i;
/** application/grpc or application/grpc-web(-text), with or without a subtype; group 1 is set for gRPC-Web. */
const GRPC_CONTENT_TYPE = /^application\/grpc(-web(?:-text)?)?(?:$|[+;])/i;

type Fix = (error: ConnectError) => Promise<ConnectError>;

export function guardHandler(handler: UniversalHandler, options: GuardOptions): UniversalHandler {
  async function guarded(request: UniversalServerRequest): Promise<UniversalServerResponse> {
    dropImpracticalDeadline(request.header);
    const json = JSON_REQUEST.test(request.header.get("content-type") ?? "") ? captureBody(request) : undefined;
    const response = await handler(json === undefined ? request : { ...request, body: json });
    // The fix is only made for an answer that carries an error: a success allocates nothing for it.
    return boundAnswer(request, response, () => fixFor(handler, request, json, options), options);
  }
  return Object.assign(guarded, {
    service: handler.service,
    method: handler.method,
    requestPath: handler.requestPath,
    supportedContentType: handler.supportedContentType,
    protocolNames: handler.protocolNames,
    allowedMethods: handler.allowedMethods,
  });
}

/** How an error answered to `request` is bounded, and for JSON given the path of the field that did not decode. */
function fixFor(
  handler: UniversalHandler,
  request: UniversalServerRequest,
  json: CapturedBody | undefined,
  options: GuardOptions,
): Fix {
  const source: RequestJsonSource | undefined =
    json !== undefined ? { request, chunks: json.chunks } : request.method === "GET" ? { request } : undefined;
  return async (error) => {
    if (error.code === Code.Internal && request.method === "GET")
      return boundedConnectError(queryMessageError(request) ?? error);
    if (error.code !== Code.InvalidArgument || source === undefined) return boundedConnectError(error);
    const requestJson = await readRequestJson(source, request, options);
    return boundedConnectError(jsonFieldError(error, handler.method.input, requestJson));
  };
}

/**
 * The request's body passed through, keeping a reference to each chunk the
 * handler reads (a request refused before its body was read leaves none).
 * One object per request is the iterable, its iterator and the list of chunks.
 */
class CapturedBody implements AsyncIterable<Uint8Array>, AsyncIterator<Uint8Array> {
  readonly chunks: Uint8Array[] = [];
  private iterator: AsyncIterator<Uint8Array> | undefined;

  constructor(private readonly source: AsyncIterable<Uint8Array>) {}

  [Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    this.iterator = this.source[Symbol.asyncIterator]();
    return this;
  }

  next(): Promise<IteratorResult<Uint8Array>> {
    return this.iterator!.next().then(this.keep);
  }

  return(value?: unknown): Promise<IteratorResult<Uint8Array>> {
    return this.iterator?.return?.(value) ?? Promise.resolve({ done: true, value: undefined });
  }

  private readonly keep = (result: IteratorResult<Uint8Array>): IteratorResult<Uint8Array> => {
    if (result.done !== true) this.chunks.push(result.value);
    return result;
  };
}

function captureBody(request: UniversalServerRequest): CapturedBody | undefined {
  const body = request.body;
  if (typeof body !== "object" || body === null || !(Symbol.asyncIterator in body)) return undefined;
  return new CapturedBody(body as AsyncIterable<Uint8Array>);
}

/** The response with the error it answers (if any) fixed; synchronous for a success. */
function boundAnswer(
  request: UniversalServerRequest,
  response: UniversalServerResponse,
  makeFix: () => Fix,
  options: GuardOptions,
): UniversalServerResponse | Promise<UniversalServerResponse> {
  // Only the gRPC handler keeps its trailer apart from the body.
  if (response.trailer !== undefined) {
    const status = response.trailer.get("grpc-status");
    return status === null || status === "0" ? response : fixTrailer(response, response.trailer, makeFix());
  }
  if (response.status === 200) {
    const contentType = response.header?.get("content-type") ?? "";
    if (contentType.startsWith("application/grpc-web"))
      return { ...response, body: mapFirstChunk(response.body, (chunk) => fixGrpcWebTrailer(chunk, makeFix)) };
    if (contentType.startsWith("application/connect+"))
      return { ...response, body: mapFirstChunk(response.body, (chunk) => fixEndStream(chunk, makeFix)) };
    return response;
  }
  if (response.status === 415) return unsupportedGrpcContentType(request) ?? response;
  return fixConnectUnaryError(response, makeFix(), options);
}

async function fixTrailer(response: UniversalServerResponse, trailer: Headers, fix: Fix) {
  const error = findTrailerError(trailer);
  if (error !== undefined) setTrailerStatus(trailer, await fix(error));
  return response;
}

/** The first chunk of a gRPC-Web answer; only a trailer frame carrying an error needs more than a flag check. */
function fixGrpcWebTrailer(chunk: Uint8Array, makeFix: () => Fix): Uint8Array | Promise<Uint8Array> {
  const data = envelopeData(chunk, trailerFlag);
  if (data === undefined) return chunk;
  const trailer = trailerParse(data);
  const error = findTrailerError(trailer);
  if (error === undefined) return chunk;
  return makeFix()(error).then((fixed) =>
    encodeEnvelope(trailerFlag, trailerSerialize(setTrailerStatus(trailer, fixed))),
  );
}

const endStream = createEndStreamSerialization(undefined);

/** The first chunk of a Connect stream; only an end-stream frame carrying an error needs more than a flag check. */
function fixEndStream(chunk: Uint8Array, makeFix: () => Fix): Uint8Array | Promise<Uint8Array> {
  const data = envelopeData(chunk, endStreamFlag);
  if (data === undefined) return chunk;
  let end: ReturnType<typeof endStream.parse>;
  try {
    end = endStream.parse(data);
  } catch {
    return chunk;
  }
  const { metadata, error } = end;
  if (error === undefined) return chunk;
  return makeFix()(error).then((fixed) =>
    encodeEnvelope(endStreamFlag, endStream.serialize({ metadata, error: fixed })),
  );
}

/** The payload of `chunk` when it is exactly one envelope with exactly these flags. */
function envelopeData(chunk: Uint8Array, flags: number): Uint8Array | undefined {
  if (chunk.byteLength < 5 || chunk[0] !== flags) return undefined;
  const length = new DataView(chunk.buffer, chunk.byteOffset, chunk.byteLength).getUint32(1);
  return length === chunk.byteLength - 5 ? chunk.subarray(5) : undefined;
}

/**
 * A Connect unary error: one JSON chunk, compressed when it is long and the
 * caller accepts an encoding (a long message is exactly what gets fixed), so
 * it is read back through that compression and answered uncompressed.
 */
async function fixConnectUnaryError(
  response: UniversalServerResponse,
  fix: Fix,
  options: GuardOptions,
): Promise<UniversalServerResponse> {
  if (response.body === undefined) return response;
  const chunks: Uint8Array[] = [];
  for await (const chunk of response.body) chunks.push(chunk);
  const bytes = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
  const unchanged = { ...response, body: createAsyncIterable([bytes]) };
  const encoding = response.header?.get("content-encoding") ?? null;
  const compression = options.acceptCompression.find((c) => c.name === encoding);
  if (encoding !== null && compression === undefined) return unchanged;
  let error: ConnectError;
  try {
    const json = compression === undefined ? bytes : await compression.decompress(bytes, options.readMaxBytes);
    error = errorFromJsonBytes(json, undefined, new ConnectError("", Code.Unknown));
  } catch {
    return unchanged;
  }
  const fixed = await fix(error);
  if (fixed === error) return unchanged;
  const body = errorToJsonBytes(fixed, undefined);
  const header = new Headers(response.header);
  header.delete("content-encoding");
  header.set("content-length", String(body.byteLength));
  return { status: codeToHttpStatus(fixed.code), header, body: createAsyncIterable([body]) };
}

/**
 * connect-es answers a content type none of its protocols serve with a bare
 * HTTP 415. PROTOCOL-HTTP2.md asks for 415 only when the type does not begin
 * with "application/grpc"; for a gRPC or gRPC-Web subtype we do not serve
 * (application/grpc+xml) a gRPC client reads a bare 415 as UNKNOWN, so the
 * answer is a gRPC status, UNIMPLEMENTED, as for an unsupported compression.
 */
function unsupportedGrpcContentType(request: UniversalServerRequest): UniversalServerResponse | undefined {
  const requested = request.header.get("content-type") ?? "";
  const grpc = GRPC_CONTENT_TYPE.exec(requested);
  if (grpc === null) return undefined;
  const web = grpc[1] !== undefined;
  const shown = requested.slice(0, 100).replace(/[^\x20-\x7e]/g, "?");
  const served = web
    ? "application/grpc-web+proto or application/grpc-web+json"
    : "application/grpc+proto or application/grpc+json";
  const error = new ConnectError(`content type ${shown} is not served; use ${served}`, Code.Unimplemented);
  const trailer = setTrailerStatus(new Headers(), error);
  if (web) {
    return {
      status: 200,
      header: new Headers({ "content-type": "application/grpc-web+proto" }),
      body: createAsyncIterable([encodeEnvelope(trailerFlag, trailerSerialize(trailer))]),
    };
  }
  return { status: 200, header: new Headers({ "content-type": "application/grpc+proto" }), trailer };
}

/**
 * `body` with `map` applied to its first chunk only, as the response writer
 * pulls it: nothing is awaited up front, later chunks pass straight through,
 * and a first chunk that needs no change costs one extra promise reaction.
 */
function mapFirstChunk(
  body: AsyncIterable<Uint8Array> | undefined,
  map: (chunk: Uint8Array) => Uint8Array | Promise<Uint8Array>,
): AsyncIterable<Uint8Array> | undefined {
  if (body === undefined) return undefined;
  return {
    [Symbol.asyncIterator]() {
      const source = body[Symbol.asyncIterator]();
      let first = true;
      const iterator: AsyncIterator<Uint8Array> = {
        next() {
          if (!first) return source.next();
          first = false;
          return source.next().then((result) => {
            if (result.done === true) return result;
            const value = map(result.value);
            return value instanceof Promise ? value.then((mapped) => ({ done: false, value: mapped })) : result;
          });
        },
      };
      // The response writer reports write errors and its end through these; keep them reaching the handler.
      if (source.throw) iterator.throw = (err?: unknown) => source.throw!(err);
      if (source.return) iterator.return = (value?: unknown) => source.return!(value);
      return iterator;
    },
  };
}
