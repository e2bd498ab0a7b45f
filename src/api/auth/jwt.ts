/**
 * JWT verification for the configured issuers, on `jose`: compact JWS with
 * the algorithms each issuer allows (RS256, ES256, HS256), signature against
 * the issuer's keys (jwks.ts), "exp" required, "nbf", "iss" and "aud"
 * checked with the configured clock skew. jose picks keys by the token's
 * "alg" and key type, so a public key is never taken as an HMAC secret.
 * What is ours: finding the issuer, the claims that make an Identity (role,
 * write scope), and refusal messages that say what was wrong without
 * repeating any part of the token.
 */
import { decodeJwt, decodeProtectedHeader, errors, type JWTPayload, type JWTVerifyOptions, jwtVerify } from "jose";
import type { JwtIssuerConfig } from "../../config/schema.js";
import { CatalogError } from "../../errors/index.js";
import type { Logger } from "../../logging/index.js";
import { highestRole, type Identity, type Role } from "./identity.js";
import { IssuerKeys } from "./jwks.js";

const MAX_TOKEN_CHARS = 16 * 1024;
const MAX_CLAIM_CHARS = 256;

export interface JwtVerifierOptions {
  issuers: readonly JwtIssuerConfig[];
  clockSkewSeconds: number;
  logger: Logger;
  /** Milliseconds since the epoch; the system clock by default. */
  now?: () => number;
}

/** A compact JWS: three base64url segments whose header decodes to JSON naming an "alg". */
export function looksLikeJwt(token: string): boolean {
  if (token.split(".").length !== 3) return false;
  try {
    return typeof decodeProtectedHeader(token).alg === "string";
  } catch {
    return false;
  }
}

export class JwtVerifier {
  private readonly issuers = new Map<string, { config: JwtIssuerConfig; keys: IssuerKeys }>();
  private readonly now: () => number;

  constructor(private readonly options: JwtVerifierOptions) {
    this.now = options.now ?? Date.now;
    for (const config of options.issuers) {
      this.issuers.set(config.issuer, { config, keys: new IssuerKeys(config, options.logger) });
    }
  }

  get configured(): boolean {
    return this.issuers.size > 0;
  }

  /** Reads every JWKS once, so a bad key file stops the server at start. */
  async load(): Promise<void> {
    for (const { keys } of this.issuers.values()) await keys.load();
  }

  /** The identity a valid token carries; CatalogError UNAUTHENTICATED otherwise. */
  async verify(token: string): Promise<Identity> {
    if (token.length > MAX_TOKEN_CHARS) throw refused(`the token is longer than ${MAX_TOKEN_CHARS} characters`);
    let unverified: JWTPayload;
    try {
      unverified = decodeJwt(token);
    } catch {
      throw refused("the token is not a compact JWT");
    }
    const issuer = typeof unverified.iss === "string" ? this.issuers.get(unverified.iss) : undefined;
    if (issuer === undefined) throw refused("the token's issuer is not trusted by this server");
    const { config, keys } = issuer;
    const options: JWTVerifyOptions = {
      issuer: config.issuer,
      audience: config.audiences,
      algorithms: config.algorithms,
      clockTolerance: this.options.clockSkewSeconds,
      requiredClaims: ["exp"],
      currentDate: new Date(this.now()),
    };
    try {
      const { payload } = await jwtVerify(token, keys.resolver, options);
      return identityOf(payload, config);
    } catch (err) {
      if (err instanceof CatalogError) throw err;
      if (err instanceof errors.JWKSMultipleMatchingKeys) return this.verifyWithEach(token, err, options, config);
      throw refusalFor(err, config, this.options.logger);
    }
  }

