/**
 * The browser's clients of the catalog: the generated services over
 * Connect-Web, speaking the Connect protocol with JSON to the origin that
 * served the page (same origin, so no CORS), as any other client sees the
 * API. A token the user enters is kept in sessionStorage (this tab only) and
 * sent as `authorization: Bearer <token>`.
 */
import { type Client, Code, ConnectError, createClient, type Interceptor } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-web";
import { fieldViolations } from "../../gen/ts/src/client/errors.js";
import { CatalogService } from "../../gen/ts/src/nestor/catalog/v1/catalog_service_pb.js";
import { SyncService } from "../../gen/ts/src/nestor/catalog/v1/sync_service_pb.js";

const TOKEN_KEY = "nestor-catalog.token";

export type CatalogClient = Client<typeof CatalogService>;
export type SyncClient = Client<typeof SyncService>;

/** The token entered in this tab, or "" when none. */
export function storedToken(): string {
  return sessionStorage.getItem(TOKEN_KEY) ?? "";
}

export function storeToken(token: string): void {
  const trimmed = token.trim();
  if (trimmed === "") sessionStorage.removeItem(TOKEN_KEY);
  else sessionStorage.setItem(TOKEN_KEY, trimmed);
}

const bearerToken: Interceptor = (next) => (req) => {
  const token = storedToken();
  if (token !== "") req.header.set("authorization", `Bearer ${token}`);
  return next(req);
};

const transport = createConnectTransport({
  baseUrl: window.location.origin,
  useBinaryFormat: false,
  interceptors: [bearerToken],
});

export const catalog: CatalogClient = createClient(CatalogService, transport);
export const sync: SyncClient = createClient(SyncService, transport);

export interface ErrorReport {
  /** A short headline saying what it means for the user. */
  title: string;
  /** The server's own message, which names the field, value or role at fault. */
  detail: string;
  code: Code | undefined;
  fields: string[];
}

/** What to tell the user about a failed call. */
export function describeError(err: unknown): ErrorReport {
  if (!(err instanceof ConnectError)) {
    return { title: "Something went wrong", detail: String(err), code: undefined, fields: [] };
  }
  const fields = fieldViolations(err).map((v) => `${v.field}: ${v.description}`);
  return { title: headline(err.code), detail: err.rawMessage, code: err.code, fields };
}

function headline(code: Code): string {
  switch (code) {
    case Code.Unauthenticated:
      return "Sign-in needed: this catalog asks for an API key or bearer token (enter one under Credentials)";
    case Code.PermissionDenied:
      return "Permission denied: the credentials in use may not read this";
    case Code.NotFound:
      return "Not found";
    case Code.InvalidArgument:
      return "The request was refused";
    case Code.OutOfRange:
      return "Those events are no longer in the catalog's log";
    case Code.Unavailable:
      return "The catalog is unavailable; try again in a moment";
    case Code.ResourceExhausted:
      return "Too many requests; slow down and try again";
    case Code.Canceled:
      return "Cancelled";
    default:
      return `The catalog answered ${Code[code] ?? code}`;
  }
}

/** True for the error an aborted call ends with (navigating away), which is not worth showing. */
export function isAbort(err: unknown): boolean {
  return err instanceof ConnectError && err.code === Code.Canceled;
}
