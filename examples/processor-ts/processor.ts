/**
 * An example processor: lists every component version at one revision, then
 * follows WatchEvents from that revision, keeping an in-memory view and
 * printing each change. watchCatalog resumes after disconnects; when the
 * server has compacted past our revision it says "relist" and we start over.
 *
 *   npx tsx processor.ts [--url http://127.0.0.1:8080] [--duration SECONDS]
 */
import { parseArgs } from "node:util";
import {
  type CatalogClient,
  type Component,
  createCatalogClient,
  type Event,
  EventType,
  listAllComponents,
  watchCatalog,
} from "@nestor/catalog-client";

const { values } = parseArgs({
  options: {
    url: { type: "string", default: process.env.NESTOR_CATALOG_URL ?? "http://127.0.0.1:8080" },
    duration: { type: "string" },
    token: { type: "string", default: process.env.NESTOR_CATALOG_TOKEN ?? "" },
  },
});

const key = (c: Component | undefined) => `${c?.name}@${c?.version}`;

/** The processor's state: every known version by name@version. */
const view = new Map<string, Component>();

function apply(event: Event): void {
  const id = key(event.component);
  if (event.type === EventType.DELETED) view.delete(id);
  else if (event.component) view.set(id, event.component);
  const deprecated = event.component?.deprecation?.deprecated ? " (deprecated)" : "";
  console.log(
    `revision ${event.revision}: ${EventType[event.type]} ${id}${deprecated}; view holds ${view.size} versions`,
  );
}

async function listThenWatch(client: CatalogClient, signal: AbortSignal): Promise<void> {
  while (!signal.aborted) {
    const snapshot = await listAllComponents(client, undefined, signal);
    view.clear();
    for (const component of snapshot.components) view.set(key(component), component);
    console.log(`listed ${view.size} component versions at revision ${snapshot.revision}`);
    console.log(`watching from revision ${snapshot.revision}`);
    const updates = watchCatalog(client, {
      startRevision: snapshot.revision,
      signal,
      onReconnect: ({ error, delayMs, revision }) =>
        console.log(`stream lost (${String(error)}); resuming from revision ${revision} in ${delayMs} ms`),
    });
    for await (const update of updates) {
      if (update.kind === "events") update.events.forEach(apply);
      if (update.kind === "relist") console.log(`revision ${update.revision} was compacted away: listing again`);
    }
  }
}

const stop = new AbortController();
process.once("SIGINT", () => stop.abort());
process.once("SIGTERM", () => stop.abort());
if (values.duration) setTimeout(() => stop.abort(), Number(values.duration) * 1000).unref();

const client = createCatalogClient(values.url, {
  timeoutMs: 10_000,
  ...(values.token ? { headers: { authorization: `Bearer ${values.token}` } } : {}),
});
listThenWatch(client, stop.signal).then(
  () => console.log(`stopped with ${view.size} versions in view`),
  (err: unknown) => {
    console.error(`processor failed: ${String(err)}`);
    process.exitCode = 1;
  },
);
