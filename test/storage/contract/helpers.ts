/**
 * What every concern of the contract suite shares: the context a backend's
 * run provides (its store, behind a handle that follows the store the suite
 * opened) and the small helpers the cases use.
 */
import { expect } from "vitest";
import { type CatalogError, type ErrorCode, isCatalogError } from "../../../src/errors/index.js";
import type { ComponentRecord } from "../../../src/storage/records.js";
import type { CatalogStore, ComponentFilter, ListQuery, OrderField } from "../../../src/storage/store.js";

export interface StoreHarness {
  /** Opens a store on the backend; the suite opens one and closes it at the end. */
  open(): Promise<CatalogStore>;
  /** Optionally empties the backend before the suite opens its store. */
  reset?(): Promise<void>;
  /** Stops the backend's server (for the outage test); startServer brings it back. */
  stopServer?(): Promise<void>;
  startServer?(): Promise<void>;
}

export interface ContractContext {
  /** The suite's store: usable in test bodies (it is opened in beforeAll). */
  store: CatalogStore;
  harness: StoreHarness;
  /** The store's current revision. */
  current(): Promise<number>;
  /** Every row of a list, following cursors. */
  listAll(query: Omit<ListQuery, "cursor" | "pageSize">, pageSize?: number): Promise<ComponentRecord[]>;
  byName: { field: OrderField; descending: boolean };
  /** A filter restricted to `names`, deprecated versions included. */
  only(names: string[], extra?: Partial<ComponentFilter>): ComponentFilter;
}

/** A context whose `store` forwards to whatever `opened()` returns when a test calls it. */
export function contractContext(harness: StoreHarness, opened: () => CatalogStore): ContractContext {
  const store = new Proxy({} as CatalogStore, {
    get(_target, property) {
      const target = opened();
      const value: unknown = Reflect.get(target, property);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  const current = async () => (await store.revisionBounds()).current;
  async function listAll(query: Omit<ListQuery, "cursor" | "pageSize">, pageSize = 1000) {
    const items: ComponentRecord[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await store.list({ ...query, pageSize, ...(cursor ? { cursor } : {}) });
      items.push(...page.items);
      cursor = page.nextCursor;
      pages += 1;
      expect(pages).toBeLessThan(200);
    } while (cursor);
    return items;
  }
  return {
    store,
    harness,
    current,
    listAll,
    byName: { field: "name", descending: false },
    only: (names, extra = {}) => ({ names, includeDeprecated: true, ...extra }),
  };
}

export async function expectCode(promise: Promise<unknown>, code: ErrorCode): Promise<CatalogError> {
  let outcome: unknown;
  try {
    outcome = await promise;
  } catch (err) {
    if (!isCatalogError(err)) throw err;
    expect(err.code, err.message).toBe(code);
    return err;
  }
  throw new Error(`expected a CatalogError ${code}, got ${JSON.stringify(outcome)}`);
}

export const versionsOf = (records: readonly ComponentRecord[]) => records.map((r) => r.version);
export const namesOf = (records: readonly ComponentRecord[]) => records.map((r) => r.name);
export const rowKey = (r: ComponentRecord) => `${r.name}@${r.version}`;
