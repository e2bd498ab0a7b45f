/**
 * The constraint-aware watch over gRPC, gRPC-Web and Connect: a
 * RESOLUTION_CHANGED event for each publish, deprecation, un-deprecation,
 * yank, un-yank and delete that moves what the constraint resolves to,
 * right after its cause and with its revision; a resume from any revision
 * the stream gave neither repeats nor misses one; bad filters name their field.
 */
import { Code } from "@connectrpc/connect";
import { describe, expect, test } from "vitest";
import { type Event, EventType } from "../../gen/ts/src/nestor/catalog/v1/events_pb.js";
import { PROTOCOLS, useProtocolClients } from "../security/helpers.js";
import {
  expectConnectError,
  sampleComponent,
  uniqueName,
  useHarness,
  violatedFields,
  withExtraOptionalInput,
} from "./harness.js";
import { eventsThrough } from "./watch-helpers.js";

const h = useHarness();
const clientFor = useProtocolClients(() => h.server.url);

const moves = (events: Event[]) =>
  events
    .filter((e) => e.type === EventType.RESOLUTION_CHANGED)
    .map((e) => [e.resolutionChange?.oldVersion, e.resolutionChange?.newVersion]);

describe.each(PROTOCOLS)("over %s", (protocol) => {
  const client = () => clientFor(protocol);

  /** 1.0.0 published, then every kind of change; the revision before the changes and the last one. */
  async function history(name: string): Promise<{ start: bigint; end: bigint; causes: bigint[] }> {
    const v1 = sampleComponent({ name });
    const start = (await client().createComponent({ component: v1 })).revision;
    const deprecation = (deprecated: boolean) =>
      client().updateComponent({
        component: { name, version: "1.1.0", deprecation: { deprecated, message: deprecated ? "use 1.0" : "" } },
        updateMask: { paths: ["deprecation"] },
      });
    const causes = [
      (await client().createComponent({ component: { ...withExtraOptionalInput(v1), version: "1.1.0" } })).revision,
      (await deprecation(true)).revision,
      (await deprecation(false)).revision,
      (await client().yankComponentVersion({ name, version: "1.1.0", reason: "broken" })).revision,
      (await client().unyankComponentVersion({ name, version: "1.1.0" })).revision,
      (await client().deleteComponent({ name, version: "1.1.0" })).revision,
    ];
    // Neither moves "~> 1.0": a new major, and a label change.
    await client().createComponent({ component: { ...v1, version: "2.0.0" } });
    await client().updateComponent({
      component: { name, version: "1.0.0", labels: { team: "data" } },
      updateMask: { paths: ["labels"] },
    });
    causes.push((await client().deleteComponent({ name, version: "1.0.0" })).revision);
    const end = (await client().listComponentVersions({ name })).revision;
    return { start, end, causes };
  }

  test("each publish, deprecation, yank, un-yank and delete that moves the constraint is one event", async () => {
    const name = uniqueName("follow");
    const resolution = { name, constraint: "~> 1.0" };
    const { start, end, causes } = await history(name);
    const only = { names: [name], types: [EventType.RESOLUTION_CHANGED], resolution };
    const events = await eventsThrough(client(), { startRevision: start, filter: only }, end);
    expect(moves(events)).toEqual([
      ["1.0.0", "1.1.0"],
      ["1.1.0", "1.0.0"],
      ["1.0.0", "1.1.0"],
      ["1.1.0", "1.0.0"],
      ["1.0.0", "1.1.0"],
      ["1.1.0", "1.0.0"],
      ["1.0.0", ""],
    ]);
    expect(events.map((e) => e.revision)).toEqual(causes);
    expect(events.every((e) => e.actor === "anonymous" && e.resolutionChange?.name === name)).toBe(true);
    expect(events.every((e) => e.resolutionChange?.constraint === "~> 1.0")).toBe(true);
  });

  test("a resume from any revision the stream gave neither repeats nor misses a change", async () => {
    const name = uniqueName("resume");
    const filter = { names: [name], resolution: { name, constraint: "" } };
    const { start, end } = await history(name);
    const all = await eventsThrough(client(), { startRevision: start, filter }, end);
    const changes = all.filter((e) => e.type === EventType.RESOLUTION_CHANGED);
    expect(changes.map((e) => e.resolutionChange?.newVersion)).toEqual([
      "1.1.0",
      "1.0.0",
      "1.1.0",
      "1.0.0",
      "1.1.0",
      "1.0.0",
      "2.0.0",
    ]);
    // Each change right after the event that caused it, with its revision.
    for (const change of changes) {
      const cause = all[all.indexOf(change) - 1];
      expect([cause?.revision, cause?.type === EventType.RESOLUTION_CHANGED]).toEqual([change.revision, false]);
    }
    const key = (e: Event) => `${e.revision}:${e.type}`;
    for (const resumeAt of [...new Set(all.map((e) => e.revision))].slice(0, -1)) {
      const resumed = await eventsThrough(client(), { startRevision: resumeAt, filter }, end);
      expect(resumed.map(key)).toEqual(all.filter((e) => e.revision > resumeAt).map(key));
    }
  });

  test("a live watch reports a change as it happens", async () => {
    const name = uniqueName("live");
    const v1 = sampleComponent({ name });
    const start = (await client().createComponent({ component: v1 })).revision;
    const abort = new AbortController();
    const filter = { names: [name], resolution: { name, constraint: "^1" }, types: [EventType.RESOLUTION_CHANGED] };
    const stream = client().watchEvents({ startRevision: start, resume: true, filter }, { signal: abort.signal });
    const published = client().createComponent({ component: { ...v1, version: "1.0.1" } });
    try {
      for await (const message of stream) {
        if (message.events.length === 0) continue;
        expect(moves(message.events)).toEqual([["1.0.0", "1.0.1"]]);
        expect(message.revision).toBe((await published).revision);
        break;
      }
    } finally {
      abort.abort();
    }
  });

  test("a filter that cannot be followed fails INVALID_ARGUMENT naming its field", async () => {
    const cases: [{ name: string; constraint: string }, string][] = [
      [{ name: "Not A Name", constraint: "" }, "filter.resolution.name"],
      [{ name: "", constraint: "^1" }, "filter.resolution.name"],
      [{ name: uniqueName("bad"), constraint: "one point two" }, "filter.resolution.constraint"],
    ];
    for (const [resolution, field] of cases) {
      const stream = client().watchEvents({ filter: { resolution } });
      const err = await expectConnectError(stream[Symbol.asyncIterator]().next(), Code.InvalidArgument);
      expect(violatedFields(err)).toEqual([field]);
      expect(err.rawMessage).toContain(field);
    }
  });
});
