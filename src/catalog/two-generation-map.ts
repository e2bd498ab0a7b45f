/**
 * A bounded map for hot-path memoisation: two generations of at most
 * `maxEntries` each; when the young one fills it becomes the old one and the
 * previous old one is dropped. An entry read from the old generation moves
 * back to the young one, so what is read often stays. Cheaper per hit than
 * an exact LRU (no re-insertion on every hit), which matters on GetComponent.
 */
export class TwoGenerationMap<K, V> {
  private young = new Map<K, V>();
  private old = new Map<K, V>();

  constructor(private readonly maxEntries: number) {}

  get size(): number {
    return this.young.size + this.old.size;
  }

  get(key: K): V | undefined {
    const young = this.young.get(key);
    if (young !== undefined) return young;
    const old = this.old.get(key);
    if (old !== undefined) this.set(key, old);
    return old;
  }

  set(key: K, value: V): void {
    if (this.young.size >= this.maxEntries) {
      this.old = this.young;
      this.young = new Map();
    }
    this.young.set(key, value);
  }

  clear(): void {
    this.young = new Map();
    this.old = new Map();
  }
}
