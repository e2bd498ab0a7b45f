/**
 * The catalog the browse suite looks at: one component with the shapes a
 * page must show (a pre-release, a deprecated version, a breaking major,
 * a sensitive input) and enough small ones for several pages.
 */
import { ValueType } from "../../gen/ts/src/nestor/catalog/v1/component_pb.js";
import { type CatalogClient, sampleComponent, withExtraOptionalInput, withoutPortOutput } from "../api/harness.js";

/** aws-rds-mysql in four versions (one pre-release, one deprecated, a breaking 2.0.0) and `fillers` small ones. */
export async function seedCatalog(catalog: CatalogClient, fillers: number): Promise<void> {
  const v1 = sampleComponent({ version: "1.0.0" });
  const v11 = withExtraOptionalInput({ ...v1, version: "1.1.0" });
  const rc = withoutPortOutput({ ...v11, version: "2.0.0-rc.1" });
  const v2 = {
    ...rc,
    version: "2.0.0",
    inputs: [
      ...(rc.inputs ?? []),
      { name: "master_password", type: ValueType.STRING, description: "Admin password", sensitive: true },
    ],
  };
  for (const component of [v1, v11, rc, v2]) await catalog.createComponent({ component });
  await catalog.updateComponent({
    component: { name: "aws-rds-mysql", version: "1.0.0", deprecation: { deprecated: true, message: "use 1.1.0" } },
    updateMask: { paths: ["deprecation"] },
  });
  for (let i = 0; i < fillers; i++) {
    const name = `svc-${String(i).padStart(3, "0")}`;
    await catalog.createComponent({
      component: {
        ...sampleComponent({ name, provider: "gcp", category: "network", description: `Filler service ${i}` }),
        labels: { tier: i % 5 === 0 ? "gold" : "silver" },
      },
    });
  }
}
