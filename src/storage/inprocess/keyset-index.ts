/**
 * A maintained index for one list order, walked from a keyset cursor.
 * Stored oldest-first whatever the requested direction (a descending order
 * is kept as its exact reverse and walked backwards), so the common write,
 * a row with the newest updateTime, is an append rather than an insert at
 * the front of a large array.
 */
import { type ListOrder, type RowKey, rowComparator } from "../core/ordering.js";
import { SortedArray } from "./sorted-array.js";

export class KeysetIndex<T extends RowKey> {
  private readonly rows: SortedArray<T, RowKey>;
  private readonly walkBackwards: boolean;

  constructor(order: ListOrder) {
    const compare = rowComparator(order);
    this.walkBackwards = order.descending;
    this.rows = new SortedArray<T, RowKey>(this.walkBackwards ? (a, b) => compare(b, a) : compare);
  }

  insert(row: T): void {
    this.rows.insert(row);
  }

  remove(key: RowKey): void {
    this.rows.remove(key);
  }

  reset(rows: T[]): void {
    this.rows.reset(rows);
  }

  /** Rows strictly after `after` in the index's list order. */
  *after(after: RowKey | undefined): Iterable<T> {
    const rows = this.rows;
    if (this.walkBackwards) {
      for (let i = (after ? rows.lowerBound(after) : rows.length) - 1; i >= 0; i--) yield rows.at(i) as T;
    } else {
      for (let i = after ? rows.upperBound(after) : 0; i < rows.length; i++) yield rows.at(i) as T;
    }
  }
}
