/**
 * The "list" half of list-then-watch: every page of ListComponents, and the
 * revision to start WatchEvents from.
 */
import type { MessageInitShape } from "@bufbuild/protobuf";
import type { Component } from "../nestor/catalog/v1/component_pb.js";
import type { ComponentFilterSchema } from "../nestor/catalog/v1/catalog_service_pb.js";
import type { CatalogClient } from "./create-catalog-client.js";

export interface CatalogSnapshot {
  components: Component[];
  /**
   * The revision of the first page. Later pages may reflect newer writes;
   * watching from this revision replays those writes too, and applying an
   * event is idempotent, so the view converges with no gap.
   */
  revision: bigint;
}

/** ListComponentsRequest without the page token, which listAllComponents drives. */
export interface ListRequest {
  pageSize?: number;
  filter?: MessageInitShape<typeof ComponentFilterSchema>;
  allVersions?: boolean;
  orderBy?: string;
}

/** Every version of every component (deprecated included) unless `request` narrows it. */
export async function listAllComponents(
  client: CatalogClient,
  request: ListRequest = { allVersions: true, filter: { includeDeprecated: true } },
  signal?: AbortSignal,
): Promise<CatalogSnapshot> {
  const components: Component[] = [];
  let revision: bigint | undefined;
  let pageToken = "";
  do {
    const page = await client.listComponents({ ...request, pageToken }, signal ? { signal } : {});
    revision ??= page.revision;
    components.push(...page.components);
    pageToken = page.nextPageToken;
  } while (pageToken !== "");
  return { components, revision: revision ?? 0n };
}
