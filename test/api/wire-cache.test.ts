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
import { create, type DescMessage, equals, isMessage, type Message, toJsonString } from "@bufbuild/protobuf";
import { createClient } from "@connectrpc/connect";
import { createConnectTransport, createGrpcWebTransport } from "@connectrpc/connect-node";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import {
  CatalogService,
  GetComponentResponseSchema,
  ListComponentsResponseSchema,
  SearchComponentsResponseSchema,
  SearchResultSchema,
  WatchEventsResponseSchema,
} from "../../gen/ts/src/nestor/catalog/v1/catalog_service_pb.js";
import { ComponentSchema } from "../../gen/ts/src/nestor/catalog/v1/component_pb.js";
import { EventSchema } from "../../gen/ts/src/nestor/catalog/v1/events_pb.js";
import { draftFromWire } from "../../src/api/convert.js";
import {
  type AnswerForm,
  answerFormOf,
  eventJsonText,
  type JsonWriterOptions,
  setStoredComponents,
  toJsonStringWithCache,
  watchResponses,
} from "../../src/api/wire-cache.js";
import { Manager } from "../../src/catalog/manager.js";
import { EventFeed, type WatchEvent } from "../../src/catalog/watch.js";
import { silentLogger } from "../../src/logging/index.js";
import { deepFreeze } from "../../src/storage/core/freeze.js";
import { openStore } from "../../src/storage/factory.js";
import { MemoryCatalogStore } from "../../src/storage/memory/catalog.js";
import type { ComponentRecord } from "../../src/storage/records.js";
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
/** Connect's GET (the read methods have no side effects) with JSON, and gRPC-Web with JSON. */
let connectGet: CatalogClient;
let grpcWebJson: CatalogClient;
const provider = `p${uniqueName("x").replace(/-/g, "")}`.slice(0, 20);
const names = [uniqueName("enc-a"), uniqueName("enc-b"), uniqueName("enc-c")];

