/**
 * ValidateInputs against GetComponent through the server: requests/s of
 * both calls on the same name and constraint, for a component with 50
 * inputs (strings with patterns and lengths, numbers with bounds, allowed
 * values, lists, maps) and values for every one of them. Rounds alternate
 * the two calls so machine noise lands on both; the target is
 * ValidateInputs >= 0.8x GetComponent requests/s (median of rounds).
 *
 *   node --import tsx bench/consumer/validate-inputs.ts [--rounds 5] [--duration-ms 3000] [--concurrency 16]
 */
import { parseArgs } from "node:util";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport, Http2SessionManager } from "@connectrpc/connect-node";
import { CatalogService } from "../../gen/ts/src/nestor/catalog/v1/catalog_service_pb.js";
import { ValueType } from "../../gen/ts/src/nestor/catalog/v1/component_pb.js";
import { fmt, median, ratio, table } from "../unary/stats.js";
import { startServer } from "./spawn-server.js";

const { values: args } = parseArgs({
  options: {
    rounds: { type: "string", default: "5" },
    "duration-ms": { type: "string", default: "3000" },
    concurrency: { type: "string", default: "16" },
  },
});
const ROUNDS = Number(args.rounds);
const DURATION_MS = Number(args["duration-ms"]);
const CONCURRENCY = Number(args.concurrency);
const NAME = "bench-fifty-inputs";
const CONSTRAINT = "~> 1.2";

type InputInit = { name: string; type: ValueType; description: string; validation?: Record<string, unknown> };

/** 50 inputs, ten of each kind, and a value satisfying each. */
function fiftyInputs(): { inputs: InputInit[]; values: Record<string, unknown> } {
  const inputs: InputInit[] = [];
  const values: Record<string, unknown> = {};
  const str = (value: string) => ({ kind: { case: "stringValue" as const, value } });
  for (let i = 0; i < 10; i++) {
    inputs.push({
      name: `label_${i}`,
      type: ValueType.STRING,
      description: "a name",
      validation: { pattern: "[a-z][a-z0-9-]*", minLength: 3, maxLength: 63 },
    });
    values[`label_${i}`] = `orders-${i}`;
    inputs.push({
      name: `count_${i}`,
      type: ValueType.INTEGER,
      description: "n",
      validation: { minimum: 1, maximum: 100 },
    });
    values[`count_${i}`] = i + 1;
    inputs.push({
      name: `tier_${i}`,
      type: ValueType.STRING,
      description: "a tier",
      validation: { allowedValues: [str("small"), str("medium"), str("large")] },
    });
    values[`tier_${i}`] = "medium";
    inputs.push({ name: `zones_${i}`, type: ValueType.LIST, description: "zones", validation: { maxLength: 6 } });
    values[`zones_${i}`] = ["eu-west-1a", "eu-west-1b"];
    inputs.push({ name: `tags_${i}`, type: ValueType.MAP, description: "tags" });
    values[`tags_${i}`] = { team: "platform", cost_center: "42" };
  }
  return { inputs, values };
}

/** Keeps CONCURRENCY calls in flight for DURATION_MS; requests/s. */
async function measure(call: () => Promise<unknown>): Promise<number> {
  const end = performance.now() + DURATION_MS;
  let done = 0;
  const worker = async () => {
    while (performance.now() < end) {
      await call();
      done += 1;
    }
  };
  const start = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return done / ((performance.now() - start) / 1000);
}

const server = await startServer();
const sessions = new Http2SessionManager(server.url);
const client = createClient(CatalogService, createGrpcTransport({ baseUrl: server.url, sessionManager: sessions }));
try {
  const { inputs, values } = fiftyInputs();
  const deployment = { engine: "terraform", engineVersion: ">= 1.6", config: {} };
  await client.createComponent({
    component: { name: NAME, version: "1.2.0", provider: "aws", category: "bench", inputs, deployment },
  });
  const get = () => client.getComponent({ name: NAME, version: CONSTRAINT });
  const validate = () => client.validateInputs({ name: NAME, version: CONSTRAINT, values: values as never });
  const check = await client.validateInputs({ name: NAME, version: CONSTRAINT, values: values as never });
  if (!check.valid) throw new Error(`the bench values are not valid: ${JSON.stringify(check.violations)}`);
  const rows: string[][] = [];
  const ratios: number[] = [];
  for (let round = 1; round <= ROUNDS; round++) {
    const getRps = await measure(get);
    const validateRps = await measure(validate);
    ratios.push(validateRps / getRps);
    rows.push([String(round), fmt(getRps), fmt(validateRps), ratio(validateRps / getRps)]);
  }
  console.log(table(["round", "GetComponent req/s", "ValidateInputs req/s", "ratio"], rows));
  const result = median(ratios);
  console.log(`\nmedian ratio ${ratio(result)} (target >= 0.80x): ${result >= 0.8 ? "met" : "NOT met"}`);
} finally {
  sessions.abort();
  server.stop();
}
