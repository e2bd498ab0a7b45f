/**
 * gRPC server reflection (grpc.reflection.v1 and the older v1alpha, which
 * some clients still ask for first or fall back to), so grpcurl, buf curl and
 * grpcui can list, describe and call the API with no .proto files at hand.
 *
 * A failed lookup is answered in the stream as an ErrorResponse carrying a
 * gRPC code; the stream stays open for the client's next request.
 */
import { create, type DescFile, type DescService } from "@bufbuild/protobuf";
import { Code, type ConnectRouter } from "@connectrpc/connect";
import * as v1 from "../../gen/ts/src/grpc/reflection/v1/reflection_pb.js";
import * as v1alpha from "../../gen/ts/src/grpc/reflection/v1alpha/reflection_pb.js";
import { quoted } from "../errors/index.js";
import { buildReflectionIndex, type ReflectionIndex } from "./reflection-index.js";

/** What a client asks; v1 and v1alpha requests have the same shape. */
type ReflectionQuery = v1.ServerReflectionRequest["messageRequest"] | v1alpha.ServerReflectionRequest["messageRequest"];

/** The answer, shaped to initialise either version's response. */
type ReflectionAnswer =
  | { case: "fileDescriptorResponse"; value: { fileDescriptorProto: Uint8Array[] } }
  | { case: "allExtensionNumbersResponse"; value: { baseTypeName: string; extensionNumber: number[] } }
  | { case: "listServicesResponse"; value: { service: Array<{ name: string }> } }
  | { case: "errorResponse"; value: { errorCode: number; errorMessage: string } };

/**
 * Serves both reflection versions on `router`. The answers cover `files` and
 * the files of every service the router serves (so the health and reflection
 * services describe themselves); list_services names the services the router
 * serves. The index is built once, at the first reflection request, when the
 * router holds every route whichever order they were registered in.
 */
export function registerReflection(router: ConnectRouter, files: readonly DescFile[]): void {
  let index: ReflectionIndex | undefined;
  const lookups = () => {
    index ??= buildReflectionIndex([...files, ...servedServices(router).map((service) => service.file)]);
    return index;
  };
  const respond = <R extends { host: string; messageRequest: ReflectionQuery }>(request: R) => ({
    validHost: request.host,
    originalRequest: request,
    messageResponse: answerQuery(request.messageRequest, lookups(), router),
  });

  router.service(v1.ServerReflection, {
    serverReflectionInfo: (requests) =>
      mapStream(requests, (request) => create(v1.ServerReflectionResponseSchema, respond(request))),
  });
  router.service(v1alpha.ServerReflection, {
    serverReflectionInfo: (requests) =>
      mapStream(requests, (request) => create(v1alpha.ServerReflectionResponseSchema, respond(request))),
  });
}

/** One answer per request, in order, on a stream that stays open between them. */
async function* mapStream<I, O>(requests: AsyncIterable<I>, answer: (request: I) => O): AsyncGenerator<O> {
  for await (const request of requests) yield answer(request);
}

function answerQuery(query: ReflectionQuery, index: ReflectionIndex, router: ConnectRouter): ReflectionAnswer {
  switch (query.case) {
    case "listServices":
      return {
        case: "listServicesResponse",
        value: { service: servedServices(router).map((service) => ({ name: service.typeName })) },
      };
    case "fileByFilename":
      return files(index.fileWithDependencies(query.value), `file ${quoted(query.value)} not found`);
    case "fileContainingSymbol":
      return files(index.fileContainingSymbol(query.value), `symbol ${quoted(query.value)} not found`);
    case "fileContainingExtension": {
      const { containingType, extensionNumber } = query.value;
      return files(
        index.fileContainingExtension(containingType, extensionNumber),
        `extension ${extensionNumber} of ${quoted(containingType)} not found`,
      );
    }
    case "allExtensionNumbersOfType": {
      const numbers = index.extensionNumbersOf(query.value);
      if (numbers === undefined) return notFound(`type ${quoted(query.value)} not found`);
      return { case: "allExtensionNumbersResponse", value: { baseTypeName: query.value, extensionNumber: numbers } };
    }
    case undefined:
      return {
        case: "errorResponse",
        value: { errorCode: Code.InvalidArgument, errorMessage: "the request names no reflection query" },
      };
  }
}

function files(found: Uint8Array[] | undefined, whenMissing: string): ReflectionAnswer {
  if (found === undefined) return notFound(whenMissing);
  return { case: "fileDescriptorResponse", value: { fileDescriptorProto: found } };
}

function notFound(message: string): ReflectionAnswer {
  // Connect's codes are numbered as gRPC's: NotFound is 5.
  return { case: "errorResponse", value: { errorCode: Code.NotFound, errorMessage: message } };
}

/** Every service the router serves, once each, in registration order. */
function servedServices(router: ConnectRouter): DescService[] {
  const byName = new Map<string, DescService>();
  for (const handler of router.handlers) {
    if (!byName.has(handler.service.typeName)) byName.set(handler.service.typeName, handler.service);
  }
  return [...byName.values()];
}