beforeAll(async () => {
  h = await startHarness();
  connectBinary = createClient(
    CatalogService,
    createConnectTransport({ baseUrl: h.server.url, httpVersion: "1.1", useBinaryFormat: true }),
  );
  connectGet = createClient(
    CatalogService,
    createConnectTransport({ baseUrl: h.server.url, httpVersion: "1.1", useBinaryFormat: false, useHttpGet: true }),
  );
  grpcWebJson = createClient(
    CatalogService,
    createGrpcWebTransport({ baseUrl: h.server.url, httpVersion: "1.1", useBinaryFormat: false }),
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
    const viaGet = await connectGet.getComponent({ name, version: "latest" });
    const viaGrpcWebJson = await grpcWebJson.getComponent({ name, version: "latest" });
    expect(viaGrpc.component?.version).toBe("1.1.0");
    expect(viaGrpc.$unknown ?? []).toEqual([]);
    for (const other of [viaBinary, viaJson, viaGet, viaGrpcWebJson])
      expect(equals(ComponentSchema, viaGrpc.component!, other.component!)).toBe(true);
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
  expect(viaGrpc.components).toHaveLength(6);
  for (const client of [h.connectJson, connectGet, grpcWebJson]) {
    const viaJson = await client.listComponents(request);
    expect(viaGrpc.components.map((c) => `${c.name}@${c.version}`)).toEqual(
      viaJson.components.map((c) => `${c.name}@${c.version}`),
    );
    viaGrpc.components.forEach((c, i) => expect(equals(ComponentSchema, c, viaJson.components[i]!)).toBe(true));
  }
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
  const searchBinary = await h.grpc.searchComponents(search);
  expect(searchBinary.results.length).toBeGreaterThan(0);
  const versions = { name: names[1]! };
  const versionsBinary = await h.grpc.listComponentVersions(versions);
  expect(versionsBinary.components).toHaveLength(2);
  for (const client of [h.connectJson, connectGet, grpcWebJson]) {
    const searchJson = await client.searchComponents(search);
    expect(equals(SearchComponentsResponseSchema, searchBinary, searchJson)).toBe(true);
    const versionsJson = await client.listComponentVersions(versions);
    versionsBinary.components.forEach((c, i) =>
      expect(equals(ComponentSchema, c, versionsJson.components[i]!)).toBe(true),
    );
  }

  const replay = async (client: CatalogClient) => {
    const events = [];
    for await (const response of client.watchEvents({ startRevision: 0n, resume: true })) {
      events.push(...response.events);
      if (events.length >= names.length * 2) break;
    }
    return events;
  };
  for (let round = 0; round < 2; round++) {
    const binary = await replay(h.grpc);
    expect(binary.length).toBeGreaterThanOrEqual(names.length * 2);
    for (const client of [h.connectJson, connectBinary, grpcWebJson]) {
      const other = await replay(client);
      binary.forEach((event, i) => expect(equals(EventSchema, event, other[i]!)).toBe(true));
    }
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
    const first = getAnswer(before!, "json");
    expect(getAnswer(before!, "json").component).toBe(first.component);

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
    expect(jsonOf(GetComponentResponseSchema, getAnswer(after!, "json"))).toContain('"description":"changed"');
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
  for (const form of ["binary", "json", "messages"] as const) {
    const [first, second] = [getAnswer(fresh, form), getAnswer(fresh, form)];
    expect(first.$unknown ?? []).toEqual([]);
    expect(isMessage(first.component, ComponentSchema)).toBe(true);
    expect(first.component).not.toBe(second.component);
  }
});

test("a frozen record's answers carry its shared forms: bytes, the JSON text's holder, a kept message", () => {
  const record = deepFreeze(sampleRecord("forms"));
  const binary = [getAnswer(record, "binary"), getAnswer(record, "binary")];
  expect(binary[0]!.component).toBeUndefined();
  expect(binary[0]!.$unknown).toHaveLength(1);
  expect(binary[1]!.$unknown![0]!.data).toBe(binary[0]!.$unknown![0]!.data);
  const json = getAnswer(record, "json");
  // No message is kept for JSON answers: the holder is written by toJsonStringWithCache only.
  expect(isMessage(json.component)).toBe(false);
  const messages = [getAnswer(record, "messages"), getAnswer(record, "messages")];
  expect(isMessage(messages[0]!.component, ComponentSchema)).toBe(true);
  expect(messages[1]!.component).toBe(messages[0]!.component);
});

describe("answerFormOf reads the response's encoding from the request", () => {
  const request = (method: string, contentType: string | undefined, url = "http://h/nestor.catalog.v1.X/Get") => ({
    requestMethod: method,
    requestHeader: new Headers(contentType === undefined ? {} : { "content-type": contentType }),
    url,
  });
  test.each([
    ["POST", "application/grpc", "binary"],
    ["POST", "application/grpc+proto", "binary"],
    ["POST", "application/grpc-web+proto", "binary"],
    ["POST", "application/proto", "binary"],
    ["POST", "application/connect+proto", "binary"],
    ["POST", "application/grpc+json", "json"],
    ["POST", "application/grpc-web+json", "json"],
    ["POST", "application/json; charset=utf-8", "json"],
    ["POST", "application/connect+json", "json"],
    ["POST", "application/grpc+thrift", "messages"],
    ["POST", undefined, "messages"],
  ] as const)("%s with content type %s: %s", (method, contentType, form) => {
    expect(answerFormOf(request(method, contentType))).toBe(form);
  });
  test("a Connect GET names its encoding in the query", () => {
    const get = (query: string) => answerFormOf(request("GET", undefined, `http://h/nestor.catalog.v1.X/Get?${query}`));
    expect(get("connect=v1&encoding=json&message=%7B%7D")).toBe("json");
    expect(get("connect=v1&encoding=proto&base64=1&message=")).toBe("binary");
    expect(get("connect=v1&message=%7B%7D")).toBe("messages");
  });
});

describe("JSON text of shared forms (toJsonStringWithCache, connect's JSON writer in the server)", () => {
  const shared = [1, 2, 3].map((i) => deepFreeze(sampleRecord(`json-${i}`)));
  const unshared = sampleRecord("json-unshared");
  const optionSets: JsonWriterOptions[] = [
    {},
    { alwaysEmitImplicit: true },
    { useProtoFieldName: true },
    { enumAsInteger: true, alwaysEmitImplicit: true },
    { prettySpaces: 2 },
  ];
  const page = (records: ComponentRecord[], form: AnswerForm) => {
    const response = create(ListComponentsResponseSchema, {
      nextPageToken: "next",
      revision: 42n,
      warnings: [{ kind: 1, message: "deprecated", name: "json-1", version: "1.0.0" }],
    });
    setStoredComponents(response, ListComponentsResponseSchema.field.components, records, form);
    return response;
  };
  const search = (records: ComponentRecord[], form: AnswerForm) => {
    const results = records.map((record, i) => {
      const result = create(SearchResultSchema, { score: 1 / (i + 3) });
      setStoredComponents(result, SearchResultSchema.field.component, [record], form);
      return result;
    });
    return create(SearchComponentsResponseSchema, { results, nextPageToken: "n", revision: 9n });
  };

  test.each(optionSets)("is the text protobuf-es's toJsonString gives for messages, with options %o", (options) => {
    const responses = [
      [ListComponentsResponseSchema, (form: AnswerForm) => page(shared, form)],
      [ListComponentsResponseSchema, (form: AnswerForm) => page([shared[0]!, unshared, shared[1]!], form)],
      [ListComponentsResponseSchema, (form: AnswerForm) => page([], form)],
      [GetComponentResponseSchema, (form: AnswerForm) => getAnswer(shared[2]!, form)],
      [GetComponentResponseSchema, () => create(GetComponentResponseSchema, { deprecated: true })],
      [SearchComponentsResponseSchema, (form: AnswerForm) => search([shared[1]!, unshared], form)],
    ] as const;
    for (let read = 0; read < 2; read++) {
      for (const [schema, answer] of responses) {
        const desc = schema as DescMessage;
        expect(toJsonStringWithCache(desc, answer("json"), options)).toBe(
          toJsonString(desc, answer("messages"), options),
        );
      }
    }
  });

  test("a watch batch's events are written as their JSON text, the text Server-Sent Events carry", async () => {
    const config = testConfig((c) => {
      c.storage.type = "memory";
    });
    const store = await openStore(config.storage, config.cache, silentLogger);
    try {
      const manager = new Manager(store, steppingClock(), silentLogger);
      await manager.publish(draftOf("json-event", "1.0.0"), { actor: "test" });
      await manager.publish(draftOf("json-event", "1.1.0"), { actor: "test" });
      const events = await store.readEvents(0, 100);
      const batch = { events, revision: events.at(-1)!.revision, progress: false };
      const [json] = watchResponses(batch, "json");
      const [messages] = watchResponses(batch, "messages");
      expect(messages!.events.length).toBeGreaterThanOrEqual(2);
      for (let read = 0; read < 2; read++)
        expect(toJsonStringWithCache(WatchEventsResponseSchema, json!)).toBe(
          toJsonString(WatchEventsResponseSchema, messages!),
        );
      events.forEach((event, i) => expect(eventJsonText(event)).toBe(toJsonString(EventSchema, messages!.events[i]!)));
    } finally {
      await store.close();
    }
  });

  test("a record's text is made once and reused; other options write it afresh", () => {
    // Frozen on top only, so the test can change what a fresh conversion would give; stores freeze deeply.
    const labels: Record<string, string> = { team: "first" };
    const record = Object.freeze({ ...sampleRecord("json-once"), labels });
    const first = jsonOf(GetComponentResponseSchema, getAnswer(record, "json"));
    expect(first).toContain('"team":"first"');
    labels.team = "changed after the text was made";
    expect(jsonOf(GetComponentResponseSchema, getAnswer(record, "json"))).toBe(first);
    expect(jsonOf(GetComponentResponseSchema, getAnswer(record, "json"), { alwaysEmitImplicit: true })).toContain(
      '"team":"changed after the text was made"',
    );
  });
});

/** A store that hands out the same top-frozen record for a version, with labels a test can change. */
class ChangeableLabelsStore extends MemoryCatalogStore {
  readonly handedOut = new Map<string, ComponentRecord & { labels: Record<string, string> }>();
  override async getVersion(name: string, version: string): Promise<ComponentRecord | undefined> {
    const record = await super.getVersion(name, version);
    if (record === undefined) return undefined;
    const key = `${name}@${version}`;
    if (!this.handedOut.has(key)) this.handedOut.set(key, Object.freeze({ ...record, labels: { ...record.labels } }));
    return this.handedOut.get(key);
  }
}

test("the server's JSON answers carry a stored record's JSON text, made on its first JSON answer", async () => {
  const store = new ChangeableLabelsStore();
  const harness = await startHarness(undefined, { store });
  const grpcWeb = createClient(
    CatalogService,
    createGrpcWebTransport({ baseUrl: harness.server.url, httpVersion: "1.1", useBinaryFormat: false }),
  );
  try {
    const name = uniqueName("json-text");
    await harness.grpc.createComponent({
      component: sampleComponent({ name, version: "1.0.0", labels: { team: "first" } }),
    });
    const first = await harness.connectJson.getComponent({ name, version: "1.0.0" });
    expect(first.component?.labels).toEqual({ team: "first" });
    store.handedOut.get(`${name}@1.0.0`)!.labels.team = "changed";
    for (const client of [harness.connectJson, grpcWeb]) {
      const again = await client.getComponent({ name, version: "1.0.0" });
      expect(again.component?.labels).toEqual({ team: "first" });
    }
    // The binary form is made on its first binary answer, from the record as it is then.
    expect((await harness.grpc.getComponent({ name, version: "1.0.0" })).component?.labels).toEqual({
      team: "changed",
    });
  } finally {
    await harness.close();
  }
});

/** A GetComponent answer for the record, in the given form. */
function getAnswer(record: ComponentRecord, form: AnswerForm) {
  const response = create(GetComponentResponseSchema, { revision: 7n });
  setStoredComponents(response, GetComponentResponseSchema.field.component, [record], form);
  return response;
}

function jsonOf(desc: DescMessage, message: Message, options: JsonWriterOptions = {}): string {
  return toJsonStringWithCache(desc, message, options);
}

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
