/** listConsumers: the registrations of one component (by consumer) or of one consumer (by component). */
import type { ConsumerQuery, ConsumerRecord } from "../../records.js";
import type { SqlSession, SqlStatements } from "../dialect.js";

export async function listConsumers(
  session: SqlSession,
  sql: SqlStatements,
  query: ConsumerQuery,
): Promise<ConsumerRecord[]> {
  const rows = await session.rows(sql.listConsumers(query));
  return rows.map((row) => sql.consumer(row));
}
