/**
 * The authorization interceptor, inside the call interceptor (which maps its
 * errors and logs the outcome). For each call: authenticate, rate-limit per
 * identity, check the method's role, cap open streams, then record the
 * identity as the call's actor and in its log fields.
 *
 * A write's scope (name prefixes, providers) is not decided here: the
 * interceptor puts the caller's scope check in the call context
 * (writeAuthorizerKey) and the Manager runs it inside the store's write,
 * against the versions stored at that moment. Checking it here, before the
 * write, would let another publisher's write land in between (e.g. create
 * the name's first version under another provider).
 *
 * UNAUTHENTICATED: no credentials, credentials that do not verify, or more
 * than one credential (two authorization headers; a bearer token beside a
 * mapped client certificate).
 * PERMISSION_DENIED: a known caller without the role or outside its scope.
 * Messages name the role that is missing, never the token.
 */
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError, type Interceptor, type StreamResponse } from "@connectrpc/connect";
import { RetryInfoSchema } from "../../../gen/ts/src/google/rpc/error_details_pb.js";
import type { WriteAuthorizer } from "../../catalog/requests.js";
import type { CallLimitsConfig } from "../../config/schema.js";
import { CatalogError } from "../../errors/index.js";
import { actorKey, callLoggerKey, writeAuthorizerKey } from "../context.js";
import type { Authenticator } from "./authenticator.js";
import { hasRole, type Identity, scopeViolation } from "./identity.js";
import { RateLimiter, StreamCounter } from "./limits.js";
import { peerKey, repeatedAuthorizationKey } from "./peer.js";
import type { MethodPolicy } from "./policy.js";

export interface AuthInterceptorOptions {
  authenticator: Authenticator;
  policy: MethodPolicy;
  limits: CallLimitsConfig;
  /** Told of each refusal, by a reason from a fixed set, and each limit hit (metrics). */
  observer?: AuthObserver;
}

export type AuthRefusal = "credentials_invalid" | "credentials_missing" | "role" | "scope";

export interface AuthObserver {
  refused(reason: AuthRefusal): void;
  limited(scope: "rate" | "streams"): void;
}

const NO_OBSERVER: AuthObserver = { refused: () => undefined, limited: () => undefined };

