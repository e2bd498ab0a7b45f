/**
 * Config rules for authentication, TLS client certificates and call limits
 * that span several keys (each key's own type and range is in schema.ts),
 * kept apart from load.ts so the loader stays about loading. load.ts throws
 * the problem found here as a ConfigError.
 */
import type { AuthConfig, CatalogConfig } from "./schema.js";

const API_KEY_HASH = /^sha256:[0-9a-f]{64}$/;
const METHOD_PATTERN = /^[A-Za-z_][\w.]*\/(\*|[A-Za-z_]\w*)$/;

/** True when any way of authenticating callers is configured. */
export function authConfigured(auth: AuthConfig): boolean {
  return auth.apiKeys.length > 0 || auth.jwt.issuers.length > 0 || auth.clientCertificates.length > 0;
}

/** The first problem with the auth, TLS-client and limits settings, or undefined. */
export function authConfigProblem(config: CatalogConfig): string | undefined {
  return (
    tlsProblem(config) ??
    apiKeysProblem(config.auth) ??
    issuersProblem(config.auth) ??
    clientCertificatesProblem(config) ??
    openMethodsProblem(config.auth)
  );
}

function tlsProblem({ server }: CatalogConfig): string | undefined {
  const tls = server.tls;
  if (tls.clientCaFile !== "" && tls.certFile === "")
    return "server.tls.clientCaFile needs server.tls.certFile and keyFile (mTLS runs over TLS)";
  if (tls.requireClientCert && tls.clientCaFile === "")
    return "server.tls.requireClientCert needs server.tls.clientCaFile";
  return undefined;
}

function apiKeysProblem(auth: AuthConfig): string | undefined {
  const names = new Set<string>();
  const hashes = new Set<string>();
  for (const [index, key] of auth.apiKeys.entries()) {
    const at = `auth.apiKeys[${index}]`;
    if (key.name === "") return `${at}.name is required (it is the identity recorded on writes)`;
    if (names.has(key.name)) return `${at}.name ${JSON.stringify(key.name)} is used twice`;
    names.add(key.name);
    if (!API_KEY_HASH.test(key.hash)) {
      return (
        `${at}.hash must be "sha256:" and 64 lower-case hex digits, ` +
        "as printed by `nestor-catalog hash-key` (never the key itself)"
      );
    }
    if (hashes.has(key.hash)) return `${at}.hash is the same as another key's`;
    hashes.add(key.hash);
  }
  return undefined;
}

function issuersProblem(auth: AuthConfig): string | undefined {
  const { issuers } = auth.jwt;
  const seen = new Set<string>();
  for (const [index, issuer] of issuers.entries()) {
    const at = `auth.jwt.issuers[${index}]`;
    if (issuer.issuer === "") return `${at}.issuer is required`;
    if (seen.has(issuer.issuer)) return `${at}.issuer ${JSON.stringify(issuer.issuer)} is configured twice`;
    seen.add(issuer.issuer);
    if (issuer.audiences.length === 0) return `${at}.audiences must name at least one audience`;
    if (issuer.jwksFile === "" && issuer.jwksUrl === "") return `${at} needs jwksFile or jwksUrl`;
    if (issuer.jwksUrl !== "" && !/^https?:\/\//.test(issuer.jwksUrl)) return `${at}.jwksUrl must be an http(s) URL`;
    if (issuer.algorithms.length === 0) return `${at}.algorithms must not be empty`;
    if (issuer.rolesClaim === "") return `${at}.rolesClaim must not be empty`;
  }
  return undefined;
}

function clientCertificatesProblem({ auth, server }: CatalogConfig): string | undefined {
  if (auth.clientCertificates.length > 0 && server.tls.clientCaFile === "") {
    return "auth.clientCertificates needs server.tls.clientCaFile (the CA that signs client certificates)";
  }
  for (const [index, cert] of auth.clientCertificates.entries()) {
    const at = `auth.clientCertificates[${index}]`;
    if (cert.subject === "") return `${at}.subject is required (a certificate CN or subjectAltName value)`;
  }
  return undefined;
}

function openMethodsProblem(auth: AuthConfig): string | undefined {
  for (const [index, method] of auth.openMethods.entries()) {
    if (!METHOD_PATTERN.test(method))
      return (
        `auth.openMethods[${index}] must look like "package.Service/Method" or "package.Service/*" ` +
        `(got ${JSON.stringify(method)})`
      );
  }
  return undefined;
}
