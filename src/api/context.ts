/** Values each call carries from the interceptors to the handlers. */
import { createContextKey } from "@connectrpc/connect";
import { silentLogger, type Logger } from "../logging/index.js";

/** The caller's identity, recorded on every write ("anonymous" until authentication is configured). */
export const actorKey = createContextKey<string>("anonymous", { description: "caller identity" });

/** The per-call logger, carrying the request id. */
export const callLoggerKey = createContextKey<Logger>(silentLogger, { description: "per-call logger" });
