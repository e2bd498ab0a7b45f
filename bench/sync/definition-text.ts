/** The generated definition file the sync benchmarks use for component `i`. */
export function definitionText(i: number, version: string): string {
  const name = `component-${String(i).padStart(5, "0")}`;
  return `apiVersion: catalog.nestor.io/v1
kind: ComponentDefinition
metadata:
  name: ${name}
  version: ${version}
  provider: ${["aws", "gcp", "azure"][i % 3]}
  category: ${["database", "network", "compute", "storage"][i % 4]}
  labels:
    team: team-${i % 17}
spec:
  description: ${name}, generated for the sync benchmark
  inputs:
    - name: size
      type: string
      default: small
      validation:
        allowedValues: [small, medium, large]
    - name: replicas
      type: integer
      default: 1
      validation: { minimum: 1, maximum: 9 }
  outputs:
    - name: endpoint
      type: string
  deployment:
    engine: terraform
    engineVersion: ">= 1.5"
    config:
      module: git::https://example.com/modules/${name}.git
`;
}
