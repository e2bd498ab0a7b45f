/**
 * `nestor-catalog validate-inputs NAME@CONSTRAINT values.yaml`: the values
 * file checked by a running catalog's ValidateInputs against the version
 * the constraint resolves to (the rules publishing applies; the server
 * holds the definitions). Prints each problem as `path: message (RULE)` on
 * stdout and a summary, with any warning about the version, on stderr.
 * Exit 0: valid; 1: problems; 2: the command could not check (usage, an
 * unreadable file, the server's error).
 */
import { readFile } from "node:fs/promises";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { parse } from "yaml";
import { CatalogService } from "../../gen/ts/src/nestor/catalog/v1/catalog_service_pb.js";
import type { JsonObject } from "../storage/records.js";

export interface ValidateInputsArgs {
  /** NAME@CONSTRAINT (the constraint may be empty: latest). */
  target: string | undefined;
  file: string | undefined;
  url: string;
  /** Sent as a bearer token when set (NESTOR_TOKEN). */
  token: string | undefined;
}

export interface Output {
  out(text: string): void;
  err(text: string): void;
}

export async function validateInputsCommand(args: ValidateInputsArgs, io: Output): Promise<number> {
  const at = args.target?.indexOf("@") ?? -1;
  if (args.target === undefined || args.file === undefined || at <= 0) {
    io.err(
      "nestor-catalog validate-inputs: give NAME@CONSTRAINT and a values file, e.g. aws-rds-mysql@~>1.2 values.yaml\n",
    );
    return 2;
  }
  const name = args.target.slice(0, at);
  const version = args.target.slice(at + 1);
  const values = await readValues(args.file, io);
  if (values === undefined) return 2;
  const client = createClient(CatalogService, createGrpcTransport({ baseUrl: args.url }));
  const headers = args.token ? { authorization: `Bearer ${args.token}` } : undefined;
  try {
    const answer = await client.validateInputs({ name, version, values }, { timeoutMs: 10_000, headers });
    for (const violation of answer.violations) {
      io.out(`${violation.field}: ${violation.description}${violation.reason ? ` (${violation.reason})` : ""}\n`);
    }
    for (const warning of answer.warnings) io.err(`warning: ${warning.message}\n`);
    const count = answer.violations.length;
    const verdict = count === 0 ? "the values are valid" : `${count} problem${count === 1 ? "" : "s"}`;
    io.err(`${name} ${answer.version} (resolved from "${version || "latest"}"): ${verdict}\n`);
    return count === 0 ? 0 : 1;
  } catch (err) {
    const why = err instanceof ConnectError ? `${Code[err.code]}: ${err.rawMessage}` : String(err);
    io.err(`nestor-catalog validate-inputs: ${args.url}: ${why}\n`);
    return 2;
  }
}

/** The file's YAML (or JSON) mapping of input values; undefined, after saying why, when it is not one. */
async function readValues(file: string, io: Output): Promise<JsonObject | undefined> {
  let value: unknown;
  try {
    value = parse(await readFile(file, "utf8"));
  } catch (err) {
    io.err(
      `nestor-catalog validate-inputs: cannot read ${file}: ${err instanceof Error ? err.message : String(err)}\n`,
    );
    return undefined;
  }
  if (value === null || value === undefined) return {};
  if (typeof value !== "object" || Array.isArray(value)) {
    io.err(`nestor-catalog validate-inputs: ${file} must hold a mapping of input names to values\n`);
    return undefined;
  }
  return value as JsonObject;
}
