import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { SortedArray } from "./sorted-array.js";

interface Item {
  key: number;
  order: number;
}

describe("SortedArray", () => {
  const byKey = (a: Item, b: Item) => a.key - b.key;
  const contents = (array: SortedArray<Item>) => Array.from({ length: array.length }, (_, i) => array.at(i));

  it("holds its items in comparator order, equal items in insertion order, whatever the insertion order", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 20 }), { maxLength: 60 }), fc.boolean(), (keys, ascending) => {
        const items = (ascending ? [...keys].sort((a, b) => a - b) : keys).map((key, order) => ({ key, order }));
        const array = new SortedArray<Item>(byKey);
        for (const item of items) array.insert(item);
        // Array.prototype.sort is stable: equal keys keep insertion order.
        expect(contents(array)).toEqual([...items].sort(byKey));
      }),
      { numRuns: 500 },
    );
  });

  it("finds and removes an item after appends and inserts", () => {
    const array = new SortedArray<Item>(byKey);
    for (const key of [1, 2, 3, 0, 5, 4]) array.insert({ key, order: key });
    expect(array.remove({ key: 3, order: -1 })).toBe(true);
    expect(array.remove({ key: 3, order: -1 })).toBe(false);
    expect(contents(array).map((item) => item?.key)).toEqual([0, 1, 2, 4, 5]);
  });
});
