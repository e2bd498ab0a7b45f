/**
 * A SQL dialect as a read replica (src/storage/sql/replica.ts), the same
 * cases for each: its reads page as the in-process engine's, racing
 * appliers leave every event applied once, gaps and a second primary are
 * refused, a rebuild is one transaction (other readers see the old content
 * until it commits), yanks, policies and registrations read as on the
 * primary (applied and rebuilt), and a replica's place and a catalog's own place each
 * refuse to be taken for the other.
 */
import { afterAll, describe, expect, it } from "vitest";
import { MemoryCatalogStore } from "../../src/storage/memory/catalog.js";
import type { SqlReplicaStore } from "../../src/storage/sql/replica.js";
import type { CatalogStore } from "../../src/storage/store.js";
import { expectCode } from "./contract/helpers.js";
import { metaClock, newRecord, uniqueName } from "./fixtures.js";
import {
  ALL_VERSIONS_BY_NAME,
  consumerContractState,
  listAll,
  seed,
  seedConsumerContract,
  snapshotOf,
} from "./replica-fixtures.js";
import { readsFromReplica, TEST_PRIMARY } from "./replica-harness.js";

export interface SqlReplicaPlaces {
  /** A fresh place (schema, database) for a replica or a store; created when it must exist first. */
  fresh(): Promise<string>;
  remove(place: string): Promise<void>;
  openReplica(place: string): Promise<SqlReplicaStore>;
  openStore(place: string): Promise<CatalogStore>;
  /** How the replica names its place in messages, e.g. `postgres replica (schema "x")`. */
  replicaWhere(place: string): string;
  /** How the store names its place in messages, e.g. `postgres (schema "x")`. */
  storeWhere(place: string): string;
}

export function defineSqlReplicaSuite(dialect: string, places: SqlReplicaPlaces): void {
  const made: string[] = [];
  const opened: Array<{ close(): Promise<void> }> = [];
  afterAll(async () => {
    for (const store of opened) await store.close();
    for (const place of made) await places.remove(place);
  });
  const fresh = async () => {
    const place = await places.fresh();
    made.push(place);
    return place;
  };
  const replicaIn = async (place: string) => {
    const replica = await places.openReplica(place);
    opened.push(replica);
    return replica;
  };

  describe(`${dialect} read replica`, () => {
    it("pages every order and filter as the in-process engine does", async () => {
      const primary = new MemoryCatalogStore();
      const replica = readsFromReplica(await replicaIn(await fresh()), primary);
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
      const place = await fresh();
      const [one, two] = [await replicaIn(place), await replicaIn(place)];
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

    it("ends at the primary's state for any batches: a version written, deleted and written again in one", async () => {
      const primary = new MemoryCatalogStore();
      await seed(primary);
      const meta = metaClock();
      const name = uniqueName("again");
      await primary.insertVersion(newRecord(name, "1.0.0"), meta());
      await primary.insertVersion(newRecord(name, "2.0.0"), meta());
      await primary.deleteVersions(name, ["2.0.0"], meta());
      await primary.insertVersion(newRecord(name, "2.0.0", { description: "written again" }), meta());
      await primary.updateVersion(name, "2.0.0", { deprecation: { deprecated: true, message: "x" } }, meta());
      await primary.deleteVersions(name, ["1.0.0"], meta());
      const events = await primary.readEvents(0, 1_000);
      const latest = { ...ALL_VERSIONS_BY_NAME, allVersions: false };
      for (const size of [events.length, 7, 1]) {
        const replica = await replicaIn(await fresh());
        for (let i = 0; i < events.length; i += size) {
          await replica.apply(events.slice(i, i + size), { primary: TEST_PRIMARY });
        }
        expect(await listAll(replica, ALL_VERSIONS_BY_NAME)).toEqual(await listAll(primary, ALL_VERSIONS_BY_NAME));
        expect(await listAll(replica, latest)).toEqual(await listAll(primary, latest));
        expect(await replica.getVersion(name, "2.0.0")).toEqual(await primary.getVersion(name, "2.0.0"));
        expect(await replica.getVersion(name, "1.0.0")).toBeUndefined();
      }
    });

    it("rebuilds in one transaction: other readers see the old content until it commits", async () => {
      const place = await fresh();
      const [rebuilder, reader] = [await replicaIn(place), await replicaIn(place)];
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

    it("answers yanks, policies and registrations as the primary does, applied and rebuilt", async () => {
      const primary = new MemoryCatalogStore();
      const applied = await replicaIn(await fresh());
      const { names, consumers } = await seedConsumerContract(readsFromReplica(applied, primary));
      const expected = await consumerContractState(primary, names, consumers);
      expect(expected).toMatchObject({ latest: [`${names[0]}@1.1.0`], policies: [{ mode: "full_transitive" }, {}] });
      expect(await consumerContractState(applied, names, consumers)).toEqual(expected);
      const rebuilt = await replicaIn(await fresh());
      const { current } = await primary.revisionBounds();
      await rebuilt.rebuild(TEST_PRIMARY, snapshotOf(primary, current - 6));
      expect(await consumerContractState(rebuilt, names, consumers)).toEqual(expected);
    });

    it("refuses a catalog's own place as a replica, and a replica's place as a catalog's store", async () => {
      const own = await fresh();
      const store = await places.openStore(own);
      await store.insertVersion(newRecord(uniqueName("own"), "1.0.0"), metaClock()());
      await store.close();
      const refused = await expectCode(places.openReplica(own), "FAILED_PRECONDITION");
      expect(refused.message).toContain(`${places.replicaWhere(own)} holds a catalog's event log`);
      const place = await fresh();
      const replica = await replicaIn(place);
      const primary = new MemoryCatalogStore();
      await primary.insertVersion(newRecord(uniqueName("fed"), "1.0.0"), metaClock()());
      await replica.apply(await primary.readEvents(0, 10), { primary: TEST_PRIMARY });
      const err = await expectCode(places.openStore(place), "FAILED_PRECONDITION");
      expect(err.message).toContain(`${places.storeWhere(place)} is a read replica fed by ${TEST_PRIMARY}`);
    });
  });
}
