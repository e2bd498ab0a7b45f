/**
 * The Node request handler for the RPC routes: connect-node's
 * connectNodeAdapter, written out so that each answer passes through
 * reclassifyRequestErrors before it is written. connectNodeAdapter keeps its
 * router to itself, and connect-es answers undecodable requests inside its
 * protocol handlers, where no interceptor sees them (see request-errors.ts).
 */
import type * as http from "node:http";
import type * as http2 from "node:http2";
import {
  Code,
  ConnectError,
  type ConnectRouter,
  type ContextValues,
  createConnectRouter,
  type Interceptor,
} from "@connectrpc/connect";
import type { UniversalHandler, UniversalServerResponse } from "@connectrpc/connect/protocol";
import {
  compressionBrotli,
  compressionGzip,
  universalRequestFromNodeRequest,
  universalResponseToNodeResponse,
} from "@connectrpc/connect-node";
import type { Logger } from "../logging/index.js";
import { reclassifyRequestErrors } from "./request-errors.js";

type NodeRequest = http.IncomingMessage | http2.Http2ServerRequest;
type NodeResponse = http.ServerResponse | http2.Http2ServerResponse;
export type NodeRequestHandler = (req: NodeRequest, res: NodeResponse) => void;

export interface RpcHandlerOptions {
  routes: (router: ConnectRouter) => void;
  readMaxBytes: number;
  interceptors: Interceptor[];
  contextValues: (req: NodeRequest) => ContextValues;
  /** Answers paths no route serves. */
  fallback: NodeRequestHandler;
  logger: Logger;
}

/** Request compressions every path accepts (responses: see each path). */
export const ACCEPT_COMPRESSION = [compressionGzip, compressionBrotli];

export function rpcRequestHandler({
  routes,
  readMaxBytes,
  interceptors,
  contextValues,
  fallback,
  logger,
}: RpcHandlerOptions): NodeRequestHandler {
  const router = createConnectRouter({ readMaxBytes, interceptors, acceptCompression: ACCEPT_COMPRESSION });
  routes(router);
  const handlers = new Map<string, UniversalHandler>();
  for (const handler of router.handlers) handlers.set(handler.requestPath, handler);

  return (req, res) => {
    const handler = handlers.get((req.url ?? "").split("?", 2)[0] ?? "");
    if (handler === undefined) {
      fallback(req, res);
      return;
    }
    const request = universalRequestFromNodeRequest(req, res, undefined, contextValues(req));
    const requestType = handler.method.input.typeName;
    const write = (response: UniversalServerResponse) => universalResponseToNodeResponse(response, res);
    handler(request)
      .then((response) => {
        const answer = reclassifyRequestErrors(request, response, requestType);
        // Successful answers come back synchronously: no extra turn on the hot path.
        return answer instanceof Promise ? answer.then(write) : write(answer);
      })
      .catch((reason: unknown) => {
        // Aborted: the caller went away mid-write; nothing to answer and nothing wrong.
        if (ConnectError.from(reason).code === Code.Aborted) return;
        logger.error("rpc handler failed", {
          method: `${handler.service.typeName}/${handler.method.name}`,
          err: reason,
        });
      });
  };
}
