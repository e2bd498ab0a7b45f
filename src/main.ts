/**
 * The nestor-catalog command: serve, migrate, validate, validate-inputs, help. Reads the config once,
 * builds the logger, and hands over to src/app.ts.
 */
import { parseArgs } from "node:util";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { Health, HealthCheckResponse_ServingStatus } from "../gen/ts/src/grpc/health/v1/health_pb.js";
import { generateApiKey, hashApiKey } from "./api/auth/index.js";
import { startCatalogServer } from "./app.js";
import { formatProblem, validateTree } from "./catalog/sync/index.js";
import { validateInputsCommand } from "./commands/validate-inputs.js";
import { ConfigError, loadConfig } from "./config/load.js";
import type { CatalogConfig } from "./config/schema.js";
import { createLogger } from "./logging/index.js";
import { migrateStore } from "./storage/factory.js";
import { packageVersion } from "./version.js";

const USAGE = `nestor-catalog — the Nestor component catalog (gRPC, gRPC-Web and Connect on one port)

Usage:
  nestor-catalog serve   [--config FILE] [--host HOST] [--port PORT] [--storage TYPE] [--data-dir DIR] [--insecure]
  nestor-catalog migrate [--config FILE]   apply schema migrations (postgres, mysql, a hybrid store's SQL replicas)
                                          or create the table (dynamodb)
  nestor-catalog healthcheck [--url URL]   exit 0 when the server at URL (default from config) reports SERVING
  nestor-catalog validate DIR             check the component definitions under DIR offline, with the
                                          server's rules (file:line: message; exit 1 on any problem)
  nestor-catalog validate-inputs NAME@CONSTRAINT VALUES.yaml [--url URL]
                                          check input values against the version the constraint resolves
                                          to on the server at URL (path: message; exit 1 on any problem;
                                          NESTOR_TOKEN is sent as a bearer token when set)
  nestor-catalog hash-key [--stdin]       print a new API key and its hash for auth.apiKeys
                                          (--stdin: hash the key read from standard input instead)
  nestor-catalog --help | --version

Configuration comes from the YAML file given by --config or NESTOR_CONFIG, then
NESTOR_* environment variables (e.g. NESTOR_STORAGE_TYPE=memory, NESTOR_SERVER_PORT=9090),
then the flags above. docs/configuration.md lists every key.
Defaults: 127.0.0.1:8080, embedded storage in ./data.
Without authentication configured the server listens on loopback only; --insecure
(server.insecure) allows another address and logs a warning at every start.
docs/security.md explains API keys, JWTs, TLS and mTLS.
`;

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      config: { type: "string" },
      host: { type: "string" },
      port: { type: "string" },
      storage: { type: "string" },
      "data-dir": { type: "string" },
      url: { type: "string" },
      insecure: { type: "boolean" },
      stdin: { type: "boolean" },
      help: { type: "boolean", short: "h" },
      version: { type: "boolean" },
    },
  });
  const command = positionals[0] ?? (values.help ? "help" : values.version ? "version" : "help");
  if (values.help || command === "help") {
    process.stdout.write(USAGE);
    return 0;
  }
  if (values.version || command === "version") {
    process.stdout.write(`${packageVersion()}\n`);
    return 0;
  }
  if (command === "validate") return validateDefinitions(positionals[1]);
  if (command === "hash-key") return printKeyHash(values.stdin === true);
  const env = { ...process.env };
  if (values.insecure) env.NESTOR_SERVER_INSECURE = "true";
  if (values.host !== undefined) env.NESTOR_SERVER_HOST = values.host;
  if (values.port !== undefined) env.NESTOR_SERVER_PORT = values.port;
  if (values.storage !== undefined) env.NESTOR_STORAGE_TYPE = values.storage;
  if (values["data-dir"] !== undefined) env.NESTOR_STORAGE_EMBEDDED_DATA_DIR = values["data-dir"];
  let config: CatalogConfig;
  try {
    config = loadConfig({ ...(values.config !== undefined ? { file: values.config } : {}), env });
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`nestor-catalog: invalid configuration: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  const logger = createLogger(config.logging, { service: "nestor-catalog" });

  switch (command) {
    case "serve":
      return serveUntilSignalled(config, logger);
    case "healthcheck":
      return checkHealth(values.url ?? localUrl(config));
    case "validate-inputs":
      return validateInputsCommand(
        { target: positionals[1], file: positionals[2], url: values.url ?? localUrl(config), token: env.NESTOR_TOKEN },
        { out: (text) => process.stdout.write(text), err: (text) => process.stderr.write(text) },
      );
    case "migrate":
      logger.info(await migrateStore(config.storage, logger));
      return 0;
    default:
      process.stderr.write(`nestor-catalog: unknown command "${command}"\n\n${USAGE}`);
      return 2;
  }
}

async function serveUntilSignalled(config: CatalogConfig, logger: ReturnType<typeof createLogger>): Promise<number> {
  const server = await startCatalogServer(config, logger);
  return new Promise((resolve) => {
    let signals = 0;
    const onSignal = (signal: NodeJS.Signals) => {
      signals += 1;
      if (signals > 1) {
        logger.warn("second signal: exiting without draining", { signal });
        resolve(1);
        return;
      }
      logger.info("signal received: draining", { signal });
      server.shutdown().then(
        () => resolve(0),
        (err: unknown) => {
          logger.error("shutdown failed", { err });
          resolve(1);
        },
      );
    };
    process.on("SIGTERM", onSignal);
    process.on("SIGINT", onSignal);
  });
}

function localUrl(config: CatalogConfig): string {
  const host = config.server.host === "0.0.0.0" || config.server.host === "::" ? "127.0.0.1" : config.server.host;
  const scheme = config.server.tls.certFile !== "" ? "https" : "http";
  return `${scheme}://${host.includes(":") ? `[${host}]` : host}:${config.server.port}`;
}

