import { defineCachedStoreBehaviour } from "./cached-store-behaviour.js";
import { LruCache } from "./lru.js";

defineCachedStoreBehaviour("an in-process LRU", () => new LruCache({ maxEntries: 1_000 }));
