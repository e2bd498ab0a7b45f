/**
 * deploy/ is what operators copy: Kubernetes manifests, alert rules and a
 * dashboard. scripts/check-deploy.sh validates all of it (kubeconform
 * -strict, promtool, the metric-name and dashboard-schema checks); these
 * tests run it on deploy/ as committed, prove it fails on broken copies with
 * a message naming the fault, and check that the manifests and the catalog's
 * config agree (ports, drain timing, the config loading with the catalog's
 * own loader).
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../src/config/load.js";
import {
  catalogContainer,
  deployDir,
  deployTools,
  INSTALL_TIMEOUT_MS,
  type Manifest,
  podSpec,
  render,
  repoRoot,
  run,
  VARIANTS,
  writePodConfig,
} from "./harness.js";

const checkDeploy = (dir: string) => run("bash", [join(repoRoot, "scripts/check-deploy.sh"), dir]);

let tools: Record<string, string> = {};
const scratch = mkdtempSync(join(tmpdir(), "nestor-deploy-"));

beforeAll(async () => {
  tools = await deployTools();
}, INSTALL_TIMEOUT_MS);

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** A copy of deploy/ with `from` replaced by `to` in one file (the text must be there). */
function brokenCopy(name: string, file: string, from: string, to: string): string {
  const dir = join(scratch, name);
  cpSync(deployDir, dir, { recursive: true });
  const path = join(dir, file);
  const text = readFileSync(path, "utf8");
  expect(text, `${file} no longer holds the text this case breaks`).toContain(from);
  writeFileSync(path, text.replace(from, to));
  return dir;
}

describe("scripts/check-deploy.sh", () => {
  it("passes on deploy/ and validates every rendered resource", async () => {
    const result = await checkDeploy(deployDir);
    expect(result.code, result.output).toBe(0);
    // 8 resources on PostgreSQL (its Secret included), 7 on DynamoDB; none skipped for want of a schema.
    expect(result.output).toContain(
      "Summary: 15 resources found in 2 files - Valid: 15, Invalid: 0, Errors: 0, Skipped: 0",
    );
    expect(result.output).toMatch(/SUCCESS: \d+ rules found/);
    expect(result.output).toContain("every check passed");
  }, 120_000);

  const broken: Array<{ name: string; file: string; from: string; to: string; expected: string }> = [
    {
      name: "a misspelt field in the Deployment",
      file: "kubernetes/base/deployment.yaml",
      from: "              service: nestor.catalog.v1.CatalogService",
      to: "              servce: nestor.catalog.v1.CatalogService",
      expected: "Deployment nestor-catalog is invalid",
    },
    {
      name: "a ServiceMonitor scheme the CRD does not allow",
      file: "kubernetes/base/servicemonitor.yaml",
      from: "      scheme: http",
      to: "      scheme: gopher",
      expected: "ServiceMonitor nestor-catalog is invalid",
    },
    {
      name: "a manifest no kustomization lists",
      file: "kubernetes/base/kustomization.yaml",
      from: "  - poddisruptionbudget.yaml\n",
      to: "",
      expected: "kubernetes/base/poddisruptionbudget.yaml: not listed in kubernetes/base/kustomization.yaml",
    },
    {
      name: "an alert on a metric the catalog does not export",
      file: "prometheus/alerts.yaml",
      from: "max by (namespace, job, replica) (nestor_replica_lag_seconds{",
      to: "max by (namespace, job, replica) (nestor_replica_lag_second{",
      expected: 'rule NestorCatalogReplicaLagHigh: unknown metric "nestor_replica_lag_second"',
    },
    {
      name: "an alert whose unit test no longer holds",
      file: "prometheus/alerts.yaml",
      from: "          ) > 0.05\n",
      to: "          ) > 0.5\n",
      expected: "alertname: NestorCatalogErrorRatioHigh, time: 20m",
    },
    {
      name: "a dashboard query on a label the metric does not have",
      file: "grafana/nestor-catalog.json",
      from:
        'grpc_server_handled_total{job=\\"$job\\", namespace=~\\"$namespace\\", ' +
        'instance=~\\"$instance\\", grpc_code!=\\"OK\\"}',
      to:
        'grpc_server_handled_total{job=\\"$job\\", namespace=~\\"$namespace\\", ' +
        'instance=~\\"$instance\\", grpc_status!=\\"OK\\"}',
      expected:
        'panel "Responses other than OK by code": metric "grpc_server_handled_total" has no label "grpc_status"',
    },
    {
      name: "a dashboard field Grafana's schema does not know",
      file: "grafana/nestor-catalog.json",
      from: '"graphTooltip": 1,',
      to: '"graphTooltip": 1,\n  "graphTootlip": 1,',
      expected: "unexpected field 'graphTootlip'",
    },
  ];

  it.each(broken)(
    "fails on $name",
    async ({ name, file, from, to, expected }) => {
      const result = await checkDeploy(brokenCopy(name.replaceAll(" ", "-"), file, from, to));
      expect(result.code, result.output).not.toBe(0);
      expect(result.output).toContain(expected);
    },
    120_000,
  );
});

