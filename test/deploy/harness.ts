/**
 * Shared by the deploy/ tests: running scripts (scripts/check-deploy.sh, the
 * tool installer, kustomize) as child processes, and the Kubernetes variants
 * rendered the way `kubectl apply -k` would render them.
 */
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";

export const repoRoot = join(import.meta.dirname, "../..");
export const deployDir = join(repoRoot, "deploy");
export const VARIANTS = ["postgres", "dynamodb"] as const;
export type Variant = (typeof VARIANTS)[number];

export interface Run {
  code: number | null;
  output: string;
}

/** Runs a command to its end, stdout and stderr together. */
export function run(command: string, args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: repoRoot, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, output }));
  });
}

/** How long the first install of the tools may take (Go builds, the CRD generation); later runs take a second. */
export const INSTALL_TIMEOUT_MS = 900_000;

/** Installs kubeconform, kustomize, promtool and deploycheck into .tools; their paths by name (KUSTOMIZE, ...). */
export async function deployTools(): Promise<Record<string, string>> {
  const installed = await run("bash", [join(repoRoot, "scripts/tools/install-deploy-tools.sh")]);
  if (installed.code !== 0) throw new Error(`install-deploy-tools.sh failed:\n${installed.output}`);
  return Object.fromEntries(
    installed.output
      .split("\n")
      .map((line) => /^([A-Z_]+)=(\S+)$/.exec(line))
      .filter((match) => match !== null)
      .map((match) => [match[1]!, match[2]!]),
  );
}

export interface Manifest {
  kind: string;
  metadata: { name: string };
  spec?: unknown;
  data?: Record<string, string>;
  stringData?: Record<string, string>;
}

interface Probe {
  grpc: { port: number; service: string };
}
export interface Container {
  name: string;
  ports: Array<{ name: string; containerPort: number }>;
  env: Array<{ name: string; value?: string }>;
  readinessProbe: Probe;
  livenessProbe: Probe;
  lifecycle: { preStop: { exec: { command: string[] } } };
}
export interface PodSpec {
  terminationGracePeriodSeconds: number;
  containers: Container[];
}

/** The resources of one variant, rendered by kustomize. */
export async function render(kustomize: string, variant: Variant): Promise<Manifest[]> {
  const rendered = await run(kustomize, ["build", join(deployDir, "kubernetes", variant)]);
  if (rendered.code !== 0) throw new Error(`kustomize build ${variant} failed:\n${rendered.output}`);
  return parseAllDocuments(rendered.output).map((doc) => doc.toJS() as Manifest);
}

export function podSpec(manifests: Manifest[]): PodSpec {
  const deployment = manifests.find((m) => m.kind === "Deployment")!;
  return (deployment.spec as { template: { spec: PodSpec } }).template.spec;
}

export function catalogContainer(manifests: Manifest[]): Container {
  return podSpec(manifests).containers.find((c) => c.name === "catalog")!;
}

/** Writes the ConfigMap's config.yaml (what the pod mounts at NESTOR_CONFIG) to `path`. */
export function writePodConfig(manifests: Manifest[], path: string): string {
  writeFileSync(path, manifests.find((m) => m.kind === "ConfigMap")!.data!["config.yaml"]!);
  return path;
}
