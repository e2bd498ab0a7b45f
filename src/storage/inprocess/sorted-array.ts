/**
 * An array kept sorted by a comparator, with binary-search bounds so that
 * keyset pagination starts at the right row in O(log N) instead of sorting
 * the catalog on every read. Probes may be any key the comparator accepts.
 */
export class SortedArray<T extends K, K = T> {
  private items: T[] = [];

  constructor(private readonly compare: (a: K, b: K) => number) {}

  get length(): number {
    return this.items.length;
  }

  at(index: number): T | undefined {
    return this.items[index];
  }

  /** The first index whose item is not below `probe`. */
  lowerBound(probe: K): number {
    let low = 0;
    let high = this.items.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (this.compare(this.items[mid] as T, probe) < 0) low = mid + 1;
      else high = mid;
    }
    return low;
  }

  /** The first index whose item is above `probe`. */
  upperBound(probe: K): number {
    let low = 0;
    let high = this.items.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (this.compare(this.items[mid] as T, probe) <= 0) low = mid + 1;
      else high = mid;
    }
    return low;
  }

  insert(item: T): void {
    const items = this.items;
    // The common writes (the newest updateTime, names published in order) land at the end: one comparison, no search.
    if (items.length === 0 || this.compare(items[items.length - 1] as T, item) <= 0) {
      items.push(item);
      return;
    }
    const index = this.upperBound(item);
    items.splice(index, 0, item);
  }

  /** Removes the item comparing equal to `key`; false when there is none. */
  remove(key: K): boolean {
    const index = this.lowerBound(key);
    const found = this.items[index];
    if (found === undefined || this.compare(found, key) !== 0) return false;
    if (index === this.items.length - 1) this.items.pop();
    else this.items.splice(index, 1);
    return true;
  }

  /** Replaces the contents with `items`, sorted once (bulk loads). */
  reset(items: T[]): void {
    this.items = items.sort(this.compare);
  }
}
