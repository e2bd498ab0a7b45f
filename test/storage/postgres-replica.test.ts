/**
 * PostgreSQL as a read replica (src/storage/sql/replica.ts): its reads page
 * as the in-process engine's, racing appliers leave every event applied
 * once, gaps and a second primary are refused, a rebuild is one transaction
 * (other readers see the old content until it commits), and a replica's
 * schema and a catalog's own schema each refuse to be taken for the other.
 */
import { afterAll, describe, expect, it } from "vitest";
import { silentLogger } from "../../src/logging/index.js";
import { MemoryCatalogStore } from "../../src/storage/memory/catalog.js";
import { openPostgresStore } from "../../src/storage/postgres/index.js";
import { openPostgresReplica } from "../../src/storage/postgres/replica.js";
import type { SqlReplicaStore } from "../../src/storage/sql/replica.js";
import { expectCode } from "./contract/helpers.js";
import { metaClock, newRecord, uniqueName } from "./fixtures.js";
import { dropSchema, freshSchemaName, testConfig } from "./postgres.harness.js";
import { ALL_VERSIONS_BY_NAME, listAll, seed, snapshotOf } from "./replica-fixtures.js";
import { readsFromReplica, TEST_PRIMARY } from "./replica-harness.js";

const schemas: string[] = [];
const opened: Array<{ close(): Promise<void> }> = [];
afterAll(async () => {
  for (const store of opened) await store.close();
  for (const schema of schemas) await dropSchema(schema);
});

async function replicaIn(schema = freshSchemaName()): Promise<SqlReplicaStore> {
  if (!schemas.includes(schema)) schemas.push(schema);
  const replica = await openPostgresReplica(testConfig(schema), silentLogger);
  opened.push(replica);
  return replica;
}

describe("postgres read replica", () => {
  it("pages every order and filter as the in-process engine does", async () => {
    const primary = new MemoryCatalogStore();
    const replica = readsFromReplica(await replicaIn(), primary);
    await seed(replica);
    for (const filter of [{ includeDeprecated: false }, { includeDeprecated: true, provider: "gcp" }]) {
      for (const field of ["name", "updateTime"] as const) {
        for (const allVersions of [false, true]) {
          const query = { filter, allVersions, orderBy: { field, descending: true }, pageSize: 4 };
          expect(await listAll(replica, query)).toEqual(await listAll(primary, query));
        }
      }
    }
  });

  it("applies every event once when appliers race, and refuses gaps and another primary", async () => {
    const schema = freshSchemaName();
    const [one, two] = [await replicaIn(schema), await replicaIn(schema)];
    const primary = new MemoryCatalogStore();
    await seed(primary);
    const events = await primary.readEvents(0, 1_000);
    const last = events.at(-1)!.revision;
    await Promise.all([
      one.apply(events.slice(0, 30), { primary: TEST_PRIMARY }),
      two.apply(events, { primary: TEST_PRIMARY }),
      one.apply(events.slice(0, 60), { primary: TEST_PRIMARY }),
      two.apply(events, { primary: TEST_PRIMARY }),
    ]);
    expect(await one.state()).toEqual({ appliedRevision: last, primary: TEST_PRIMARY });
    expect(await listAll(two, ALL_VERSIONS_BY_NAME)).toEqual(await listAll(primary, ALL_VERSIONS_BY_NAME));
    const next = await primary.insertVersion(newRecord(uniqueName("gap"), "1.0.0"), metaClock()());
    const after = await primary.insertVersion(newRecord(uniqueName("gap"), "1.0.0"), metaClock()());
    await expect(one.apply([after], { primary: TEST_PRIMARY })).rejects.toThrow(
      `is at revision ${last} and was handed revision ${after.revision} where ${next.revision} belongs`,
    );
    const err = await expectCode(one.apply([next], { primary: "dynamodb:other" }), "FAILED_PRECONDITION");
    expect(err.message).toContain(`fed by primary ${TEST_PRIMARY}, not dynamodb:other`);
  });

  it("rebuilds in one transaction: other readers see the old content until it commits", async () => {
    const schema = freshSchemaName();
    const [rebuilder, reader] = [await replicaIn(schema), await replicaIn(schema)];
    const old = new MemoryCatalogStore();
    const stale = uniqueName("stale");
    await old.insertVersion(newRecord(stale, "1.0.0"), metaClock()());
    await rebuilder.apply(await old.readEvents(0, 10), { primary: TEST_PRIMARY });
    const primary = new MemoryCatalogStore();
    await seed(primary);
    const { current } = await primary.revisionBounds();
    let seenDuring: unknown;
    const state = await rebuilder.rebuild(
      TEST_PRIMARY,
      snapshotOf(primary, current - 4, async () => {
        seenDuring = (await reader.getVersion(stale, "1.0.0"))?.version;
      }),
    );
    expect(seenDuring).toBe("1.0.0");
    expect(state).toEqual({ appliedRevision: current, primary: TEST_PRIMARY });
    expect(await reader.getVersion(stale, "1.0.0")).toBeUndefined();
    expect(await listAll(reader, ALL_VERSIONS_BY_NAME)).toEqual(await listAll(primary, ALL_VERSIONS_BY_NAME));
    expect((await reader.list({ ...ALL_VERSIONS_BY_NAME, pageSize: 1 })).revision).toBe(current);
  });

  it("refuses a catalog's own schema as a replica, and a replica's schema as a catalog's store", async () => {
    const own = freshSchemaName();
    schemas.push(own);
    const store = await openPostgresStore(testConfig(own), silentLogger);
    await store.insertVersion(newRecord(uniqueName("own"), "1.0.0"), metaClock()());
    await store.close();
    const refused = await expectCode(openPostgresReplica(testConfig(own), silentLogger), "FAILED_PRECONDITION");
    expect(refused.message).toContain(`postgres replica (schema "${own}") holds a catalog's event log`);
    const schema = freshSchemaName();
    const replica = await replicaIn(schema);
    const primary = new MemoryCatalogStore();
    await primary.insertVersion(newRecord(uniqueName("fed"), "1.0.0"), metaClock()());
    await replica.apply(await primary.readEvents(0, 10), { primary: TEST_PRIMARY });
    const err = await expectCode(openPostgresStore(testConfig(schema), silentLogger), "FAILED_PRECONDITION");
    expect(err.message).toContain(`postgres (schema "${schema}") is a read replica fed by ${TEST_PRIMARY}`);
  });
});
