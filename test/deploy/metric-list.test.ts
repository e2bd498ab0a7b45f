/**
 * deploy/prometheus/metrics.txt is what scripts/check-deploy.sh checks alert
 * rules and dashboards against; this test keeps it equal to what a server
 * registers (names, types and label names), so renaming a metric in src/
 * without the alerts and the dashboard fails here and not in production.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CatalogMetrics } from "../../src/observability/metrics.js";

const listPath = join(import.meta.dirname, "../../deploy/prometheus/metrics.txt");

/** "name type labels" per metric, labels sorted, as metrics.txt spells them. */
function listed(): string[] {
  return readFileSync(listPath, "utf8")
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#"))
    .map((line) => {
      const [name, type, labels = ""] = line.split(/\s+/);
      return `${name} ${type} ${labels.split(",").filter(Boolean).sort().join(",")}`;
    })
    .sort();
}

async function registered(): Promise<string[]> {
  const metrics = new CatalogMetrics();
  const lines = await Promise.all(
    metrics.registry.getMetricsAsArray().map(async ({ name }) => {
      const metric = metrics.registry.getSingleMetric(name)!;
      // prom-client types `type` as a numeric enum; at run time it is the exposition's type name.
      const { type } = await metric.get();
      const labelNames = (metric as unknown as { labelNames: readonly string[] }).labelNames;
      return `${name} ${String(type)} ${[...labelNames].sort().join(",")}`;
    }),
  );
  return lines.sort();
}

describe("deploy/prometheus/metrics.txt", () => {
  it("lists exactly the metrics a server registers, with their types and labels", async () => {
    expect(listed()).toEqual(await registered());
  });
});