describe.each(VARIANTS)("deploy/kubernetes/%s", (variant) => {
  /** The variant's config.yaml as the pod sees it, with a valid API key hash in place of the placeholder. */
  function podConfig(manifests: Manifest[]) {
    const file = writePodConfig(manifests, join(scratch, `${variant}-config.yaml`));
    const apiKeys = JSON.stringify([{ name: "processors", hash: `sha256:${"ab".repeat(32)}`, role: "reader" }]);
    return loadConfig({
      env: {
        NESTOR_CONFIG: file,
        NESTOR_AUTH_API_KEYS: apiKeys,
        NESTOR_STORAGE_POSTGRES_URL: "postgres://x@db/nestor",
      },
    });
  }

  it("holds a config the catalog loads, on its backend, listening where the probes and Service look", async () => {
    const manifests = await render(tools.KUSTOMIZE!, variant);
    const config = podConfig(manifests);
    const container = catalogContainer(manifests);
    const port = (name: string) => container.ports.find((p) => p.name === name)!.containerPort;

    expect(config.storage.type).toBe(variant);
    expect(config.server.host).toBe("0.0.0.0");
    expect(config.server.port).toBe(port("grpc"));
    expect(config.server.admin).toEqual({ host: "0.0.0.0", port: port("metrics") });
    expect(container.readinessProbe.grpc).toEqual({ port: port("grpc"), service: "nestor.catalog.v1.CatalogService" });
    expect(container.livenessProbe.grpc).toEqual({ port: port("grpc"), service: "" });
    expect(container.env.find((e) => e.name === "NESTOR_CONFIG")?.value).toBe("/etc/nestor/config.yaml");
  });

  it("drains within the termination grace period: preStop sleep plus shutdownGraceMs", async () => {
    const manifests = await render(tools.KUSTOMIZE!, variant);
    const config = podConfig(manifests);
    const pod = podSpec(manifests);
    const [sleep, seconds] = catalogContainer(manifests).lifecycle.preStop.exec.command;
    expect(sleep).toBe("sleep");
    const drainMs = Number(seconds) * 1000 + config.server.shutdownGraceMs;
    expect(drainMs).toBeLessThan(pod.terminationGracePeriodSeconds * 1000);
  });

  it("refuses to start until the placeholder API key hash is replaced, naming the key", async () => {
    const manifests = await render(tools.KUSTOMIZE!, variant);
    const secret = manifests.find((m) => m.kind === "Secret" && m.metadata.name === "nestor-catalog-auth")!;
    const apiKeys = secret.stringData!["api-keys.json"]!;
    const file = writePodConfig(manifests, join(scratch, `${variant}-placeholder.yaml`));
    const load = () => loadConfig({ env: { NESTOR_CONFIG: file, NESTOR_AUTH_API_KEYS: apiKeys } });
    expect(load).toThrow(ConfigError);
    expect(load).toThrow(/auth\.apiKeys\[0\]\.hash/);
  });
});
