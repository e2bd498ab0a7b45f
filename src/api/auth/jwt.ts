/**
 * JWT verification with node:crypto: compact JWS only, RS256 / ES256 /
 * HS256, against the configured issuers, each with its audiences and keys.
 * Expiry ("exp", required) and not-before ("nbf") allow the configured clock
 * skew. Failure messages say what was wrong without repeating any part of
 * the token.
 */
import { createHmac, timingSafeEqual, verify as verifySignature } from "node:crypto";
import type { JwtIssuerConfig } from "../../config/schema.js";
import { CatalogError } from "../../errors/index.js";
import type { Logger } from "../../logging/index.js";
import { highestRole, type Identity, type Role } from "./identity.js";
import { JwksKeySet, type VerificationKey } from "./jwks.js";

const MAX_TOKEN_CHARS = 16 * 1024;
const SEGMENT = /^[A-Za-z0-9_-]*$/;
const MAX_CLAIM_CHARS = 256;

export interface JwtVerifierOptions {
  issuers: readonly JwtIssuerConfig[];
  clockSkewSeconds: number;
  logger: Logger;
  /** Milliseconds since the epoch; the system clock by default. */
  now?: () => number;
}

type Claims = Record<string, unknown>;

/** A compact JWS: three base64url segments whose header decodes to JSON naming an "alg". */
export function looksLikeJwt(token: string): boolean {
  const parts = token.split(".");
  if (parts.length !== 3 || !parts.every((p) => SEGMENT.test(p))) return false;
  return typeof decodeJson(parts[0]!)?.alg === "string";
}

export class JwtVerifier {
  private readonly issuers = new Map<string, { config: JwtIssuerConfig; keys: JwksKeySet }>();
  private readonly now: () => number;

  constructor(private readonly options: JwtVerifierOptions) {
    this.now = options.now ?? Date.now;
    for (const config of options.issuers) {
      const keys = new JwksKeySet({
        jwksFile: config.jwksFile,
        jwksUrl: config.jwksUrl,
        logger: options.logger,
        now: this.now,
      });
      this.issuers.set(config.issuer, { config, keys });
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
    const parts = token.split(".");
    if (parts.length !== 3 || !parts.every((p) => SEGMENT.test(p))) throw refused("the token is not a compact JWT");
    const [headerPart, payloadPart, signaturePart] = parts as [string, string, string];
    const header = decodeJson(headerPart);
    const claims = decodeJson(payloadPart);
    if (!header || !claims) throw refused("the token's header or claims are not JSON objects");
    if (header.crit !== undefined)
      throw refused("the token uses critical header extensions, which this server does not support");
    const alg = header.alg;
    const issuer = typeof claims.iss === "string" ? this.issuers.get(claims.iss) : undefined;
    if (!issuer) throw refused("the token's issuer is not trusted by this server");
    if (typeof alg !== "string" || !(issuer.config.algorithms as readonly string[]).includes(alg)) {
      throw refused(
        `the token's algorithm is not accepted for its issuer (accepted: ${issuer.config.algorithms.join(", ")})`,
      );
    }
    const kid = typeof header.kid === "string" ? header.kid : undefined;
    const signed = Buffer.from(`${headerPart}.${payloadPart}`, "ascii");
    const signature = Buffer.from(signaturePart, "base64url");
    const keys = await issuer.keys.candidates(kid, alg);
    if (!keys.some((key) => signatureMatches(alg, key, signed, signature)))
      throw refused("the token's signature does not verify with the issuer's keys");
    this.checkTimes(claims);
    checkAudience(claims, issuer.config.audiences);
    return identityOf(claims, issuer.config);
  }

  private checkTimes(claims: Claims): void {
    const now = this.now() / 1000;
    const skew = this.options.clockSkewSeconds;
    if (typeof claims.exp !== "number" || !Number.isFinite(claims.exp))
      throw refused('the token has no expiry ("exp")');
    if (now > claims.exp + skew) throw refused("the token has expired");
    if (claims.nbf !== undefined) {
      if (typeof claims.nbf !== "number" || !Number.isFinite(claims.nbf))
        throw refused('the token\'s "nbf" is not a number');
      if (now + skew < claims.nbf) throw refused("the token is not valid yet (nbf)");
    }
  }
}

function refused(reason: string): CatalogError {
  return new CatalogError("UNAUTHENTICATED", `invalid bearer token: ${reason}`);
}

function decodeJson(segment: string): Claims | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(segment, "base64url").toString("utf8"));
    return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Claims) : undefined;
  } catch {
    return undefined;
  }
}

function signatureMatches(alg: string, { family, key }: VerificationKey, signed: Buffer, signature: Buffer): boolean {
  try {
    switch (alg) {
      case "RS256":
        return family === "RSA" && verifySignature("sha256", signed, key, signature);
      case "ES256":
        // JWS carries ES256 signatures as r||s (IEEE P1363), 64 bytes.
        return (
          family === "EC" &&
          signature.length === 64 &&
          verifySignature("sha256", signed, { key, dsaEncoding: "ieee-p1363" }, signature)
        );
      case "HS256": {
        if (family !== "oct") return false;
        const expected = createHmac("sha256", key).update(signed).digest();
        return signature.length === expected.length && timingSafeEqual(signature, expected);
      }
      default:
        return false;
    }
  } catch {
    return false;
  }
}

function checkAudience(claims: Claims, audiences: readonly string[]): void {
  const aud = claims.aud;
  const presented =
    typeof aud === "string" ? [aud] : Array.isArray(aud) ? aud.filter((a): a is string => typeof a === "string") : [];
  if (!presented.some((a) => audiences.includes(a))) throw refused("the token is not meant for this server (audience)");
}

function identityOf(claims: Claims, config: JwtIssuerConfig): Identity {
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
  const role: Role | undefined =
    highestRole(roleNames) ?? (config.defaultRole === "" ? undefined : (config.defaultRole as Role));
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
