/**
 * Turns a call's credentials into an Identity: a bearer token in the
 * `authorization` header (an API key, or a JWT when it has a JWT's shape),
 * else a verified client certificate. A bearer token that does not verify
 * is refused even when a certificate is present: a caller never silently
 * falls back to a weaker identity.
 */
import type { AuthConfig } from "../../config/schema.js";
import { CatalogError } from "../../errors/index.js";
import type { Logger } from "../../logging/index.js";
import { ApiKeyVerifier } from "./api-keys.js";
import { ClientCertificateMapper } from "./client-certificates.js";
import { type Identity, UNAUTHENTICATED_ADMIN } from "./identity.js";
import { JwtVerifier, looksLikeJwt } from "./jwt.js";
import type { Peer } from "./peer.js";

export interface AuthenticatorOptions {
  logger: Logger;
  /** Milliseconds since the epoch, for JWT expiry; the system clock by default. */
  now?: () => number;
}

export class Authenticator {
  private readonly apiKeys: ApiKeyVerifier;
  private readonly jwt: JwtVerifier;
  private readonly certificates: ClientCertificateMapper;

  constructor(auth: AuthConfig, options: AuthenticatorOptions) {
    this.apiKeys = new ApiKeyVerifier(auth.apiKeys);
    this.jwt = new JwtVerifier({
      issuers: auth.jwt.issuers,
      clockSkewSeconds: auth.jwt.clockSkewSeconds,
      logger: options.logger,
      ...(options.now ? { now: options.now } : {}),
    });
    this.certificates = new ClientCertificateMapper(auth.clientCertificates);
  }

  /** False: no credentials are configured and every caller is trusted (loopback or --insecure only). */
  get enabled(): boolean {
    return this.apiKeys.configured || this.jwt.configured || this.certificates.configured;
  }

  /** Loads JWKS files and URLs, so bad key material stops the server at start. */
  async load(): Promise<void> {
    await this.jwt.load();
  }

  /**
   * The caller's identity; undefined when the call carries no credentials.
   * Throws CatalogError UNAUTHENTICATED for credentials that do not verify,
   * and for a call that carries more than one (`authorizationHeaders`
   * counted, or a bearer token beside a client certificate mapped to an
   * identity): which one would count is the caller's to say, not ours.
   */
  async authenticate(
    authorization: string | null,
    peer: Peer,
    authorizationHeaders = 1,
  ): Promise<Identity | undefined> {
    if (!this.enabled) return UNAUTHENTICATED_ADMIN;
    if (authorizationHeaders > 1)
      throw new CatalogError(
        "UNAUTHENTICATED",
        `the request carries ${authorizationHeaders} authorization headers; send exactly one credential`,
      );
    if (authorization !== null && authorization !== "") {
      const certified = peer.verifiedCertificate && this.certificates.identify(peer.verifiedCertificate);
      if (certified)
        throw new CatalogError(
          "UNAUTHENTICATED",
          `the request carries two credentials, a bearer token and a client certificate mapped to ${certified.name}; ` +
            "send exactly one",
        );
      return this.bearer(authorization);
    }
    if (peer.verifiedCertificate && this.certificates.configured) {
      const identity = this.certificates.identify(peer.verifiedCertificate);
      if (!identity)
        throw new CatalogError(
          "UNAUTHENTICATED",
          "the client certificate is valid but not mapped to an identity (auth.clientCertificates)",
        );
      return identity;
    }
    return undefined;
  }

  private async bearer(authorization: string): Promise<Identity> {
    const match = /^Bearer +(\S+) *$/i.exec(authorization);
    if (!match) throw new CatalogError("UNAUTHENTICATED", 'the authorization header must be "Bearer <token>"');
    const token = match[1]!;
    if (looksLikeJwt(token)) {
      if (!this.jwt.configured)
        throw new CatalogError("UNAUTHENTICATED", "invalid bearer token: this server accepts no JWTs");
      return this.jwt.verify(token);
    }
    const identity = this.apiKeys.verify(token);
    if (!identity) throw new CatalogError("UNAUTHENTICATED", "invalid bearer token: not a known API key");
    return identity;
  }
}
