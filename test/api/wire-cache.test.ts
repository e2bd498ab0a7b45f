/**
 * The API's wire caches (src/api/wire-cache.ts): binary answers carry
 * Components and Events encoded once per stored object. Every client must
 * decode them as the ordinary fields: binary and JSON answers carry equal
 * messages (Connect-ES over gRPC, over the Connect protocol in binary and
 * JSON, and grpc-js with its own decoder) for reads and the WatchEvents
 * replay, call after call. And the invariants the caches rely on, stated in
 * the storage contract (src/storage/store.ts, "Object identity"): frozen
 * records are deeply frozen and replaced, never changed, by a write; the
 * event feed hands every synced watcher the same event object.
 */
import { create, equals, toJsonString } from "@bufbuild/protobuf";
import { createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import {
  CatalogService,
  GetComponentResponseSchema,
  ListComponentsResponseSchema,
  WatchEventsResponseSchema,
} from "../../gen/ts/src/nestor/catalog/v1/catalog_service_pb.js";
import { ComponentSchema } from "../../gen/ts/src/nestor/catalog/v1/component_pb.js";
import { EventSchema } from "../../gen/ts/src/nestor/catalog/v1/events_pb.js";
import { draftFromWire } from "../../src/api/convert.js";
import {
  type JsonWriterOptions,
  storedComponentToWire,
  toJsonStringWithCache,
  watchResponseWithMessages,
} from "../../src/api/wire-cache.js";
import { Manager } from "../../src/catalog/manager.js";
import { EventFeed, type WatchEvent } from "../../src/catalog/watch.js";
import { silentLogger } from "../../src/logging/index.js";
import { deepFreeze } from "../../src/storage/core/freeze.js";
import { openStore } from "../../src/storage/factory.js";
import { MemoryCatalogStore } from "../../src/storage/memory/catalog.js";
import type { CatalogStore } from "../../src/storage/store.js";
import {
  type CatalogClient,
  type Harness,
  sampleComponent,
  startHarness,
  steppingClock,
  tempDir,
  testConfig,
  uniqueName,
} from "./harness.js";

let h: Harness;
let connectBinary: CatalogClient;
const provider = `p${uniqueName("x").replace(/-/g, "")}`.slice(0, 20);
const names = [uniqueName("enc-a"), uniqueName("enc-b"), uniqueName("enc-c")];

beforeAll(async () => {
  h = await startHarness();
  connectBinary = createClient(
    CatalogService,
    createConnectTransport({ baseUrl: h.server.url, httpVersion: "1.1", useBinaryFormat: true }),
  );
  for (const name of names) {
    for (const version of ["1.0.0", "1.1.0"]) {
      await h.grpc.createComponent({ component: sampleComponent({ name, version, provider }) });
    }
  }
});
afterAll(() => h.close());

test("GetComponent decodes to the same Component over every protocol, on first and repeated reads", async () => {
  const name = names[0]!;
  for (let i = 0; i < 2; i++) {
    const viaGrpc = await h.grpc.getComponent({ name, version: "latest" });
    const viaBinary = await connectBinary.getComponent({ name, version: "latest" });
    const viaJson = await h.connectJson.getComponent({ name, version: "latest" });
    expect(viaGrpc.component?.version).toBe("1.1.0");
    expect(viaGrpc.$unknown ?? []).toEqual([]);
    expect(equals(ComponentSchema, viaGrpc.component!, viaBinary.component!)).toBe(true);
    expect(equals(ComponentSchema, viaGrpc.component!, viaJson.component!)).toBe(true);
    expect(viaGrpc.revision).toBe(viaJson.revision);
    const viaGrpcJs = await h.grpcjs.call<{ component: { name: string; version: string; inputs: unknown[] } }>(
      "GetComponent",
      { name, version: "latest" },
    );
    expect(viaGrpcJs.component).toMatchObject({ name, version: "1.1.0" });
    expect(viaGrpcJs.component.inputs).toHaveLength(viaGrpc.component!.inputs.length);
  }
});

test("ListComponents pages decode to the same Components in the same order over every protocol", async () => {
  const request = { filter: { provider }, allVersions: true, pageSize: 10 };
  const viaGrpc = await h.grpc.listComponents(request);
  const viaJson = await h.connectJson.listComponents(request);
  expect(viaGrpc.components.map((c) => `${c.name}@${c.version}`)).toEqual(
    viaJson.components.map((c) => `${c.name}@${c.version}`),
  );
  expect(viaGrpc.components).toHaveLength(6);
  viaGrpc.components.forEach((c, i) => expect(equals(ComponentSchema, c, viaJson.components[i]!)).toBe(true));
  const viaGrpcJs = await h.grpcjs.call<{ components: { name: string; version: string }[] }>("ListComponents", {
    filter: { provider },
    all_versions: true,
    page_size: 10,
  });
  expect(viaGrpcJs.components.map((c) => `${c.name}@${c.version}`)).toEqual(
    viaGrpc.components.map((c) => `${c.name}@${c.version}`),
  );
});

test("SearchComponents, ListComponentVersions and WatchEvents replay: equal messages in binary and JSON", async () => {
  const search = { query: names[0]!, pageSize: 10 };
  const [searchBinary, searchJson] = [
    await h.grpc.searchComponents(search),
    await h.connectJson.searchComponents(search),
  ];
  expect(searchBinary.results.length).toBeGreaterThan(0);
  searchBinary.results.forEach((r, i) =>
    expect(equals(ComponentSchema, r.component!, searchJson.results[i]!.component!)).toBe(true),
  );
  const versions = { name: names[1]! };
  const [versionsBinary, versionsJson] = [
    await h.grpc.listComponentVersions(versions),
    await h.connectJson.listComponentVersions(versions),
  ];
  expect(versionsBinary.components).toHaveLength(2);
  versionsBinary.components.forEach((c, i) =>
    expect(equals(ComponentSchema, c, versionsJson.components[i]!)).toBe(true),
  );

  const replay = async (client: CatalogClient) => {
    const events = [];
    for await (const response of client.watchEvents({ startRevision: 0n, resume: true })) {
      events.push(...response.events);
      if (events.length >= names.length * 2) break;
    }
    return events;
  };
  for (let round = 0; round < 2; round++) {
    const [binary, json, connectBinaryEvents] = [
      await replay(h.grpc),
      await replay(h.connectJson),
      await replay(connectBinary),
    ];
    expect(binary.length).toBeGreaterThanOrEqual(names.length * 2);
    binary.forEach((event, i) => {
      expect(equals(EventSchema, event, json[i]!)).toBe(true);
      expect(equals(EventSchema, event, connectBinaryEvents[i]!)).toBe(true);
    });
  }
});

describe.each(["memory", "embedded"] as const)("the identity invariants of the %s store", (type) => {
  const dir = tempDir(`nestor-identity-${type}-`);
  let store: CatalogStore;
  let manager: Manager;
  beforeAll(async () => {
    const config = testConfig((c) => {
      c.storage.type = type;
      c.storage.embedded = { dataDir: dir.path, fsync: false, timeoutMs: 5_000 };
    });
    store = await openStore(config.storage, config.cache, silentLogger);
    manager = new Manager(store, steppingClock(), silentLogger);
    await manager.publish(draftOf("identity", "1.0.0"), { actor: "test" });
  });
  afterAll(async () => {
    await store.close();
    dir.remove();
  });

  test("a record handed out frozen is deeply frozen, and a write replaces it instead of changing it", async () => {
    const before = await store.getVersion("identity", "1.0.0");
    expect(before).toBeDefined();
    expectDeeplyFrozen(before);
    const listed = await store.list({
      filter: { includeDeprecated: true },
      allVersions: true,
      orderBy: { field: "name", descending: false },
      pageSize: 10,
    });
    for (const record of listed.items) expectDeeplyFrozen(record);
    const snapshot = JSON.stringify(before);
    const wire = storedComponentToWire(before!);
    expect(storedComponentToWire(before!)).toBe(wire);

    await manager.update(
      {
        name: "identity",
        version: "1.0.0",
        description: "changed",
        labels: {},
        deprecation: undefined,
        updateMask: ["description"],
        etag: "",
      },
      { actor: "test" },
    );
    const after = await store.getVersion("identity", "1.0.0");
    expect(after).not.toBe(before);
    expect(after?.description).toBe("changed");
    expect(JSON.stringify(before)).toBe(snapshot);
    expect(storedComponentToWire(after!).description).toBe("changed");
  });

  test("events read from the log are deeply frozen; the feed hands every synced watcher the same object", async () => {
    const events = await store.readEvents(0, 100);
    expect(events.length).toBeGreaterThan(0);
    for (const event of events) expectDeeplyFrozen(event);
    const feed = await EventFeed.start(store, silentLogger, { progressIntervalMs: 60_000 });
    try {
      const head = events[events.length - 1]!.revision;
      const watching = [watchFrom(feed, head), watchFrom(feed, head)];
      await manager.publish(draftOf("identity", "1.1.0"), { actor: "test" });
      const [first, second] = await Promise.all(watching);
      expect(first?.revision).toBe(head + 1);
      expect(second).toBe(first);
    } finally {
      feed.close();
    }
  });
});

test("records handed out unfrozen (the remote stores' fresh objects) are converted per call, never cached", () => {
  const fresh = sampleRecord();
  expect(Object.isFrozen(fresh)).toBe(false);
  expect(storedComponentToWire(fresh)).not.toBe(storedComponentToWire(fresh));
});

describe("JSON text of shared messages (toJsonStringWithCache, connect's JSON writer in the server)", () => {
  const shared = [1, 2, 3].map((i) => storedComponentToWire(deepFreeze(sampleRecord(`json-${i}`))));
  const optionSets: JsonWriterOptions[] = [
    {},
    { alwaysEmitImplicit: true },
    { useProtoFieldName: true },
    { enumAsInteger: true, alwaysEmitImplicit: true },
  ];

  test.each(optionSets)("is the text protobuf-es's toJsonString gives, with options %o", (options) => {
    const page = (components: typeof shared) =>
      create(ListComponentsResponseSchema, {
        components,
        nextPageToken: "next",
        revision: 42n,
        warnings: [{ kind: 1, message: "deprecated", name: "json-1", version: "1.0.0" }],
      });
    const unshared = storedComponentToWire(sampleRecord("json-unshared"));
    const responses = [
      [ListComponentsResponseSchema, page(shared)],
      [ListComponentsResponseSchema, page([shared[0]!, unshared, shared[1]!])],
      [ListComponentsResponseSchema, page([])],
      [GetComponentResponseSchema, create(GetComponentResponseSchema, { component: shared[2], revision: 7n })],
      [GetComponentResponseSchema, create(GetComponentResponseSchema, { deprecated: true })],
    ] as const;
    for (let read = 0; read < 2; read++) {
      for (const [schema, message] of responses) {
        expect(toJsonStringWithCache(schema, message, options)).toBe(toJsonString(schema, message, options));
      }
    }
  });

  test("events of a watch batch are written as their JSON text too", async () => {
    const config = testConfig((c) => {
      c.storage.type = "memory";
    });
    const store = await openStore(config.storage, config.cache, silentLogger);
    try {
      const manager = new Manager(store, steppingClock(), silentLogger);
      await manager.publish(draftOf("json-event", "1.0.0"), { actor: "test" });
      await manager.publish(draftOf("json-event", "1.1.0"), { actor: "test" });
      const events = await store.readEvents(0, 100);
      const response = watchResponseWithMessages({ events, revision: events.at(-1)!.revision, progress: false });
      expect(response.events.length).toBeGreaterThanOrEqual(2);
      for (let read = 0; read < 2; read++)
        expect(toJsonStringWithCache(WatchEventsResponseSchema, response)).toBe(
          toJsonString(WatchEventsResponseSchema, response),
        );
    } finally {
      await store.close();
    }
  });

  test("a shared message's text is made once and reused; other options write it afresh", () => {
    const component = storedComponentToWire(deepFreeze(sampleRecord("json-once")));
    const page = create(ListComponentsResponseSchema, { components: [component], revision: 1n });
    const first = toJsonStringWithCache(ListComponentsResponseSchema, page, {});
    // Never done outside a test: shared messages are not changed. Here it shows which text is written.
    const description = component.description;
    component.description = "changed after the text was made";
    try {
      expect(toJsonStringWithCache(ListComponentsResponseSchema, page, {})).toBe(first);
      expect(toJsonStringWithCache(ListComponentsResponseSchema, page, { alwaysEmitImplicit: true })).toContain(
        "changed after the text was made",
      );
    } finally {
      component.description = description;
    }
  });
});

test("the server's Connect JSON answers carry a stored record's JSON text, made on its first JSON answer", async () => {
  const store = new MemoryCatalogStore();
  const harness = await startHarness(undefined, { store });
  try {
    const name = uniqueName("json-text");
    await harness.grpc.createComponent({
      component: sampleComponent({ name, version: "1.0.0", description: "first" }),
    });
    const first = await harness.connectJson.getComponent({ name, version: "1.0.0" });
    expect(first.component?.description).toBe("first");
    const shared = storedComponentToWire((await store.getVersion(name, "1.0.0"))!);
    // Never done outside a test: shared messages are not changed. Here it shows which text connect writes.
    shared.description = "changed in the shared message";
    try {
      const again = await harness.connectJson.getComponent({ name, version: "1.0.0" });
      expect(again.component?.description).toBe("first");
      const page = await harness.connectJson.listComponents({ pageSize: 5 });
      expect(page.components.map((c) => c.description)).toEqual(["first"]);
    } finally {
      shared.description = "first";
    }
  } finally {
    await harness.close();
  }
});

function draftOf(name: string, version: string) {
  return draftFromWire(create(ComponentSchema, sampleComponent({ name, version })));
}

function sampleRecord(name = "unfrozen") {
  const draft = draftOf(name, "1.0.0");
  return {
    ...draft,
    deprecation: { deprecated: false, message: "" },
    contentDigest: "sha256:0",
    createTime: "2030-01-01T00:00:00Z",
    updateTime: "2030-01-01T00:00:00Z",
    createRevision: 1,
    updateRevision: 1,
    createActor: "test",
    updateActor: "test",
  };
}

/** The first event a watch from `revision` (caught up: the feed's ring serves it) receives. */
async function watchFrom(feed: EventFeed, revision: number): Promise<WatchEvent | undefined> {
  const abort = new AbortController();
  try {
    for await (const batch of feed.watch(revision, { names: [], provider: "", category: "", types: [] }, abort.signal, {
      resume: true,
    })) {
      if (batch.events.length > 0) return batch.events[0];
    }
    return undefined;
  } finally {
    abort.abort();
  }
}

function expectDeeplyFrozen(value: unknown): void {
  if (value === null || typeof value !== "object") return;
  expect(Object.isFrozen(value)).toBe(true);
  for (const child of Object.values(value)) expectDeeplyFrozen(child);
}
