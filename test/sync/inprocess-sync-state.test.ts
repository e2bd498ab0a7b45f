/**
 * The in-process SyncStateStore (memory and embedded storage) against the
 * shared contract: its "replicas" are handles on one instance, as when
 * several GitSyncs run in one process.
 */
import { InProcessSyncStateStore } from "../../src/catalog/sync/index.js";
import { defineSyncStateContract } from "../storage/contract/sync-state.js";

const shared = new InProcessSyncStateStore();

defineSyncStateContract("in-process", async () => shared, { leaseClock: "caller" });
