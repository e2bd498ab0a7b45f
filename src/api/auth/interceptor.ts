/**
 * The authorization interceptor, inside the call interceptor (which maps its
 * errors and logs the outcome). For each call: authenticate, rate-limit per
 * identity, check the method's role and a write's scope, cap open streams,
 * then record the identity as the call's actor and in its log fields.
 *
 * UNAUTHENTICATED: no credentials, or credentials that do not verify.
 * PERMISSION_DENIED: a known caller without the role or outside its scope.
 * Messages name the role that is missing, never the token.
 */
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError, type Interceptor, type StreamResponse } from "@connectrpc/connect";
import { RetryInfoSchema } from "../../../gen/ts/src/google/rpc/error_details_pb.js";
import type { CallLimitsConfig } from "../../config/schema.js";
import { CatalogError } from "../../errors/index.js";
import { actorKey, callLoggerKey } from "../context.js";
import type { Authenticator } from "./authenticator.js";
import { hasRole, scopeViolation, type Identity } from "./identity.js";
import { RateLimiter, StreamCounter } from "./limits.js";
import { peerKey } from "./peer.js";
import { writeTargetOf, type MethodPolicy } from "./policy.js";

export interface AuthInterceptorOptions {
  authenticator: Authenticator;
  policy: MethodPolicy;
  limits: CallLimitsConfig;
  /** Providers of the stored versions of a component (empty when there are none), for publisher scopes. */
  providersOf: (name: string) => Promise<string[]>;
}

export function authInterceptor({ authenticator, policy, limits, providersOf }: AuthInterceptorOptions): Interceptor {
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
        identity = await authenticator.authenticate(req.header.get("authorization"), peer);
      } catch (err) {
        // Failed attempts spend the address's budget, which slows down guessing keys.
        throwIfLimited(rate.take(addressKey), "address");
        throw err;
      }
      if (!identity) {
        throwIfLimited(rate.take(addressKey), "address");
        throw new CatalogError(
          "UNAUTHENTICATED",
          `${method} needs the ${requirement.role} role: send "authorization: Bearer <API key or JWT>" or a client certificate`,
        );
      }
    }
    // With no authentication configured (loopback or --insecure) there are no identities to limit.
    const limited = authenticator.enabled;
    const limitKey = identity && identity.kind !== "anonymous" ? identity.name : addressKey;
    if (limited) throwIfLimited(rate.take(limitKey), identity?.name ?? "anonymous");
    if (identity) {
      req.contextValues.set(actorKey, identity.name);
      req.contextValues.set(callLoggerKey, req.contextValues.get(callLoggerKey).child({ identity: identity.name }));
    }
    if (!requirement.open && identity) {
      if (!hasRole(identity, requirement.role)) {
        throw new CatalogError(
          "PERMISSION_DENIED",
          `${method} needs the ${requirement.role} role; ${identity.name} has ${identity.role ? `the ${identity.role} role` : "no role"}`,
        );
      }
      if (requirement.write) await checkWriteScope(identity, req.method.name, req.message, providersOf);
    }
    if (!limited || req.method.methodKind !== "server_streaming") return next(req);

    const release = streams.acquire(limitKey);
    if (!release) {
      throw new ConnectError(
        `${identity?.name ?? "anonymous"} already holds ${limits.maxStreamsPerIdentity} open streams (server.limits.maxStreamsPerIdentity); close one first`,
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

async function checkWriteScope(identity: Identity, methodName: string, message: unknown, providersOf: (name: string) => Promise<string[]>): Promise<void> {
  if (identity.role === "admin") return;
  const target = writeTargetOf(methodName, message);
  if (!target) return;
  // The stored versions' providers count too: a publisher scoped to one provider cannot take over another's component.
  const stored = target.name === "" ? [] : await providersOf(target.name).catch(() => []);
  const providers = [...new Set([...(target.provider !== undefined ? [target.provider] : []), ...stored])];
  const problems = (providers.length > 0 ? providers : [undefined]).map((provider) => scopeViolation(identity, target.name, provider));
  const problem = problems.find((p) => p !== undefined);
  if (problem) {
    throw new CatalogError("PERMISSION_DENIED", `${identity.name} may not write component ${JSON.stringify(target.name)}: it ${problem}`);
  }
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
