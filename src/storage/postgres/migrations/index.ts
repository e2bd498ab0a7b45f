/** Every PostgreSQL migration, one file each; applied in id order (../../sql/migrate.ts). */
import type { Migration } from "../../sql/migrate.js";
import { migration as init } from "./20261126_001_init.js";
import { migration as syncState } from "./20261126_002_sync_state.js";
import { migration as versionActors } from "./20261126_003_version_actors.js";
import { migration as sortableVersionOrder } from "./20261204_004_sortable_version_order.js";
import { migration as replicaState } from "./20261205_005_replica_state.js";
import { migration as consumerContract } from "./20261210_006_consumer_contract.js";

export const POSTGRES_MIGRATIONS: readonly Migration[] = [
  init,
  syncState,
  versionActors,
  sortableVersionOrder,
  replicaState,
  consumerContract,
];