export function authInterceptor({
  authenticator,
  policy,
  limits,
  observer = NO_OBSERVER,
}: AuthInterceptorOptions): Interceptor {
  const limitedAt = (retryAfterMs: number, who: string) => {
    if (retryAfterMs !== 0) observer.limited("rate");
    throwIfLimited(retryAfterMs, who);
  };
  const rate = new RateLimiter(limits);
  const streams = new StreamCounter(limits.maxStreamsPerIdentity);
  return (next) => async (req) => {
    // No credentials configured (loopback or --insecure): every caller is the anonymous admin,
    // which is the context's default actor, and there is nothing to check or limit.
    if (!authenticator.enabled) return next(req);
    const peer = req.contextValues.get(peerKey);
    const method = `${req.service.typeName}/${req.method.name}`;
    const addressKey = `address:${peer.remoteAddress}`;
    const requirement = policy.requirementFor(req.service.typeName, req.method.name);
    let identity: Identity | undefined;
    if (requirement.open) {
      // Open methods ignore credentials: a health probe with a stale token still gets an answer.
      identity = await authenticator.authenticate(req.header.get("authorization"), peer).catch(() => undefined);
    } else {
      try {
        const headers = req.contextValues.get(repeatedAuthorizationKey);
        identity = await authenticator.authenticate(req.header.get("authorization"), peer, headers);
      } catch (err) {
        // Failed attempts spend the address's budget, which slows down guessing keys.
        limitedAt(rate.take(addressKey), "address");
        observer.refused("credentials_invalid");
        throw err;
      }
      if (!identity) {
        limitedAt(rate.take(addressKey), "address");
        observer.refused("credentials_missing");
        throw new CatalogError(
          "UNAUTHENTICATED",
          `${method} needs the ${requirement.role} role: ` +
            'send "authorization: Bearer <API key or JWT>" or a client certificate',
        );
      }
    }
    // With no authentication configured (loopback or --insecure) there are no identities to limit.
    const limited = authenticator.enabled;
    const limitKey = identity && identity.kind !== "anonymous" ? identity.name : addressKey;
    if (limited) limitedAt(rate.take(limitKey), identity?.name ?? "anonymous");
    if (identity) {
      req.contextValues.set(actorKey, identity.name);
      req.contextValues.set(callLoggerKey, req.contextValues.get(callLoggerKey).child({ identity: identity.name }));
    }
    if (!requirement.open && identity) {
      if (!hasRole(identity, requirement.role)) {
        observer.refused("role");
        const held = identity.role ? `the ${identity.role} role` : "no role";
        throw new CatalogError(
          "PERMISSION_DENIED",
          `${method} needs the ${requirement.role} role; ${identity.name} has ${held}`,
        );
      }
      const authorize = requirement.write ? writeScopeAuthorizer(identity) : undefined;
      if (authorize) req.contextValues.set(writeAuthorizerKey, countingRefusals(authorize, observer));
    }
    if (!limited || req.method.methodKind !== "server_streaming") return next(req);

    const release = streams.acquire(limitKey);
    if (!release) {
      observer.limited("streams");
      throw new ConnectError(
        `${identity?.name ?? "anonymous"} already holds ${limits.maxStreamsPerIdentity} open streams ` +
          "(server.limits.maxStreamsPerIdentity); close one first",
        Code.ResourceExhausted,
      );
    }
    req.signal.addEventListener("abort", release, { once: true });
    let res;
    try {
      res = await next(req);
    } catch (err) {
      release();
      throw err;
    }
    if (!res.stream) {
      release();
      return res;
    }
    return { ...res, message: releasingWhenDone(res.message, release) } as StreamResponse;
  };
}

/**
 * The scope check of `identity`'s writes, or undefined when it may write any
 * component (admins, and callers whose scope has no rules). `providers` are
 * the write's own provider (publish) plus its stored versions' providers:
 * a publisher scoped to one provider cannot take over another's component.
 * With no providers at all (an update or delete of a name with no versions)
 * a provider-scoped caller is refused, since nothing shows the name is theirs.
 */
export function writeScopeAuthorizer(identity: Identity): WriteAuthorizer | undefined {
  if (identity.role === "admin") return undefined;
  if (identity.scope.namePrefixes.length === 0 && identity.scope.providers.length === 0) return undefined;
  return (name, providers) => {
    const candidates = providers.length > 0 ? providers : [undefined];
    const problem = candidates.map((provider) => scopeViolation(identity, name, provider)).find((p) => p !== undefined);
    if (problem) {
      throw new CatalogError(
        "PERMISSION_DENIED",
        `${identity.name} may not write component ${JSON.stringify(name)}: it ${problem}`,
      );
    }
  };
}

/** The scope check, with each refusal counted (it runs in the Manager, early and again in the store's guard). */
function countingRefusals(authorize: WriteAuthorizer, observer: AuthObserver): WriteAuthorizer {
  return (name, providers) => {
    try {
      authorize(name, providers);
    } catch (err) {
      observer.refused("scope");
      throw err;
    }
  };
}

function throwIfLimited(retryAfterMs: number, who: string): void {
  if (retryAfterMs === 0) return;
  const seconds = Math.floor(retryAfterMs / 1000);
  const nanos = (retryAfterMs % 1000) * 1_000_000;
  throw new ConnectError(
    `rate limit exceeded for ${who} (server.limits.requestsPerSecond); retry in ${retryAfterMs} ms`,
    Code.ResourceExhausted,
    undefined,
    [{ desc: RetryInfoSchema, value: create(RetryInfoSchema, { retryDelay: { seconds: BigInt(seconds), nanos } }) }],
  );
}

async function* releasingWhenDone<T>(source: AsyncIterable<T>, release: () => void): AsyncIterable<T> {
  try {
    yield* source;
  } finally {
    release();
  }
}
