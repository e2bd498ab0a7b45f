/**
 * TLS settings for the transport: certificate and key, client certificates
 * against a CA (mTLS), TLS 1.2 at least, and hot reload — the files are
 * polled and a changed set is swapped in with setSecureContext, so new
 * connections get the new certificate while open ones carry on. A half
 * written rotation (key and certificate not matching yet) is logged and the
 * previous context kept.
 */
import { readFileSync, unwatchFile, watchFile } from "node:fs";
import type { SecureServerOptions } from "node:http2";
import { createSecureContext, type SecureContextOptions } from "node:tls";
import type { TlsConfig } from "../../config/schema.js";
import type { Logger } from "../../logging/index.js";

const MIN_VERSION = "TLSv1.2";

function contextOptions(tls: TlsConfig): SecureContextOptions {
  return {
    cert: readFileSync(tls.certFile),
    key: readFileSync(tls.keyFile),
    ...(tls.clientCaFile !== "" ? { ca: readFileSync(tls.clientCaFile) } : {}),
    minVersion: MIN_VERSION,
  };
}

export function secureServerOptions(tls: TlsConfig): SecureServerOptions {
  const mtls = tls.clientCaFile !== "";
  return {
    ...contextOptions(tls),
    // Without requireClientCert a certificate is optional (health probes, token callers);
    // one that is sent must still verify to count (see peer.ts).
    requestCert: mtls,
    rejectUnauthorized: mtls && tls.requireClientCert,
    allowHTTP1: true,
    ALPNProtocols: ["h2", "http/1.1"],
  };
}

export interface ReloadableTlsServer {
  setSecureContext(options: SecureContextOptions): void;
}

/** Polls the TLS files and reloads the server's context when one changes; returns a stop function. */
export function watchTlsFiles(server: ReloadableTlsServer, tls: TlsConfig, logger: Logger): () => void {
  const files = [tls.certFile, tls.keyFile, tls.clientCaFile].filter((file) => file !== "");
  const reload = () => {
    try {
      const options = contextOptions(tls);
      createSecureContext(options); // throws on a mismatched or unreadable pair before anything is swapped
      server.setSecureContext(options);
      logger.info("TLS certificate reloaded", { cert_file: tls.certFile });
    } catch (err) {
      logger.warn("TLS files changed but cannot be used; keeping the previous certificate", { err });
    }
  };
  const onChange = (current: { mtimeMs: number }, previous: { mtimeMs: number }) => {
    if (current.mtimeMs !== previous.mtimeMs) reload();
  };
  for (const file of files) watchFile(file, { interval: tls.reloadIntervalMs, persistent: false }, onChange);
  return () => {
    for (const file of files) unwatchFile(file, onChange);
  };
}