/** One grpc.health.v1 Check over gRPC, for container health checks. */
async function checkHealth(url: string): Promise<number> {
  const client = createClient(Health, createGrpcTransport({ baseUrl: url }));
  try {
    const response = await client.check({ service: "" }, { timeoutMs: 3_000 });
    const status = HealthCheckResponse_ServingStatus[response.status] ?? String(response.status);
    process.stdout.write(`${url}: ${status}\n`);
    return response.status === HealthCheckResponse_ServingStatus.SERVING ? 0 : 1;
  } catch (err) {
    process.stdout.write(`${url}: unreachable: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}

/** A new key and its hash, or the hash of a key piped in (so it stays out of shell history). */
async function printKeyHash(fromStdin: boolean): Promise<number> {
  if (!fromStdin) {
    const key = generateApiKey();
    process.stdout.write(`key:  ${key}\nhash: ${hashApiKey(key)}\n`);
    process.stderr.write("Give the key to the caller; put only the hash in auth.apiKeys[].hash.\n");
    return 0;
  }
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  const key = Buffer.concat(chunks)
    .toString("utf8")
    .replace(/\r?\n$/, "");
  if (key === "") {
    process.stderr.write("nestor-catalog hash-key: no key on standard input\n");
    return 2;
  }
  process.stdout.write(`${hashApiKey(key)}\n`);
  return 0;
}

/** `validate DIR`: every problem as file:line: message on stdout, a summary on stderr. */
async function validateDefinitions(dir: string | undefined): Promise<number> {
  if (dir === undefined) {
    process.stderr.write(
      "nestor-catalog validate: give the directory to check, e.g. nestor-catalog validate ./components\n",
    );
    return 2;
  }
  let report;
  try {
    report = await validateTree(dir);
  } catch (err) {
    process.stderr.write(
      `nestor-catalog validate: cannot read ${dir}: ${err instanceof Error ? err.message : String(err)}\n`,
    );
    return 2;
  }
  for (const problem of report.problems) process.stdout.write(`${formatProblem(problem)}\n`);
  const count = report.problems.length;
  process.stderr.write(
    `${report.files} files, ${report.definitions} valid definitions, ${count} problem${count === 1 ? "" : "s"}\n`,
  );
  return count > 0 ? 1 : 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`nestor-catalog: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
