/**
 * Authentication, authorization and call limits for the API (docs/security.md).
 * The composition root builds one Authorization from the config and gives
 * its interceptor to the transport.
 */
import type { Interceptor } from "@connectrpc/connect";
import { authConfigured } from "../../config/auth-rules.js";
import type { CatalogConfig } from "../../config/schema.js";
import type { Logger } from "../../logging/index.js";
import { Authenticator } from "./authenticator.js";
import { enforceBindPolicy } from "./bind-policy.js";
import { type AuthObserver, authInterceptor } from "./interceptor.js";
import { MethodPolicy } from "./policy.js";

export { ApiKeyVerifier, generateApiKey, hashApiKey } from "./api-keys.js";
export { Authenticator } from "./authenticator.js";
export { enforceBindPolicy, isLoopbackHost } from "./bind-policy.js";
export { ClientCertificateMapper, certificateNames } from "./client-certificates.js";
export { hasRole, type Identity, type Role, scopeViolation, type WriteScope } from "./identity.js";
export { type AuthInterceptorOptions, authInterceptor } from "./interceptor.js";
export { IssuerKeys, parseJwks } from "./jwks.js";
export { JwtVerifier, looksLikeJwt } from "./jwt.js";
export { RateLimiter, StreamCounter } from "./limits.js";
export { type Peer, peerContextValues, peerKey, repeatedAuthorizationKey, streamPeerContextValues } from "./peer.js";
export { CATALOG_SERVICE, MethodPolicy } from "./policy.js";
export { secureServerOptions, watchTlsFiles } from "./tls.js";

export interface AuthorizationOptions {
  logger: Logger;
  /** Milliseconds since the epoch for JWT expiry checks; the system clock by default. */
  now?: () => number;
  /** Told of refusals and limits (metrics). */
  observer?: AuthObserver;
}

/**
 * Checks the bind policy, loads key material (a bad JWKS fails here, before
 * the port opens) and returns the interceptors that enforce the config: none
 * when no credentials are configured (loopback or --insecure), where every
 * caller is the anonymous admin and there is nothing to check or limit, so
 * no call pays for a layer that would only pass it on.
 */
export async function prepareAuthorization(
  config: CatalogConfig,
  options: AuthorizationOptions,
): Promise<Interceptor[]> {
  const log = options.logger.child({ component: "auth" });
  const authenticator = new Authenticator(config.auth, { logger: log, ...(options.now ? { now: options.now } : {}) });
  enforceBindPolicy(config.server, authConfigured(config.auth), log);
  await authenticator.load();
  if (!authenticator.enabled) return [];
  return [
    authInterceptor({
      authenticator,
      policy: new MethodPolicy(config.auth.openMethods),
      limits: config.server.limits,
      ...(options.observer ? { observer: options.observer } : {}),
    }),
  ];
}
