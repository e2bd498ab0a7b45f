/**
 * An example consumer: registers itself as a consumer of NAME@CONSTRAINT,
 * reads the version the constraint resolves to now, then lets the server
 * tell it each time that changes (followConstraint: a resuming WatchEvents
 * with filter.resolution). It never resolves a constraint itself.
 *
 *   npx tsx follow.ts --component aws-rds-mysql --constraint "~> 1.2" [--consumer ID] [--url URL] [--duration S]
 */
import { parseArgs } from "node:util";
import { createCatalogClient, followConstraint } from "@nestor/catalog-client";

const { values } = parseArgs({
  options: {
    url: { type: "string", default: process.env.NESTOR_CATALOG_URL ?? "http://127.0.0.1:8080" },
    consumer: { type: "string", default: "example-processor" },
    component: { type: "string", default: "aws-rds-mysql" },
    constraint: { type: "string", default: "" },
    duration: { type: "string" },
    token: { type: "string", default: process.env.NESTOR_CATALOG_TOKEN ?? "" },
  },
});

const stop = new AbortController();
process.once("SIGINT", () => stop.abort());
process.once("SIGTERM", () => stop.abort());
if (values.duration) setTimeout(() => stop.abort(), Number(values.duration) * 1000).unref();

const client = createCatalogClient(values.url, {
  timeoutMs: 10_000,
  ...(values.token ? { headers: { authorization: `Bearer ${values.token}` } } : {}),
});
const { consumer, component: name, constraint } = values;
const followed = `${name}@${JSON.stringify(constraint)}`;
try {
  await client.registerConsumer({ consumer, name, constraint, labels: { example: "processor-ts" } });
  const now = await client.getComponent({ name, version: constraint });
  console.log(`following ${followed} as ${consumer}: now ${now.component?.version} at revision ${now.revision}`);
  for await (const change of followConstraint(client, name, constraint, {
    startRevision: now.revision,
    signal: stop.signal,
  })) {
    console.log(
      `now ${change.newVersion || "(none)"} (was ${change.oldVersion || "(none)"}) at revision ${change.revision}`,
    );
  }
  console.log("stopped");
} catch (err) {
  console.error(`consumer failed: ${String(err)}`);
  process.exitCode = 1;
}