  /** Several of the issuer's keys fit the token's header (no "kid"): it verifies if any one of them signed it. */
  private async verifyWithEach(
    token: string,
    candidates: errors.JWKSMultipleMatchingKeys,
    options: JWTVerifyOptions,
    config: JwtIssuerConfig,
  ): Promise<Identity> {
    let last: unknown;
    for await (const key of candidates) {
      try {
        return identityOf((await jwtVerify(token, key, options)).payload, config);
      } catch (err) {
        if (err instanceof CatalogError) throw err;
        last = err;
      }
    }
    throw refusalFor(last, config, this.options.logger);
  }
}

function refused(reason: string): CatalogError {
  return new CatalogError("UNAUTHENTICATED", `invalid bearer token: ${reason}`);
}

/** What jose found wrong, in words that never quote the token. */
function refusalFor(err: unknown, config: JwtIssuerConfig, logger: Logger): CatalogError {
  if (err instanceof errors.JWTExpired) return refused("the token has expired");
  if (err instanceof errors.JWTClaimValidationFailed) {
    switch (err.claim) {
      case "exp":
        return refused('the token has no expiry ("exp")');
      case "nbf":
        return refused(
          err.reason === "check_failed" ? "the token is not valid yet (nbf)" : 'the token\'s "nbf" is not a number',
        );
      case "aud":
        return refused("the token is not meant for this server (audience)");
      case "iss":
        return refused("the token's issuer is not trusted by this server");
      default:
        return refused(`the token's "${err.claim}" claim is not valid`);
    }
  }
  if (err instanceof errors.JOSEAlgNotAllowed || (err instanceof errors.JOSENotSupported && /alg/i.test(err.message))) {
    return refused(`the token's algorithm is not accepted for its issuer (accepted: ${config.algorithms.join(", ")})`);
  }
  if (err instanceof errors.JOSENotSupported) {
    return refused("the token uses critical header extensions, which this server does not support");
  }
  if (
    err instanceof errors.JWSSignatureVerificationFailed ||
    err instanceof errors.JWKSNoMatchingKey ||
    err instanceof errors.JWKSMultipleMatchingKeys
  ) {
    return refused("the token's signature does not verify with the issuer's keys");
  }
  if (err instanceof errors.JWSInvalid || err instanceof errors.JWTInvalid)
    return refused("the token is not a compact JWT");
  logger.warn("JWT verification failed unexpectedly", { issuer: config.issuer, err });
  return refused("the token cannot be verified with the issuer's keys");
}

function identityOf(claims: JWTPayload, config: JwtIssuerConfig): Identity {
  const subject = claims.sub;
  if (
    typeof subject !== "string" ||
    subject === "" ||
    subject.length > MAX_CLAIM_CHARS ||
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this refuses
    /[\u0000-\u001f\u007f]/.test(subject)
  ) {
    throw refused('the token has no usable subject ("sub")');
  }
  const rolesClaim = claims[config.rolesClaim];
  const roleNames =
    typeof rolesClaim === "string" ? rolesClaim.split(/\s+/) : Array.isArray(rolesClaim) ? rolesClaim : [];
  const role: Role | undefined = highestRole(roleNames) ?? (config.defaultRole === "" ? undefined : config.defaultRole);
  return {
    name: `jwt:${subject}@${config.issuer}`,
    kind: "jwt",
    role,
    scope: {
      namePrefixes: stringList(claims[config.namePrefixesClaim], config.namePrefixesClaim),
      providers: stringList(claims[config.providersClaim], config.providersClaim),
    },
  };
}

/** A scope claim: absent means unrestricted; present, it must be a string or a list of non-empty strings. */
function stringList(value: unknown, claim: string): string[] {
  if (value === undefined) return [];
  const items = typeof value === "string" ? [value] : value;
  if (
    !Array.isArray(items) ||
    items.length === 0 ||
    !items.every((item) => typeof item === "string" && item !== "" && item.length <= MAX_CLAIM_CHARS)
  ) {
    throw refused(`the token's "${claim}" claim must be a non-empty string or list of non-empty strings`);
  }
  return items as string[];
}
