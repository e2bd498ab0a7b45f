/**
 * Who is calling and what they may do. An identity comes from exactly one
 * credential (API key, JWT or client certificate); its `name` is what writes
 * record as their actor and what logs show. Never the secret.
 */
import type { Role } from "../../config/schema.js";

export type { Role };
export type CredentialKind = "api-key" | "jwt" | "client-certificate" | "anonymous";

export interface WriteScope {
  /** Empty: every name is allowed. */
  namePrefixes: readonly string[];
  /** Empty: every provider is allowed. */
  providers: readonly string[];
}

export interface Identity {
  /** "api-key:ci", "jwt:https://issuer.example/#alice", "cert:publisher.example.com", "anonymous". */
  name: string;
  kind: CredentialKind;
  /** undefined: authenticated but granted no role. */
  role: Role | undefined;
  scope: WriteScope;
}

const RANK: Record<Role, number> = { reader: 1, publisher: 2, admin: 3 };

export function hasRole(identity: Identity, needed: Role): boolean {
  return identity.role !== undefined && RANK[identity.role] >= RANK[needed];
}

/** The highest role among `names` (unknown names ignored), or undefined. */
export function highestRole(names: readonly unknown[]): Role | undefined {
  let best: Role | undefined;
  for (const name of names) {
    if (typeof name !== "string" || !(name in RANK)) continue;
    const role = name as Role;
    if (best === undefined || RANK[role] > RANK[best]) best = role;
  }
  return best;
}

export const UNRESTRICTED: WriteScope = { namePrefixes: [], providers: [] };

/**
 * Why a write of (name, provider) is outside the scope, or undefined when it
 * is inside. Admins are never scoped. `provider` undefined means the caller's
 * write does not say (and the component does not exist yet).
 */
export function scopeViolation(identity: Identity, name: string, provider: string | undefined): string | undefined {
  if (identity.role === "admin") return undefined;
  const { namePrefixes, providers } = identity.scope;
  if (namePrefixes.length > 0 && !namePrefixes.some((prefix) => name.startsWith(prefix))) {
    const prefixes = namePrefixes.map((p) => JSON.stringify(p)).join(" or ");
    return `may only write components whose names start with ${prefixes}`;
  }
  if (providers.length > 0 && (provider === undefined || !providers.includes(provider))) {
    return `may only write components of provider ${providers.map((p) => JSON.stringify(p)).join(" or ")}`;
  }
  return undefined;
}

/**
 * The anonymous caller of a server with no authentication configured: trusted as admin (loopback or --insecure
 * only).
 */
export const UNAUTHENTICATED_ADMIN: Identity = {
  name: "anonymous",
  kind: "anonymous",
  role: "admin",
  scope: UNRESTRICTED,
};
