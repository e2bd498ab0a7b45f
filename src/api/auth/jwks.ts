/**
 * The verification keys of one JWT issuer, as a jose key resolver: a JWKS
 * file (re-read when its modification time or size changes, so keys rotate
 * without a restart) and/or a JWKS URL (jose's remote key set: fetched with a
 * deadline, cached for CACHE_MAX_AGE_MS, fetched again when a token names a
 * key it has not seen, at most once per COOLDOWN_MS). When the URL cannot be
 * fetched, the keys fetched before still verify: an issuer outage must not
 * log everybody out. Keys too weak to trust (RSA under 2048 bits, HMAC
 * secrets under 32 bytes) stop the file from loading.
 */
import { readFileSync, statSync } from "node:fs";
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  customFetch,
  errors,
  type FlattenedJWSInput,
  type JSONWebKeySet,
  type JWSHeaderParameters,
  type JWTVerifyGetKey,
  type RemoteJWKSet,
} from "jose";
import type { JwtIssuerConfig } from "../../config/schema.js";
import type { Logger } from "../../logging/index.js";

const FETCH_TIMEOUT_MS = 5_000;
const COOLDOWN_MS = 30_000;
const CACHE_MAX_AGE_MS = 10 * 60_000;
const MAX_JWKS_BYTES = 1024 * 1024;

type LocalKeySet = ReturnType<typeof createLocalJWKSet>;

/** A file's keys: public keys as jose's local key set, HMAC secrets by key id (jose's sets take no secrets). */
interface FileKeys {
  version: string;
  keys: LocalKeySet;
  secrets: Array<{ kid: string | undefined; secret: Uint8Array }>;
}

export class IssuerKeys {
  private file: FileKeys | undefined;
  private readonly remote: RemoteJWKSet | undefined;
  /** The resolver jwtVerify asks for the key of each token. */
  readonly resolver: JWTVerifyGetKey = (header, token) => this.keyFor(header, token);

  constructor(
    private readonly config: Pick<JwtIssuerConfig, "jwksFile" | "jwksUrl">,
    private readonly logger: Logger,
  ) {
    this.remote =
      config.jwksUrl === ""
        ? undefined
        : createRemoteJWKSet(new URL(config.jwksUrl), {
            timeoutDuration: FETCH_TIMEOUT_MS,
            cooldownDuration: COOLDOWN_MS,
            cacheMaxAge: CACHE_MAX_AGE_MS,
            [customFetch]: boundedFetch,
          });
  }

  /** Reads the file and fetches the URL once, so a bad JWKS file is reported at start. */
  async load(): Promise<void> {
    this.refreshFile();
    if (this.remote === undefined) return;
    try {
      await this.remote.reload();
      this.logger.info("JWKS fetched", { url: this.config.jwksUrl, keys: this.remote.jwks()?.keys.length ?? 0 });
    } catch (err) {
      this.logger.warn("JWKS fetch failed; tokens from this issuer fail until it succeeds", {
        url: this.config.jwksUrl,
        err,
      });
    }
  }

  private async keyFor(header: JWSHeaderParameters, token: FlattenedJWSInput) {
    const file = this.refreshFile();
    if (header.alg === "HS256") return secretFor(header, file?.secrets ?? []);
    if (file !== undefined) {
      try {
        return await file.keys(header, token);
      } catch (err) {
        if (!(err instanceof errors.JWKSNoMatchingKey) || this.remote === undefined) throw err;
      }
    }
    if (this.remote === undefined) throw new errors.JWKSNoMatchingKey();
    try {
      return await this.remote(header, token);
    } catch (err) {
      const cached = this.remote.jwks();
      if (err instanceof errors.JWKSNoMatchingKey || err instanceof errors.JWKSMultipleMatchingKeys || !cached)
        throw err;
      this.logger.warn("JWKS fetch failed; verifying with the keys fetched before", { url: this.config.jwksUrl, err });
      return createLocalJWKSet(cached)(header, token);
    }
  }

