/** Values each call carries from the interceptors to the handlers. */
import { createContextKey } from "@connectrpc/connect";
import type { WriteAuthorizer } from "../catalog/requests.js";
import { type Logger, silentLogger } from "../logging/index.js";

/** The caller's identity, recorded on every write ("anonymous" until authentication is configured). */
export const actorKey = createContextKey<string>("anonymous", { description: "caller identity" });

/** The per-call logger, carrying the request id. */
export const callLoggerKey = createContextKey<Logger>(silentLogger, { description: "per-call logger" });

/**
 * The caller's write scope, set by the auth interceptor for scoped callers
 * (publishers with name-prefix or provider rules). Write handlers hand it to
 * the Manager, which checks it inside the store's write so that no other
 * write can land between the check and the change. Undefined: the caller may
 * write any component (admins, and every caller when auth is off).
 */
export const writeAuthorizerKey = createContextKey<WriteAuthorizer | undefined>(undefined, {
  description: "caller write scope check",
});
