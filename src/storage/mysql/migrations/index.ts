/** Every MySQL migration, one file each; applied in id order (../../sql/migrate.ts). */
import type { Migration } from "../../sql/migrate.js";
import { migration as init } from "./20261204_001_init.js";
import { migration as syncState } from "./20261204_002_sync_state.js";
import { migration as replicaState } from "./20261205_003_replica_state.js";
import { migration as consumerContract } from "./20261210_004_consumer_contract.js";

export const MYSQL_MIGRATIONS: readonly Migration[] = [init, syncState, replicaState, consumerContract];
