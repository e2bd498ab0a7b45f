/**
 * The Manager's rules on a real in-process store (the memory backend), with a
 * fixed clock. Transport-level behaviour is covered in test/api.
 */
import { beforeEach, describe, expect, it } from "vitest";
import { CatalogError, type ErrorCode } from "../errors/index.js";
import { silentLogger } from "../logging/index.js";
import { MemoryCatalogStore } from "../storage/memory/index.js";
import type { Clock } from "./clock.js";
import { makeInput, sampleDraft } from "./content-fixtures.js";
import { Manager } from "./manager.js";
import { etagOf, type UpdateRequest } from "./requests.js";
import type { ComponentDraft } from "./validation.js";

const clock: Clock = { now: () => new Date("2026-11-26T12:00:00.000Z") };
const writer = { actor: "tester" };

let store: MemoryCatalogStore;
let manager: Manager;

beforeEach(() => {
  store = new MemoryCatalogStore();
  manager = new Manager(store, clock, silentLogger);
});

function draft(version: string, change: (d: ComponentDraft) => void = () => {}): ComponentDraft {
  const d = sampleDraft();
  d.version = version;
  change(d);
  return d;
}

async function failure(promise: Promise<unknown>, code: ErrorCode): Promise<CatalogError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, `expected ${code}`).toBeInstanceOf(CatalogError);
  expect((err as CatalogError).code, (err as CatalogError).message).toBe(code);
  return err as CatalogError;
}

function update(overrides: Partial<UpdateRequest>): UpdateRequest {
  return {
    name: "aws-rds-mysql",
    version: "1.2.0",
    description: "",
    labels: {},
    deprecation: undefined,
    updateMask: [],
    etag: "",
    ...overrides,
  };
}

