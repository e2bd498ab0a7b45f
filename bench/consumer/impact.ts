/**
 * GetImpact through the server on the memory store: one name with 30
 * versions over three majors and 1,000 registered consumers spread over
 * ten constraints; the latency of GetImpact for a yank, a deprecation and a
 * publish (dry run), one call at a time. The target is < 50 ms per call
 * (median); the p99 is shown beside it.
 *
 *   node --import tsx bench/consumer/impact.ts [--calls 200] [--consumers 1000]
 */
import { parseArgs } from "node:util";
import { create } from "@bufbuild/protobuf";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport, Http2SessionManager } from "@connectrpc/connect-node";
import { CatalogService, type GetImpactRequest } from "../../gen/ts/src/nestor/catalog/v1/catalog_service_pb.js";
import { ComponentSchema, ValueType } from "../../gen/ts/src/nestor/catalog/v1/component_pb.js";
import { fmt, percentile, table } from "../unary/stats.js";
import { startServer } from "./spawn-server.js";

const { values: args } = parseArgs({
  options: { calls: { type: "string", default: "200" }, consumers: { type: "string", default: "1000" } },
});
const CALLS = Number(args.calls);
const CONSUMERS = Number(args.consumers);
const NAME = "bench-impact";
const CONSTRAINTS = ["", "latest", "^1", "~> 1.2", "^2", "~2.3", ">=1.5 <3", "1.x || 2.x", "^3", "2.1.0"];

/** Version `major.minor.0`, with one more optional input per minor (compatible within a major). */
function component(major: number, minor: number) {
  const inputs = Array.from({ length: minor + 1 }, (_, i) => ({
    name: `input_${i}`,
    type: ValueType.STRING,
    description: "an input",
    defaultValue: { kind: { case: "stringValue" as const, value: "x" } },
  }));
  const deployment = { engine: "terraform", engineVersion: ">= 1.6", config: {} };
  return { name: NAME, version: `${major}.${minor}.0`, provider: "aws", category: "bench", inputs, deployment };
}

const server = await startServer();
const sessions = new Http2SessionManager(server.url);
const client = createClient(CatalogService, createGrpcTransport({ baseUrl: server.url, sessionManager: sessions }));
try {
  for (const major of [1, 2, 3]) {
    for (let minor = 0; minor < 10; minor++) await client.createComponent({ component: component(major, minor) });
  }
  for (let i = 0; i < CONSUMERS; i++) {
    const constraint = CONSTRAINTS[i % CONSTRAINTS.length] ?? "";
    await client.registerConsumer({ consumer: `processor-${i}`, name: NAME, constraint, labels: { shard: `${i}` } });
  }
  const changes: [string, GetImpactRequest["change"]][] = [
    ["yank 2.9.0", { case: "yankVersion", value: "2.9.0" }],
    ["deprecate 3.9.0", { case: "deprecateVersion", value: "3.9.0" }],
    ["publish 3.10.0", { case: "component", value: create(ComponentSchema, component(3, 10)) }],
  ];
  const rows: string[][] = [];
  let worst = 0;
  for (const [label, change] of changes) {
    const first = await client.getImpact({ name: NAME, change });
    if (first.impacts.length !== CONSUMERS) throw new Error(`${label}: ${first.impacts.length} impacts`);
    const latencies: number[] = [];
    for (let call = 0; call < CALLS; call++) {
      const start = performance.now();
      await client.getImpact({ name: NAME, change });
      latencies.push(performance.now() - start);
    }
    latencies.sort((a, b) => a - b);
    const p50 = percentile(latencies, 50);
    worst = Math.max(worst, p50);
    const moved = first.impacts.filter((impact) => impact.changed).length;
    rows.push([label, String(moved), fmt(p50, 2), fmt(percentile(latencies, 99), 2)]);
  }
  console.log(`${CONSUMERS} consumers of one name, ${CALLS} calls per change, memory store, gRPC\n`);
  console.log(table(["change", "consumers moved", "p50 ms", "p99 ms"], rows));
  console.log(`\nhighest median ${fmt(worst, 2)} ms (target < 50 ms): ${worst < 50 ? "met" : "NOT met"}`);
} finally {
  sessions.abort();
  server.stop();
}
