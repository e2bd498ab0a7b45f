/**
 * Static API keys. The config holds only "sha256:<hex>" of each key; a
 * presented key is hashed and compared against every configured hash in
 * constant time, so neither the match nor its position leaks through timing.
 * Keys are high-entropy random strings (`nestor-catalog hash-key` makes
 * them), so a plain SHA-256 is enough; no password stretching is needed.
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import type { ApiKeyConfig } from "../../config/schema.js";
import type { Identity } from "./identity.js";

const PREFIX = "sha256:";

export function hashApiKey(key: string): string {
  return PREFIX + createHash("sha256").update(key, "utf8").digest("hex");
}

/** A new random API key: "nck_" and 43 base64url characters (256 bits). */
export function generateApiKey(): string {
  return `nck_${randomBytes(32).toString("base64url")}`;
}

export class ApiKeyVerifier {
  private readonly digests: { digest: Buffer; config: ApiKeyConfig }[];

  constructor(keys: readonly ApiKeyConfig[]) {
    this.digests = keys.map((config) => ({ digest: Buffer.from(config.hash.slice(PREFIX.length), "hex"), config }));
  }

  get configured(): boolean {
    return this.digests.length > 0;
  }

  /** The identity of `key`, or undefined when it is not a configured key. */
  verify(key: string): Identity | undefined {
    const presented = createHash("sha256").update(key, "utf8").digest();
    let found: ApiKeyConfig | undefined;
    for (const { digest, config } of this.digests) {
      // No early exit: every configured key costs the same comparison.
      if (timingSafeEqual(presented, digest) && found === undefined) found = config;
    }
    if (!found) return undefined;
    return {
      name: `api-key:${found.name}`,
      kind: "api-key",
      role: found.role,
      scope: { namePrefixes: found.namePrefixes, providers: found.providers },
    };
  }
}