  /** The file's key set, read again when the file changed; keeps the last good one while a rotation is half done. */
  private refreshFile(): FileKeys | undefined {
    const path = this.config.jwksFile;
    if (path === "") return undefined;
    let version: string;
    try {
      const stat = statSync(path);
      version = `${stat.mtimeMs}:${stat.size}`;
    } catch (err) {
      if (this.file === undefined) throw new Error(`JWKS file ${path} cannot be read: ${(err as Error).message}`);
      return this.file;
    }
    if (version === this.file?.version) return this.file;
    try {
      const jwks = parseJwks(readFileSync(path, "utf8"), path);
      const publicKeys = jwks.keys.filter((jwk) => jwk.kty !== "oct");
      const secrets = jwks.keys
        .filter((jwk) => jwk.kty === "oct" && (jwk.use === undefined || jwk.use === "sig"))
        .map((jwk) => ({ kid: jwk.kid, secret: Buffer.from(jwk.k ?? "", "base64url") }));
      this.file = { version, keys: createLocalJWKSet({ keys: publicKeys }), secrets };
      this.logger.info("JWKS file loaded", { file: path, keys: jwks.keys.length });
    } catch (err) {
      if (this.file === undefined) throw err;
      this.logger.warn("JWKS file changed but cannot be used; keeping the keys read before", { file: path, err });
    }
    return this.file;
  }
}

/**
 * The HMAC secret for an HS256 token: the one whose "kid" the token names,
 * or, without one, each secret in turn (thrown as jose's multiple-keys error,
 * which the verifier iterates). Only "oct" keys are ever secrets.
 */
function secretFor(header: JWSHeaderParameters, secrets: FileKeys["secrets"]): Uint8Array {
  const matching = secrets.filter(
    (entry) => header.kid === undefined || entry.kid === undefined || entry.kid === header.kid,
  );
  if (matching.length === 0) throw new errors.JWKSNoMatchingKey();
  if (matching.length === 1) return matching[0]!.secret;
  const several = new errors.JWKSMultipleMatchingKeys();
  Object.defineProperty(several, Symbol.asyncIterator, {
    value: async function* () {
      for (const entry of matching) yield entry.secret;
    },
  });
  throw several;
}

/** A JWKS document, checked: JSON with a "keys" list of objects, no key too weak to trust. */
export function parseJwks(text: string, source: string): JSONWebKeySet {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (err) {
    throw new Error(`JWKS ${source} is not JSON: ${(err as Error).message}`);
  }
  const keys = (document as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(keys)) throw new Error(`JWKS ${source} has no "keys" list`);
  for (const [index, jwk] of keys.entries()) {
    if (typeof jwk !== "object" || jwk === null) throw new Error(`JWKS ${source}: keys[${index}] is not an object`);
    const weakness = weakKeyProblem(jwk as Record<string, unknown>);
    if (weakness !== undefined) throw new Error(`JWKS ${source} keys[${index}]: ${weakness}`);
  }
  return document as JSONWebKeySet;
}

function weakKeyProblem(jwk: Record<string, unknown>): string | undefined {
  if (jwk.kty === "RSA" && typeof jwk.n === "string") {
    const bits = Buffer.from(jwk.n, "base64url").length * 8;
    if (bits < 2048) return `RSA key of ${bits} bits; at least 2048 are required`;
  }
  if (jwk.kty === "oct") {
    if (typeof jwk.k !== "string") return `"oct" key without "k"`;
    const bytes = Buffer.from(jwk.k, "base64url").length;
    if (bytes < 32) return `HS256 secret of ${bytes} bytes; at least 32 are required`;
  }
  return undefined;
}

/** fetch for the remote key set: no redirects, and a JWKS larger than MAX_JWKS_BYTES is refused. */
async function boundedFetch(url: string, options: RequestInit): Promise<Response> {
  const response = await fetch(url, { ...options, redirect: "error" });
  const text = await response.text();
  if (Buffer.byteLength(text) > MAX_JWKS_BYTES)
    throw new Error(`JWKS at ${url} is larger than ${MAX_JWKS_BYTES} bytes`);
  return new Response(text, { status: response.status, headers: response.headers });
}
