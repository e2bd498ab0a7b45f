/** A SQL replica's applied revision (its revision row) and the primary that fed it. */
import type { ReplicaState } from "../../store.js";
import type { SqlSession, SqlStatements } from "../dialect.js";

export async function readReplicaState(session: SqlSession, sql: SqlStatements): Promise<ReplicaState> {
  const [row] = await session.rows<{ current: number | string; primary_name: string }>(sql.replicaState());
  if (row === undefined) throw new Error("the replica_state row is missing: is the schema migrated?");
  return { appliedRevision: Number(row.current), primary: row.primary_name };
}

/** Moves the applied revision and records the primary, on the replica's transaction. */
export async function writeReplicaState(
  tx: SqlSession,
  sql: SqlStatements,
  applied: number,
  primary: string,
): Promise<void> {
  for (const statement of sql.setReplicaState(applied, primary)) await tx.run(statement);
}
