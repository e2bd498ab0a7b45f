/**
 * The storage contract suite: every CatalogStore backend runs it against its
 * real server, with no cache, the in-process LRU and Redis in front
 * (test/storage/*.contract.test.ts). It uses only the CatalogStore API, and
 * every test writes under fresh names (filtering reads by those names or by
 * a fresh provider), so it can run against a shared database that holds
 * other data. Tests within the suite run one after another; revision checks
 * are relative to the revision read just before the test's writes. One file
 * per concern; the Git sync state's contract is sync-state.ts.
 *
 * Conventions a backend must follow beyond the types in store.ts:
 * - list order: the primary field in the requested direction, ties by name
 *   ascending, then version SemVer-descending, whatever the direction;
 * - search score tiers: exact name > name contains > label key/value,
 *   input or output name > description, summed over terms;
 * - OUT_OF_RANGE messages name the oldest event still held (compacted + 1);
 * - compact(n) with n >= current keeps the current revision's event.
 */
import { afterAll, beforeAll, describe } from "vitest";
import type { CatalogStore } from "../../../src/storage/store.js";
import { defineCancellationContract } from "./cancellation.js";
import { defineConcurrencyContract } from "./concurrency.js";
import { defineEventsContract } from "./events.js";
import { defineGuardsContract } from "./guards.js";
import { type ContractContext, contractContext, type StoreHarness } from "./helpers.js";
import { defineLifecycleContract } from "./lifecycle.js";
import { defineListContract } from "./list.js";
import { definePublishContract } from "./publish.js";
import { defineReadsContract } from "./read.js";
import { defineRegistryContract } from "./registry.js";
import { defineSearchContract } from "./search.js";
import { defineVersionsContract } from "./versions.js";

export { metaClock, newRecord, uniqueName, uniqueToken } from "../fixtures.js";
export { expectCode, type StoreHarness } from "./helpers.js";

/** One describe block on one store the suite opens, closes, and hands to each concern. */
function defineSuite(title: string, harness: StoreHarness, concerns: ReadonlyArray<(ctx: ContractContext) => void>) {
  describe(title, () => {
    let opened: CatalogStore | undefined;
    beforeAll(async () => {
      await harness.reset?.();
      opened = await harness.open();
    });
    afterAll(async () => {
      await opened?.close();
    });
    const ctx = contractContext(harness, () => {
      if (opened === undefined) throw new Error("the contract suite's store is not open");
      return opened;
    });
    for (const concern of concerns) concern(ctx);
  });
}

/**
 * The read half of the suite (reads, versions, list, search) and the
 * lifecycle and registry concerns (what a read model must answer of yanks,
 * policies and registrations), for a store whose reads come from a read
 * model fed by another store's writes.
 */
export function defineReadContract(backendName: string, harness: StoreHarness): void {
  defineSuite(`CatalogStore read contract: ${backendName}`, harness, [
    defineReadsContract,
    defineVersionsContract,
    defineListContract,
    defineSearchContract,
    defineLifecycleContract,
    defineRegistryContract,
  ]);
}

export function defineStoreContract(backendName: string, harness: StoreHarness): void {
  defineSuite(`CatalogStore contract: ${backendName}`, harness, [
    defineReadsContract,
    defineVersionsContract,
    definePublishContract,
    defineListContract,
    defineSearchContract,
    defineEventsContract,
    defineConcurrencyContract,
    defineGuardsContract,
    defineCancellationContract,
    defineLifecycleContract,
    defineRegistryContract,
  ]);
}
