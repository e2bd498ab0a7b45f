/**
 * The read methods over a real socket: ListComponents (filters, latest vs
 * every version, order, page sizes, page tokens, pagination under concurrent
 * writes), SearchComponents, ListComponentVersions and
 * CompareComponentVersions.
 */

import { create } from "@bufbuild/protobuf";
import { Code } from "@connectrpc/connect";
import { beforeAll, describe, expect, test } from "vitest";
import { VersionBump } from "../../gen/ts/src/nestor/catalog/v1/catalog_service_pb.js";
import { ComponentSchema } from "../../gen/ts/src/nestor/catalog/v1/component_pb.js";
import { draftFromWire } from "../../src/api/convert.js";
import {
  type ComponentInit,
  expectConnectError,
  sampleComponent,
  steppingClock,
  toGrpcJs,
  uniqueName,
  useHarness,
  violatedFields,
  withExtraOptionalInput,
  withoutPortOutput,
} from "./harness.js";

const h = useHarness(undefined, { clock: steppingClock() });

const publish = async (component: ComponentInit) => (await h.grpc.createComponent({ component })).component!;

describe("ListComponents", () => {
  let provider: string;
  beforeAll(async () => {
    provider = uniqueName("prov");
    const base = (name: string, extra: Partial<ComponentInit> = {}) =>
      sampleComponent({ name: `${provider}-${name}`, provider, ...extra });
    await publish(base("zeta", { version: "1.0.0" }));
    await publish(base("alpha", { version: "1.0.0", category: "network", labels: { team: "net", tier: "gold" } }));
    await publish(base("mid", { version: "1.0.0", deployment: { engine: "pulumi", engineVersion: "3" } }));
    await publish(withExtraOptionalInput(base("zeta", { version: "1.1.0" })));
    const old = base("old", { version: "1.0.0" });
    await publish(old);
    await h.grpc.updateComponent({
      component: { name: old.name, version: "1.0.0", deprecation: { deprecated: true, message: "retired" } },
      updateMask: { paths: ["deprecation"] },
    });
  });

  const names = (components: { name: string }[]) => components.map((c) => c.name.slice(provider.length + 1));

  test("lists the latest version of each component by name, leaving deprecated ones out", async () => {
    const res = await h.grpc.listComponents({ filter: { provider } });
    expect(names(res.components)).toEqual(["alpha", "mid", "zeta"]);
    expect(res.components.find((c) => c.name.endsWith("zeta"))?.version).toBe("1.1.0");
    expect(res.nextPageToken).toBe("");
  });

  test("all_versions lists every version; include_deprecated brings deprecated ones back", async () => {
    const all = await h.grpc.listComponents({ filter: { provider }, allVersions: true });
    expect(all.components.map((c) => `${c.name.slice(provider.length + 1)}@${c.version}`)).toEqual([
      "alpha@1.0.0",
      "mid@1.0.0",
      "zeta@1.1.0",
      "zeta@1.0.0",
    ]);
    const withDeprecated = await h.grpc.listComponents({ filter: { provider, includeDeprecated: true } });
    expect(names(withDeprecated.components)).toEqual(["alpha", "mid", "old", "zeta"]);
  });

  test("filters by category, labels and deployment engine; set fields must all match", async () => {
    expect(names((await h.grpc.listComponents({ filter: { provider, category: "network" } })).components)).toEqual([
      "alpha",
    ]);
    expect(names((await h.grpc.listComponents({ filter: { provider, labels: { tier: "gold" } } })).components)).toEqual(
      ["alpha"],
    );
    expect(
      names(
        (await h.grpc.listComponents({ filter: { provider, labels: { tier: "gold", team: "platform" } } })).components,
      ),
    ).toEqual([]);
    expect(
      names((await h.grpc.listComponents({ filter: { provider, deploymentEngine: "pulumi" } })).components),
    ).toEqual(["mid"]);
    const viaGrpcJs = await h.grpcjs.call<{ components: { name: string }[] }>("ListComponents", {
      filter: { provider, deployment_engine: "terraform" },
    });
    expect(names(viaGrpcJs.components)).toEqual(["alpha", "zeta"]);
  });

  test("order_by name desc and update_time (both directions)", async () => {
    expect(names((await h.grpc.listComponents({ filter: { provider }, orderBy: "name desc" })).components)).toEqual([
      "zeta",
      "mid",
      "alpha",
    ]);
    expect(names((await h.grpc.listComponents({ filter: { provider }, orderBy: "update_time" })).components)).toEqual([
      "alpha",
      "mid",
      "zeta",
    ]);
    expect(
      names((await h.grpc.listComponents({ filter: { provider }, orderBy: "update_time desc" })).components),
    ).toEqual(["zeta", "mid", "alpha"]);
    await h.grpc.updateComponent({
      component: { name: `${provider}-alpha`, version: "1.0.0", description: "touched" },
    });
    expect(
      names((await h.grpc.listComponents({ filter: { provider }, orderBy: "update_time desc" })).components),
    ).toEqual(["alpha", "zeta", "mid"]);
  });

  test("the response revision is the catalog revision after the last write", async () => {
    const write = await h.grpc.createComponent({
      component: sampleComponent({ name: uniqueName("rev"), provider: uniqueName("p") }),
    });
    const res = await h.grpc.listComponents({ filter: { provider } });
    expect(res.revision).toBe(write.revision);
    for (const c of res.components) expect(c.updateRevision).toBeLessThanOrEqual(res.revision);
  });

  test("a page token reused with a different filter is INVALID_ARGUMENT naming page_token", async () => {
    const first = await h.grpc.listComponents({ filter: { provider }, pageSize: 1 });
    expect(first.nextPageToken).not.toBe("");
    const err = await expectConnectError(
      h.grpc.listComponents({ filter: { provider, category: "network" }, pageSize: 1, pageToken: first.nextPageToken }),
      Code.InvalidArgument,
    );
    expect(violatedFields(err)).toEqual(["page_token"]);
    expect(err.rawMessage).toContain("page_token");
    const orderErr = await expectConnectError(
      h.grpc.listComponents({ filter: { provider }, orderBy: "name desc", pageToken: first.nextPageToken }),
      Code.InvalidArgument,
    );
    expect(violatedFields(orderErr)).toEqual(["page_token"]);
    const second = await h.grpc.listComponents({ filter: { provider }, pageSize: 5, pageToken: first.nextPageToken });
    expect(names(second.components)).toEqual(["mid", "zeta"]);
  });
});

