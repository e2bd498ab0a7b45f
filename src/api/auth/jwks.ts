/**
 * Verification keys for one JWT issuer, from a JWKS file (re-read when its
 * modification time changes, so keys rotate without a restart) and/or a JWKS
 * URL (fetched with a deadline, cached, re-fetched every CACHE_TTL_MS and when a
 * token names a key id not seen yet, at most once per REFETCH_INTERVAL_MS).
 *
 * Each key keeps its family: RSA keys verify only RS256, P-256 keys only
 * ES256, "oct" secrets only HS256, so a public key can never be used as an
 * HMAC secret (the classic algorithm-confusion attack).
 */
import { createPublicKey, createSecretKey, type JsonWebKey, type KeyObject } from "node:crypto";
import { readFileSync, statSync } from "node:fs";
import type { Logger } from "../../logging/index.js";

export type KeyFamily = "RSA" | "EC" | "oct";

export interface VerificationKey {
  kid: string | undefined;
  family: KeyFamily;
  key: KeyObject;
}

export const FAMILY_OF_ALG: Record<string, KeyFamily> = { RS256: "RSA", ES256: "EC", HS256: "oct" };

const FETCH_TIMEOUT_MS = 5_000;
const REFETCH_INTERVAL_MS = 30_000;
const CACHE_TTL_MS = 10 * 60_000;
const MAX_JWKS_BYTES = 1024 * 1024;

export interface KeySetOptions {
  jwksFile: string;
  jwksUrl: string;
  logger: Logger;
  now?: () => number;
}

export class JwksKeySet {
  private fileKeys: VerificationKey[] = [];
  private fileVersion = "";
  private urlKeys: VerificationKey[] = [];
  private lastFetch = Number.NEGATIVE_INFINITY;
  private fetching: Promise<void> | undefined;

  constructor(private readonly options: KeySetOptions) {}

  /** Loads the file and URL once, so a bad JWKS is reported at start. */
  async load(): Promise<void> {
    this.refreshFile();
    if (this.options.jwksUrl !== "") await this.refreshUrl();
  }

  /** Keys that may have signed a token with this `kid` and algorithm. */
  async candidates(kid: string | undefined, alg: string): Promise<VerificationKey[]> {
    const family = FAMILY_OF_ALG[alg];
    if (!family) return [];
    this.refreshFile();
    const matching = () =>
      [...this.fileKeys, ...this.urlKeys].filter(
        (k) => k.family === family && (kid === undefined || k.kid === undefined || k.kid === kid),
      );
    let found = matching();
    const now = (this.options.now ?? Date.now)();
    const stale = now - this.lastFetch > CACHE_TTL_MS;
    const unknownKey = found.length === 0 && now - this.lastFetch > REFETCH_INTERVAL_MS;
    if (this.options.jwksUrl !== "" && (stale || unknownKey)) {
      await this.refreshUrl();
      found = matching();
    }
    return found;
  }

  private refreshFile(): void {
    const file = this.options.jwksFile;
    if (file === "") return;
    let version: string;
    try {
      const stat = statSync(file);
      version = `${stat.mtimeMs}:${stat.size}`;
    } catch (err) {
      if (this.fileVersion === "") throw new Error(`JWKS file ${file} cannot be read: ${(err as Error).message}`);
      return; // Keep the keys last read; a rotation may be replacing the file.
    }
    if (version === this.fileVersion) return;
    try {
      this.fileKeys = parseJwks(readFileSync(file, "utf8"), file);
      this.fileVersion = version;
      this.options.logger.info("JWKS file loaded", { file, keys: this.fileKeys.length });
    } catch (err) {
      if (this.fileVersion === "") throw err;
      this.options.logger.warn("JWKS file changed but cannot be used; keeping the keys read before", { file, err });
    }
  }

  private refreshUrl(): Promise<void> {
    this.fetching ??= (async () => {
      const url = this.options.jwksUrl;
      this.lastFetch = (this.options.now ?? Date.now)();
      try {
        const response = await fetch(url, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS), redirect: "error" });
        if (!response.ok) throw new Error(`HTTP ${response.status}`);
        const text = await response.text();
        if (text.length > MAX_JWKS_BYTES) throw new Error(`larger than ${MAX_JWKS_BYTES} bytes`);
        this.urlKeys = parseJwks(text, url);
        this.options.logger.info("JWKS fetched", { url, keys: this.urlKeys.length });
      } catch (err) {
        // Keep the keys fetched before: an issuer outage must not log everybody out.
        this.options.logger.warn("JWKS fetch failed; keeping the keys fetched before", { url, err });
      } finally {
        this.fetching = undefined;
      }
    })();
    return this.fetching;
  }
}

/** The usable keys of a JWKS document; keys of other types or curves are skipped, a malformed document throws. */
export function parseJwks(text: string, source: string): VerificationKey[] {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (err) {
    throw new Error(`JWKS ${source} is not JSON: ${(err as Error).message}`);
  }
  const keys = (document as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(keys)) throw new Error(`JWKS ${source} has no "keys" list`);
  const out: VerificationKey[] = [];
  for (const [index, jwk] of keys.entries()) {
    if (typeof jwk !== "object" || jwk === null) throw new Error(`JWKS ${source}: keys[${index}] is not an object`);
    const key = toVerificationKey(jwk as JsonWebKey & { kid?: unknown; use?: unknown }, `${source} keys[${index}]`);
    if (key) out.push(key);
  }
  return out;
}

function toVerificationKey(
  jwk: JsonWebKey & { kid?: unknown; use?: unknown },
  where: string,
): VerificationKey | undefined {
  if (jwk.use !== undefined && jwk.use !== "sig") return undefined;
  const kid = typeof jwk.kid === "string" ? jwk.kid : undefined;
  try {
    if (jwk.kty === "RSA") {
      const { n, e } = jwk;
      const key = createPublicKey({ key: { kty: "RSA", n, e }, format: "jwk" });
      const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
      if (bits < 2048) throw new Error(`RSA key of ${bits} bits; at least 2048 are required`);
      return { kid, family: "RSA", key };
    }
    if (jwk.kty === "EC") {
      if (jwk.crv !== "P-256") return undefined;
      const { x, y } = jwk;
      return { kid, family: "EC", key: createPublicKey({ key: { kty: "EC", crv: "P-256", x, y }, format: "jwk" }) };
    }
    if (jwk.kty === "oct") {
      if (typeof jwk.k !== "string") throw new Error(`"oct" key without "k"`);
      const secret = Buffer.from(jwk.k, "base64url");
      if (secret.length < 32) throw new Error(`HS256 secret of ${secret.length} bytes; at least 32 are required`);
      return { kid, family: "oct", key: createSecretKey(secret) };
    }
  } catch (err) {
    throw new Error(`JWKS ${where}: ${(err as Error).message}`);
  }
  return undefined;
}