describe("publish", () => {
  it("stores a new version at the next revision with times from the clock", async () => {
    const result = await manager.publish(draft("1.2.0"), writer);
    expect(result.created).toBe(true);
    expect(result.revision).toBe(1);
    expect(result.component).toMatchObject({
      createRevision: 1,
      updateRevision: 1,
      createTime: "2026-11-26T12:00:00.000Z",
    });
    expect(result.component.contentDigest).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it("returns the stored record without writing when identical content is published again", async () => {
    const first = await manager.publish(draft("1.2.0"), writer);
    const again = await manager.publish(
      draft("1.2.0", (d) => (d.description = "mutable fields do not count")),
      writer,
    );
    expect(again.created).toBe(false);
    expect(again.component).toEqual(first.component);
    expect((await store.revisionBounds()).current).toBe(1);
  });

  it("refuses different content under a published version, naming the version and the difference", async () => {
    await manager.publish(draft("1.2.0"), writer);
    const err = await failure(
      manager.publish(
        draft("1.2.0", (d) => (d.inputs[1]!.default = 30)),
        writer,
      ),
      "ALREADY_EXISTS",
    );
    expect(err.message).toContain("1.2.0");
    expect(err.message).toContain("inputs.size.default");
    expect(err.message).toContain("publish a new version");
  });

  it("treats a version differing only in build metadata as the same version", async () => {
    await manager.publish(draft("1.2.0"), writer);
    const again = await manager.publish(draft("1.2.0+build.7"), writer);
    expect(again.created).toBe(false);
    await failure(
      manager.publish(
        draft("1.2.0+build.8", (d) => (d.category = "storage")),
        writer,
      ),
      "ALREADY_EXISTS",
    );
  });

  it("refuses a breaking change within a major, listing each change, and accepts it with a major bump", async () => {
    await manager.publish(draft("1.2.0"), writer);
    const breaking = (d: ComponentDraft) => {
      d.inputs = d.inputs.filter((i) => i.name !== "size");
      d.inputs.push(makeInput({ name: "vpc_id", required: true }));
    };
    const err = await failure(manager.publish(draft("1.3.0", breaking), writer), "FAILED_PRECONDITION");
    expect(err.message).toContain("1.2.0");
    expect(err.message).toContain("inputs.size");
    expect(err.message).toContain("inputs.vpc_id");
    expect(err.message).toMatch(/major/);
    expect((await manager.publish(draft("2.0.0", breaking), writer)).created).toBe(true);
  });

  it("checks against the highest earlier version of the same major, not a later one", async () => {
    await manager.publish(draft("1.2.0"), writer);
    await manager.publish(
      draft("2.0.0", (d) => (d.inputs = d.inputs.slice(0, 1))),
      writer,
    );
    const err = await failure(
      manager.publish(
        draft("2.1.0", (d) => (d.inputs = [])),
        writer,
      ),
      "FAILED_PRECONDITION",
    );
    expect(err.message).toContain("2.0.0");
    expect(
      (
        await manager.publish(
          draft("1.3.0", (d) => d.inputs.push(makeInput({ name: "tags", default: "x" }))),
          writer,
        )
      ).created,
    ).toBe(true);
  });

  it("writes nothing with validateOnly", async () => {
    const result = await manager.publish(draft("1.2.0"), { ...writer, validateOnly: true });
    expect(result.created).toBe(true);
    expect(await store.listVersions("aws-rds-mysql")).toEqual([]);
    expect((await store.revisionBounds()).current).toBe(0);
  });

  it("reports every invalid field at once", async () => {
    const err = await failure(
      manager.publish(
        draft("v1.0.0", (d) => (d.name = "Bad_Name")),
        writer,
      ),
      "INVALID_ARGUMENT",
    );
    expect(err.fieldViolations.map((v) => v.field)).toEqual(
      expect.arrayContaining(["component.name", "component.version"]),
    );
  });

  it("lets exactly one of many concurrent identical publishes create, the rest see the stored record", async () => {
    const results = await Promise.all(Array.from({ length: 20 }, () => manager.publish(draft("1.2.0"), writer)));
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(new Set(results.map((r) => r.component.contentDigest)).size).toBe(1);
    expect((await store.revisionBounds()).current).toBe(1);
  });
});

describe("get", () => {
  beforeEach(async () => {
    for (const version of ["1.0.0", "1.2.0", "1.3.0-rc.1", "2.0.0"]) {
      await manager.publish(
        draft(version, (d) => (d.inputs = version.startsWith("2") ? [] : d.inputs)),
        writer,
      );
    }
  });

  it.each([
    ["", "2.0.0"],
    ["latest", "2.0.0"],
    ["1.2.0", "1.2.0"],
    ["^1", "1.2.0"],
    ["~> 1.0", "1.2.0"],
    [">=1.0 <1.2", "1.0.0"],
  ])("%j resolves to %s", async (selector, expected) => {
    expect((await manager.get("aws-rds-mysql", selector)).component.version).toBe(expected);
  });

  it("skips a deprecated latest release", async () => {
    await manager.update(
      update({ version: "2.0.0", deprecation: { deprecated: true, message: "use 3" }, updateMask: ["deprecation"] }),
      writer,
    );
    expect((await manager.get("aws-rds-mysql", "latest")).component.version).toBe("1.2.0");
  });

  it("names the constraint and the highest versions when nothing satisfies it", async () => {
    const err = await failure(manager.get("aws-rds-mysql", "^3"), "NOT_FOUND");
    expect(err.message).toContain("^3");
    expect(err.message).toContain("2.0.0");
  });

  it("names the component when it does not exist, and the field when the name is malformed", async () => {
    expect((await failure(manager.get("unknown-thing", ""), "NOT_FOUND")).message).toContain("unknown-thing");
    expect((await failure(manager.get("Nope!", ""), "INVALID_ARGUMENT")).fieldViolations[0]!.field).toBe("name");
    expect((await failure(manager.get("aws-rds-mysql", ">>1"), "INVALID_ARGUMENT")).fieldViolations[0]!.field).toBe(
      "version",
    );
  });
});

describe("update", () => {
  beforeEach(async () => {
    await manager.publish(draft("1.2.0"), writer);
  });

  it("changes only the masked paths and records the deprecation time once", async () => {
    const result = await manager.update(
      update({
        description: "new",
        labels: { x: "y" },
        deprecation: { deprecated: true, message: "old" },
        updateMask: ["deprecation"],
      }),
      writer,
    );
    expect(result.component.description).toBe("A MySQL database on Amazon RDS");
    expect(result.component.deprecation).toEqual({
      deprecated: true,
      message: "old",
      time: "2026-11-26T12:00:00.000Z",
    });
    const message = await manager.update(
      update({ deprecation: { deprecated: false, message: "older" }, updateMask: ["deprecation.message"] }),
      writer,
    );
    expect(message.component.deprecation).toMatchObject({ deprecated: true, message: "older" });
  });

  it("writes nothing for an update that changes nothing", async () => {
    const before = (await store.revisionBounds()).current;
    await manager.update(
      update({ description: "A MySQL database on Amazon RDS", updateMask: ["description"] }),
      writer,
    );
    expect((await store.revisionBounds()).current).toBe(before);
  });

  it("refuses immutable, output-only and unknown paths, naming each", async () => {
    const err = await failure(
      manager.update(update({ updateMask: ["inputs", "etag", "colour"] }), writer),
      "INVALID_ARGUMENT",
    );
    expect(err.fieldViolations.map((v) => v.field)).toEqual([
      "updateMask.paths[0]",
      "updateMask.paths[1]",
      "updateMask.paths[2]",
    ]);
    expect(err.fieldViolations[0]!.description).toContain("publish a new version");
  });

  it("aborts on a stale etag and accepts the current one", async () => {
    const current = (await manager.get("aws-rds-mysql", "1.2.0")).component;
    await manager.update(update({ description: "first", updateMask: ["description"], etag: etagOf(current) }), writer);
    const err = await failure(
      manager.update(update({ description: "second", updateMask: ["description"], etag: etagOf(current) }), writer),
      "ABORTED",
    );
    expect(err.message).toContain("1.2.0");
    await failure(
      manager.update(update({ description: "x", updateMask: ["description"], etag: "garbage" }), writer),
      "INVALID_ARGUMENT",
    );
  });
});

describe("delete", () => {
  it("requires exactly one of version and all_versions", async () => {
    const both = await failure(
      manager.delete({ name: "a", version: "1.0.0", allVersions: true, etag: "" }, writer),
      "INVALID_ARGUMENT",
    );
    expect(both.fieldViolations[0]!.field).toBe("version");
    const neither = await failure(
      manager.delete({ name: "a", version: "", allVersions: false, etag: "" }, writer),
      "INVALID_ARGUMENT",
    );
    expect(neither.fieldViolations[0]!.description).toContain("all_versions");
  });

  it("deletes every version with one event each and returns them", async () => {
    await manager.publish(draft("1.2.0"), writer);
    await manager.publish(draft("1.3.0"), writer);
    const result = await manager.delete({ name: "aws-rds-mysql", version: "", allVersions: true, etag: "" }, writer);
    expect(result.components.map((c) => c.version)).toEqual(["1.3.0", "1.2.0"]);
    expect(result.revision).toBe(4);
    await failure(manager.get("aws-rds-mysql", ""), "NOT_FOUND");
  });
});

describe("pages", () => {
  it("walks versions SemVer-descending across pages", async () => {
    for (const version of ["1.0.0", "1.1.0", "1.1.1", "1.2.0", "1.10.0"]) await manager.publish(draft(version), writer);
    const seen: string[] = [];
    let token = "";
    do {
      const page = await manager.listVersions("aws-rds-mysql", { pageSize: 2, pageToken: token });
      seen.push(...page.items.map((c) => c.version));
      token = page.nextPageToken;
    } while (token !== "");
    expect(seen).toEqual(["1.10.0", "1.2.0", "1.1.1", "1.1.0", "1.0.0"]);
  });

  it("refuses a list page token reused with another filter, and a negative page size", async () => {
    for (const name of ["a-one", "a-two", "a-three"])
      await manager.publish(
        draft("1.0.0", (d) => (d.name = name)),
        writer,
      );
    const first = await manager.list({
      filter: { includeDeprecated: false },
      allVersions: false,
      orderBy: "",
      pageSize: 1,
      pageToken: "",
    });
    expect(first.nextPageToken).not.toBe("");
    const err = await failure(
      manager.list({
        filter: { provider: "gcp", includeDeprecated: false },
        allVersions: false,
        orderBy: "",
        pageSize: 1,
        pageToken: first.nextPageToken,
      }),
      "INVALID_ARGUMENT",
    );
    expect(err.fieldViolations[0]!.field).toBe("pageToken");
    const negative = await failure(
      manager.list({
        filter: { includeDeprecated: false },
        allVersions: false,
        orderBy: "",
        pageSize: -1,
        pageToken: "",
      }),
      "INVALID_ARGUMENT",
    );
    expect(negative.fieldViolations[0]!.field).toBe("pageSize");
  });
});

describe("compare", () => {
  it("reports the required bump and whether the target's number is bumped enough", async () => {
    await manager.publish(draft("1.2.0"), writer);
    await manager.publish(
      draft("2.0.0", (d) => (d.inputs = d.inputs.slice(1))),
      writer,
    );
    await manager.publish(
      draft("1.3.0", (d) => d.outputs.push({ name: "arn", type: "string", description: "", sensitive: false })),
      writer,
    );
    const major = await manager.compare("aws-rds-mysql", "1.2.0", "2.0.0");
    expect(major.report.breaking).toBe(true);
    expect(major.report.requiredBump).toBe("major");
    expect(major.bumpSufficient).toBe(true);
    const minor = await manager.compare("aws-rds-mysql", "1.2.0", "1.3.0");
    expect(minor.report.requiredBump).toBe("minor");
    expect(minor.bumpSufficient).toBe(true);
    const backwards = await manager.compare("aws-rds-mysql", "1.3.0", "1.2.0");
    expect(backwards.report.breaking).toBe(true);
    expect(backwards.bumpSufficient).toBe(false);
    const missing = await failure(manager.compare("aws-rds-mysql", "1.2.0", "9.9.9"), "NOT_FOUND");
    expect(missing.message).toContain("target_version 9.9.9");
  });
});