describe("ListComponents page sizes", () => {
  let provider: string;
  beforeAll(async () => {
    provider = uniqueName("bulk");
    // Seeded through the Manager in-process: the size rules are what is under test, not 1001 round trips.
    for (let i = 0; i < 1005; i++) {
      const draft = draftFromWire(
        create(ComponentSchema, sampleComponent({ name: `${provider}-${String(i).padStart(4, "0")}`, provider })),
      );
      await h.server.manager.publish(draft, { actor: "test" });
    }
  });

  test("page_size 0 means 50", async () => {
    const res = await h.grpc.listComponents({ filter: { provider } });
    expect(res.components).toHaveLength(50);
    expect(res.nextPageToken).not.toBe("");
  });

  test("page_size above 1000 is capped at 1000", async () => {
    const res = await h.grpc.listComponents({ filter: { provider }, pageSize: 5000 });
    expect(res.components).toHaveLength(1000);
    const rest = await h.grpc.listComponents({ filter: { provider }, pageSize: 5000, pageToken: res.nextPageToken });
    expect(rest.components).toHaveLength(5);
    expect(rest.nextPageToken).toBe("");
  });
});

describe("pagination while another client publishes", () => {
  test("no item that existed before the first page is lost or repeated", async () => {
    const provider = uniqueName("page");
    const existing: string[] = [];
    for (let i = 0; i < 40; i += 2) {
      const name = `${provider}-${String(i).padStart(3, "0")}`;
      existing.push(name);
      await publish(sampleComponent({ name, provider }));
    }
    // One writer runs concurrently with the whole paging loop...
    let paging = true;
    const writer = (async () => {
      for (let i = 0; i < 60 && paging; i++) {
        const name = `${provider}-${String(i % 40).padStart(3, "0")}x`;
        await h.grpcjs.call("CreateComponent", {
          component: toGrpcJs(sampleComponent({ name, provider, version: `1.0.${i}` })),
        });
      }
    })();
    const seen: string[] = [];
    let pageToken = "";
    let page = 0;
    do {
      const res = await h.grpc.listComponents({ filter: { provider }, pageSize: 6, pageToken });
      seen.push(...res.components.map((c) => c.name));
      pageToken = res.nextPageToken;
      page += 1;
      // ...and between pages the other client writes new names on both sides of the cursor, and new versions of
      // old ones.
      await h.grpcjs.call("CreateComponent", {
        component: toGrpcJs(
          sampleComponent({ name: `${provider}-${String(page * 6 - 3).padStart(3, "0")}`, provider }),
        ),
      });
      await h.grpcjs.call("CreateComponent", {
        component: toGrpcJs(sampleComponent({ name: `${provider}-${String(41 - page).padStart(3, "0")}`, provider })),
      });
      await h.grpcjs.call("CreateComponent", {
        component: toGrpcJs(
          withExtraOptionalInput(sampleComponent({ name: existing[page]!, provider, version: `1.${page}.0` })),
        ),
      });
    } while (pageToken !== "");
    paging = false;
    await writer;
    for (const name of existing)
      expect(
        seen.filter((n) => n === name),
        name,
      ).toHaveLength(1);
    expect(new Set(seen).size).toBe(seen.length);
    expect([...seen].sort()).toEqual(seen);
  });
});

