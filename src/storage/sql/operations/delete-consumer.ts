/** deleteConsumer: removes a registration as event "consumer_deregistered"; NOT_FOUND when there is none. */
import { consumerNotFound } from "../../core/errors.js";
import type { ConsumerEvent, WriteMeta } from "../../records.js";
import { normalizeTime } from "../columns.js";
import type { SqlSession, SqlStatements } from "../dialect.js";

export function deleteConsumer(
  sql: SqlStatements,
  consumer: string,
  name: string,
  meta: WriteMeta,
): (tx: SqlSession, revision: number) => Promise<ConsumerEvent> {
  return async (tx, revision) => {
    const [row] = await tx.rows(sql.getConsumer(consumer, name));
    if (row === undefined) throw consumerNotFound(consumer, name);
    await tx.run(sql.deleteConsumer(consumer, name));
    const time = normalizeTime(meta.time);
    return { revision, type: "consumer_deregistered", time, consumer: sql.consumer(row), actor: meta.actor };
  };
}
