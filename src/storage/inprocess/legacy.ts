/**
 * Recovery of embedded logs and snapshots written before versions carried
 * actors: every record held in memory gets the full shape (see withActors).
 */
import { withActors } from "../core/patch.js";
import type { CatalogEvent } from "../records.js";

export function eventWithActors(event: CatalogEvent): CatalogEvent {
  const component = withActors(event.component);
  return component === event.component ? event : { ...event, component };
}