describe("SearchComponents", () => {
  let provider: string;
  beforeAll(async () => {
    provider = uniqueName("srch");
    await publish(
      sampleComponent({ name: `${provider}-postgres`, provider, description: "Managed PostgreSQL with replicas" }),
    );
    await publish(sampleComponent({ name: `${provider}-mysql`, provider, description: "Managed MySQL" }));
    await publish(
      sampleComponent({
        name: `${provider}-bucket`,
        provider,
        category: "storage",
        description: "Object storage bucket",
      }),
    );
  });

  test("every term must match; results are ranked by score, then name", async () => {
    const res = await h.grpc.searchComponents({ query: "managed", filter: { provider } });
    expect(res.results.map((r) => r.component!.name).sort()).toEqual([`${provider}-mysql`, `${provider}-postgres`]);
    for (let i = 1; i < res.results.length; i++) {
      const [a, b] = [res.results[i - 1]!, res.results[i]!];
      expect(a.score > b.score || (a.score === b.score && a.component!.name < b.component!.name)).toBe(true);
    }
    const both = await h.grpc.searchComponents({ query: "managed replicas", filter: { provider } });
    expect(both.results.map((r) => r.component!.name)).toEqual([`${provider}-postgres`]);
    expect(both.results[0]!.score).toBeGreaterThan(0);
  });

  test("a name match outranks a description match; filters apply", async () => {
    const res = await h.grpc.searchComponents({ query: "bucket", filter: { provider } });
    expect(res.results[0]?.component?.name).toBe(`${provider}-bucket`);
    const filtered = await h.grpc.searchComponents({ query: "managed", filter: { provider, category: "storage" } });
    expect(filtered.results).toEqual([]);
  });

  test("matches input and output names, and pages", async () => {
    const first = await h.grpc.searchComponents({ query: "instance_class", filter: { provider }, pageSize: 2 });
    expect(first.results).toHaveLength(2);
    expect(first.nextPageToken).not.toBe("");
    const rest = await h.grpc.searchComponents({
      query: "instance_class",
      filter: { provider },
      pageSize: 2,
      pageToken: first.nextPageToken,
    });
    expect(rest.results).toHaveLength(1);
    expect(rest.nextPageToken).toBe("");
    const all = [...first.results, ...rest.results].map((r) => r.component!.name);
    expect(new Set(all).size).toBe(3);
    expect(rest.revision).toBeGreaterThan(0n);
  });

  test("an empty query is INVALID_ARGUMENT on query", async () => {
    const err = await expectConnectError(h.grpc.searchComponents({ query: "  " }), Code.InvalidArgument);
    expect(violatedFields(err)).toEqual(["query"]);
  });
});

