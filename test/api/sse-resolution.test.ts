/**
 * The constraint-aware watch on GET /v1/events, followed with `curl -N`:
 * `filter.resolution.name` and `filter.resolution.constraint` add a
 * `resolution_changed` message after each event that moves the constraint;
 * only the last message of a revision carries the id, so a reconnect with
 * Last-Event-ID resumes after the change, never between it and its cause.
 */
import { fromJsonString } from "@bufbuild/protobuf";
import { expect, test } from "vitest";
import { EventSchema } from "../../gen/ts/src/nestor/catalog/v1/events_pb.js";
import { CurlEventStream, type SseMessage } from "../support/sse-curl.js";
import { sampleComponent, uniqueName, useHarness } from "./harness.js";

const h = useHarness((config) => {
  config.events.progressIntervalMs = 150;
});

const received = (messages: SseMessage[]) =>
  messages
    .filter((m) => m.event !== "progress")
    .map((m) => {
      const change = fromJsonString(EventSchema, m.data).resolutionChange;
      return [m.event, m.id ?? "", change ? `${change.oldVersion}>${change.newVersion}` : ""];
    });

test("a followed constraint's changes arrive after their cause, and a reconnect resumes after them", async () => {
  const name = uniqueName("sse-follow");
  const component = sampleComponent({ name });
  const start = Number((await h.grpc.createComponent({ component })).revision);
  const published = Number((await h.grpc.createComponent({ component: { ...component, version: "1.1.0" } })).revision);
  const yanked = Number((await h.grpc.yankComponentVersion({ name, version: "1.1.0", reason: "bad" })).revision);
  const query =
    `?start_revision=${start}&resume=true&filter.names=${name}` +
    `&filter.resolution.name=${name}&filter.resolution.constraint=${encodeURIComponent("~> 1.0")}`;
  const url = `${h.server.url}/v1/events${query}`;
  const stream = new CurlEventStream(url);
  try {
    expect(received(await stream.untilRevision(yanked))).toEqual([
      ["created", "", ""],
      ["resolution_changed", String(published), "1.0.0>1.1.0"],
      ["yanked", "", ""],
      ["resolution_changed", String(yanked), "1.1.0>1.0.0"],
    ]);
  } finally {
    await stream.close();
  }
  const resumed = new CurlEventStream(url, { headers: { "Last-Event-ID": String(published) } });
  try {
    expect(received(await resumed.untilRevision(yanked))).toEqual([
      ["yanked", "", ""],
      ["resolution_changed", String(yanked), "1.1.0>1.0.0"],
    ]);
  } finally {
    await resumed.close();
  }
});
