/**
 * Secure by default: a server with no authentication configured trusts
 * every caller, so it may listen only on loopback. Listening anywhere else
 * without authentication needs server.insecure (`--insecure`), and then
 * every start logs a warning.
 */
import { isIP } from "node:net";
import type { ServerConfig } from "../../config/schema.js";
import type { Logger } from "../../logging/index.js";

export function isLoopbackHost(host: string): boolean {
  if (host === "localhost" || host === "::1" || host === "0:0:0:0:0:0:0:1") return true;
  if (isIP(host) === 4) return host.startsWith("127.");
  return /^::ffff:127\./i.test(host);
}

/** Throws when the server must not start as configured; warns when it starts insecure. */
export function enforceBindPolicy(server: ServerConfig, authEnabled: boolean, logger: Logger): void {
  if (authEnabled) {
    if (server.insecure) logger.warn("server.insecure is set but has no effect: authentication is configured");
    return;
  }
  if (server.insecure) {
    logger.warn(
      "INSECURE: no authentication is configured and every caller may read and write the catalog " +
        "(server.insecure / --insecure)",
      {
        host: server.host,
      },
    );
    return;
  }
  if (!isLoopbackHost(server.host)) {
    throw new Error(
      `refusing to listen on ${server.host} without authentication: configure auth.apiKeys, auth.jwt.issuers ` +
        "or auth.clientCertificates (docs/security.md), listen on 127.0.0.1, or pass --insecure to accept that " +
        "anyone who can reach the port may write to the catalog",
    );
  }
}