describe("ListComponentVersions", () => {
  let name: string;
  beforeAll(async () => {
    name = uniqueName("vers");
    const base = sampleComponent({ name });
    for (const version of ["1.0.0", "1.10.0", "1.2.0", "1.2.0-rc.1"]) await publish({ ...base, version });
    for (const version of ["2.0.0-rc.1", "2.0.0"]) await publish({ ...withoutPortOutput(base), version });
  });

  test("lists SemVer-descending (not string order), pre-releases below their release", async () => {
    const res = await h.grpc.listComponentVersions({ name });
    expect(res.components.map((c) => c.version)).toEqual([
      "2.0.0",
      "2.0.0-rc.1",
      "1.10.0",
      "1.2.0",
      "1.2.0-rc.1",
      "1.0.0",
    ]);
    expect(res.nextPageToken).toBe("");
  });

  test("pages of two cover every version once, in order", async () => {
    const versions: string[] = [];
    let pageToken = "";
    let pages = 0;
    do {
      const res = await h.grpcjs.call<{ components: { version: string }[]; next_page_token: string }>(
        "ListComponentVersions",
        {
          name,
          page_size: 2,
          page_token: pageToken,
        },
      );
      expect(res.components.length).toBeLessThanOrEqual(2);
      versions.push(...res.components.map((c) => c.version));
      pageToken = res.next_page_token;
      pages += 1;
    } while (pageToken !== "");
    expect(pages).toBe(3);
    expect(versions).toEqual(["2.0.0", "2.0.0-rc.1", "1.10.0", "1.2.0", "1.2.0-rc.1", "1.0.0"]);
  });

  test("an unknown name is NOT_FOUND naming it", async () => {
    const missing = uniqueName("missing");
    const err = await expectConnectError(h.grpc.listComponentVersions({ name: missing }), Code.NotFound);
    expect(err.rawMessage).toContain(missing);
  });
});

describe("CompareComponentVersions", () => {
  let name: string;
  beforeAll(async () => {
    name = uniqueName("cmp");
    const base = sampleComponent({ name });
    await publish({ ...base, version: "1.0.0" });
    await publish({ ...withExtraOptionalInput(base), version: "1.1.0" });
    await publish({ ...withExtraOptionalInput(base), version: "1.1.1" });
    await publish({ ...withoutPortOutput(withExtraOptionalInput(base)), version: "2.0.0" });
  });

  test("a removed output is breaking and needs a major bump, which 2.0.0 has", async () => {
    const res = await h.grpc.compareComponentVersions({ name, baseVersion: "1.1.0", targetVersion: "2.0.0" });
    expect(res.breaking).toBe(true);
    expect(res.requiredBump).toBe(VersionBump.MAJOR);
    expect(res.bumpSufficient).toBe(true);
    const breaking = res.changes.filter((c) => c.breaking);
    expect(breaking).toHaveLength(1);
    expect(breaking[0]!.path).toContain("port");
    expect(breaking[0]!.bump).toBe(VersionBump.MAJOR);
    expect(breaking[0]!.description).not.toBe("");
  });

  test("an added optional input is a minor change; a patch bump is not enough", async () => {
    const res = await h.grpc.compareComponentVersions({ name, baseVersion: "1.0.0", targetVersion: "1.1.0" });
    expect(res.breaking).toBe(false);
    expect(res.requiredBump).toBe(VersionBump.MINOR);
    expect(res.bumpSufficient).toBe(true);
    expect(res.changes.map((c) => c.path)).toEqual(["inputs.backup_days"]);
    const reversed = await h.grpc.compareComponentVersions({ name, baseVersion: "1.1.0", targetVersion: "1.0.0" });
    expect(reversed.breaking).toBe(true);
    expect(reversed.bumpSufficient).toBe(false);
  });

  test("identical specs need no bump; grpc-js sees enum names", async () => {
    const res = await h.grpcjs.call<{
      changes: unknown[];
      breaking: boolean;
      required_bump: string;
      bump_sufficient: boolean;
    }>("CompareComponentVersions", { name, base_version: "1.1.0", target_version: "1.1.1" });
    expect(res).toMatchObject({
      changes: [],
      breaking: false,
      required_bump: "VERSION_BUMP_NONE",
      bump_sufficient: true,
    });
  });

  test("an unknown version is NOT_FOUND naming which side", async () => {
    const err = await expectConnectError(
      h.grpc.compareComponentVersions({ name, baseVersion: "1.0.0", targetVersion: "7.0.0" }),
      Code.NotFound,
    );
    expect(err.rawMessage).toContain("target_version 7.0.0");
  });
});
