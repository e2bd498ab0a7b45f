/**
 * The DynamoDB client and the one place DynamoDB/SDK failures become
 * CatalogErrors. Timeouts come from the request handler (a call past
 * timeoutMs fails instead of hanging); throttling is retried by the SDK's
 * adaptive retry mode (client-side rate limiting plus exponential backoff).
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { DynamoDbConfig } from "../../config/schema.js";
import { CatalogError } from "../../errors/index.js";

/** Attempts per call, first one included, for throttling and transient network errors. */
const MAX_ATTEMPTS = 4;

export function createDynamoClient(config: DynamoDbConfig): DynamoDBClient {
  return new DynamoDBClient({
    region: config.region,
    ...(config.endpoint !== "" ? { endpoint: config.endpoint } : {}),
    retryMode: "adaptive",
    maxAttempts: MAX_ATTEMPTS,
    requestHandler: {
      connectionTimeout: config.timeoutMs,
      requestTimeout: config.timeoutMs,
      throwOnRequestTimeout: true,
    },
  });
}

/** Error names DynamoDB and the SDK use for "try again later". */
const UNAVAILABLE_NAMES = new Set([
  "ProvisionedThroughputExceededException",
  "ThrottlingException",
  "RequestLimitExceeded",
  "InternalServerError",
  "ServiceUnavailable",
  "TimeoutError",
  "RequestTimeout",
  "AbortError",
  "CredentialsProviderError",
  "UnrecognizedClientException",
  "NetworkingError",
]);

const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EPIPE",
]);

function errorName(err: unknown): string {
  return err instanceof Error ? err.name : "";
}

function errorCode(err: unknown): string {
  if (err === null || typeof err !== "object") return "";
  const code = (err as { code?: unknown }).code;
  return typeof code === "string" ? code : "";
}

export function missingTableError(tableName: string, region: string, cause?: unknown): CatalogError {
  return new CatalogError(
    "FAILED_PRECONDITION",
    `DynamoDB table "${tableName}" (region ${region}) does not exist or is not ready: ` +
      "run `nestor-catalog migrate` to create it and its indexes (or set storage.dynamodb.migrateOnStart)",
    [],
    { cause },
  );
}

/** Maps any failure of a DynamoDB call made while doing `what` to a CatalogError. */
export function mapDynamoError(err: unknown, config: DynamoDbConfig, what: string): CatalogError {
  if (err instanceof CatalogError) return err;
  const name = errorName(err);
  const target = `DynamoDB table "${config.tableName}"${config.endpoint ? ` at ${config.endpoint}` : ""}`;
  if (name === "ResourceNotFoundException") return missingTableError(config.tableName, config.region, err);
  if (UNAVAILABLE_NAMES.has(name) || NETWORK_CODES.has(errorCode(err)) || isNetworkMessage(err)) {
    return CatalogError.unavailable(`${target} (${what})`, err);
  }
  const detail = err instanceof Error ? `${name}: ${err.message}` : String(err);
  return new CatalogError("INTERNAL", `${target} refused ${what}: ${detail}`, [], { cause: err });
}

function isNetworkMessage(err: unknown): boolean {
  return err instanceof Error && /ECONNREFUSED|ECONNRESET|socket hang up|timed? ?out/i.test(err.message);
}

/** Runs one DynamoDB call, translating its failure. */
export async function call<T>(config: DynamoDbConfig, what: string, send: () => Promise<T>): Promise<T> {
  try {
    return await send();
  } catch (err) {
    throw mapDynamoError(err, config, what);
  }
}
