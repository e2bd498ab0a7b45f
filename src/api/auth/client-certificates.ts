/**
 * Client certificates (mTLS) as identities. The TLS handshake has already
 * verified the chain against server.tls.clientCaFile; here a verified
 * certificate's subject CN or one of its subjectAltName values is looked up
 * in auth.clientCertificates.
 */
import type { PeerCertificate } from "node:tls";
import type { ClientCertificateConfig } from "../../config/schema.js";
import type { Identity } from "./identity.js";

export class ClientCertificateMapper {
  private readonly bySubject: Map<string, ClientCertificateConfig>;

  constructor(entries: readonly ClientCertificateConfig[]) {
    this.bySubject = new Map(entries.map((entry) => [entry.subject, entry]));
  }

  get configured(): boolean {
    return this.bySubject.size > 0;
  }

  /** The identity of a verified certificate, or undefined when none of its names is configured. */
  identify(cert: PeerCertificate): Identity | undefined {
    for (const name of certificateNames(cert)) {
      const entry = this.bySubject.get(name);
      if (entry) {
        return {
          name: `cert:${name}`,
          kind: "client-certificate",
          role: entry.role,
          scope: { namePrefixes: entry.namePrefixes, providers: entry.providers },
        };
      }
    }
    return undefined;
  }
}

/** The subject CN, then every subjectAltName value without its "DNS:"/"URI:"/"email:"/"IP Address:" tag. */
export function certificateNames(cert: PeerCertificate): string[] {
  const names: string[] = [];
  const cn = cert.subject?.CN;
  if (typeof cn === "string") names.push(cn);
  else if (Array.isArray(cn)) names.push(...(cn as string[]));
  for (const entry of (cert.subjectaltname ?? "").split(/,\s*/)) {
    const colon = entry.indexOf(":");
    if (colon > 0) names.push(entry.slice(colon + 1));
  }
  return names.filter((name) => name !== "");
}
