/**
 * Resuming a watch from a revision the client was given: the list of an
 * empty catalog says revision 0, and a watch resumed from 0 must still see
 * every write made after that list. Also the starts a watcher cannot use.
 */
import { Code } from "@connectrpc/connect";
import { expect, test } from "vitest";
import {
  expectConnectError,
  type Harness,
  sampleComponent,
  uniqueName,
  useHarness,
  violatedFields,
} from "./harness.js";

const h = useHarness((config) => {
  config.events.progressIntervalMs = 150;
});

async function firstMessage(request: Parameters<Harness["grpc"]["watchEvents"]>[0]) {
  const abort = new AbortController();
  try {
    for await (const response of h.grpc.watchEvents(request, { signal: abort.signal })) return response;
    throw new Error("the watch ended without a message");
  } finally {
    abort.abort();
  }
}

test("a watch resumed from an empty catalog's list revision 0 sees the writes made after the list", async () => {
  const listed = await h.grpc.listComponents({});
  expect(listed.revision).toBe(0n);
  const name = uniqueName("after-empty-list");
  await h.grpc.createComponent({ component: sampleComponent({ name }) });

  const resumed = await firstMessage({ startRevision: listed.revision, resume: true });
  expect(resumed.progress).toBe(false);
  expect(resumed.events.map((e) => [e.revision, e.component?.name])).toEqual([[1n, name]]);

  // Without resume, 0 means "from now": the first message is a progress message past the write.
  const fromNow = await firstMessage({ startRevision: 0n });
  expect(fromNow.progress).toBe(true);
  expect(fromNow.revision).toBe(1n);
});

test("a start ahead of the catalog's revision fails OUT_OF_RANGE naming the current revision", async () => {
  const { revision } = await h.grpc.listComponents({});
  const ahead = revision + 1000n;
  const err = await expectConnectError(firstMessage({ startRevision: ahead }), Code.OutOfRange);
  expect(err.rawMessage).toContain(`start_revision ${ahead}`);
  expect(err.rawMessage).toContain(`current revision ${revision}`);
});

test("a filter name that is not a DNS-1123 label fails INVALID_ARGUMENT naming it", async () => {
  const err = await expectConnectError(
    firstMessage({ startRevision: 0n, filter: { names: ["ok-name", "Bad Name"] } }),
    Code.InvalidArgument,
  );
  expect(err.rawMessage).toContain("Bad Name");
  expect(violatedFields(err)).toEqual(["filter.names[1]"]);
});
