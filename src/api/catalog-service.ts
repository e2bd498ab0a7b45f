/**
 * CatalogService handlers: decode the request, call the Manager or the event
 * feed, encode the response. No business rules and no storage here.
 */
import { create } from "@bufbuild/protobuf";
import type { HandlerContext, ServiceImpl } from "@connectrpc/connect";
import {
  type CatalogService,
  CompareComponentVersionsResponseSchema,
  CreateComponentResponseSchema,
  DeleteComponentResponseSchema,
  GetComponentResponseSchema,
  ListComponentsResponseSchema,
  ListComponentVersionsResponseSchema,
  SearchComponentsResponseSchema,
  SearchResultSchema,
  UpdateComponentResponseSchema,
  type ComponentFilter as WireComponentFilter,
} from "../../gen/ts/src/nestor/catalog/v1/catalog_service_pb.js";
import type { Manager } from "../catalog/manager.js";
import type { ReadOptions, WriteOptions } from "../catalog/requests.js";
import type { WatchFeed } from "../catalog/watch.js";
import { CatalogError, REASONS } from "../errors/index.js";
import type { ComponentFilter } from "../storage/store.js";
import { actorKey, writeAuthorizerKey } from "./context.js";
import { BUMP_TO_WIRE, componentToWire, deprecationFromWire, draftFromWire, specChangeToWire } from "./convert.js";
import { MODE_TO_WIRE, policyToWire } from "./convert-registry.js";
import { warningsToWire } from "./convert-warnings.js";
import { registryHandlers } from "./registry-handlers.js";
import { watchBatches } from "./watch-request.js";
import { answerFormOf, setStoredComponents, watchResponses } from "./wire-cache.js";

export interface CatalogServiceDeps {
  manager: Manager;
  feed: WatchFeed;
}

const actor = (context: HandlerContext) => context.values.get(actorKey);

/**
 * Who writes, the call's signal (its deadline or cancellation stops a write
 * still waiting to commit) and, for a scoped caller, the scope check the
 * Manager runs inside the write.
 */
function writeOptions(context: HandlerContext): WriteOptions {
  const authorize = context.values.get(writeAuthorizerKey);
  const options: WriteOptions = { actor: actor(context), signal: context.signal };
  if (authorize) options.authorize = authorize;
  return options;
}

/** A read's min_revision (the Manager refuses one that is not a revision) and the call's deadline. */
function readOptions(request: { minRevision: bigint }, context: HandlerContext): ReadOptions {
  return { minRevision: Number(request.minRevision), signal: context.signal };
}

export function catalogServiceHandlers({ manager, feed }: CatalogServiceDeps): ServiceImpl<typeof CatalogService> {
  return {
    ...registryHandlers(manager, writeOptions, readOptions),
    async createComponent(request, context) {
      const result = await manager.publish(draftFromWire(request.component), {
        ...writeOptions(context),
        validateOnly: request.validateOnly,
      });
      return create(CreateComponentResponseSchema, {
        component: componentToWire(result.component),
        created: result.created,
        revision: BigInt(result.revision),
      });
    },

    async getComponent(request, context) {
      const result = await manager.get(request.name, request.version, readOptions(request, context));
      const response = create(GetComponentResponseSchema, {
        revision: BigInt(result.revision),
        deprecated: result.component.deprecation.deprecated,
        warnings: warningsToWire(result.warnings),
      });
      // The Component's wire form made once per stored record (see wire-cache.ts).
      const field = GetComponentResponseSchema.field.component;
      setStoredComponents(response, field, [result.component], answerFormOf(context));
      return response;
    },

    async updateComponent(request, context) {
      const component = request.component;
      if (!component) {
        throw CatalogError.invalid([{ field: "component", description: "is required", reason: REASONS.required }]);
      }
      const result = await manager.update(
        {
          name: component.name,
          version: component.version,
          description: component.description,
          labels: { ...component.labels },
          deprecation: deprecationFromWire(component.deprecation),
          updateMask: request.updateMask?.paths ?? [],
          etag: component.etag,
        },
        writeOptions(context),
      );
      return create(UpdateComponentResponseSchema, {
        component: componentToWire(result.component),
        revision: BigInt(result.revision),
      });
    },

    async deleteComponent(request, context) {
      const result = await manager.delete(
        { name: request.name, version: request.version, allVersions: request.allVersions, etag: request.etag },
        writeOptions(context),
      );
      return create(DeleteComponentResponseSchema, {
        components: result.components.map(componentToWire),
        revision: BigInt(result.revision),
      });
    },

    async listComponents(request, context) {
      const page = await manager.list(
        {
          filter: filterFromWire(request.filter),
          allVersions: request.allVersions,
          orderBy: request.orderBy,
          pageSize: request.pageSize,
          pageToken: request.pageToken,
        },
        readOptions(request, context),
      );
      const response = create(ListComponentsResponseSchema, {
        nextPageToken: page.nextPageToken,
        revision: BigInt(page.revision),
        warnings: warningsToWire(page.warnings),
      });
      setStoredComponents(response, ListComponentsResponseSchema.field.components, page.items, answerFormOf(context));
      return response;
    },

    async searchComponents(request, context) {
      const page = await manager.search(
        {
          query: request.query,
          filter: filterFromWire(request.filter),
          pageSize: request.pageSize,
          pageToken: request.pageToken,
        },
        readOptions(request, context),
      );
      const form = answerFormOf(context);
      const results = page.items.map((hit) => {
        const result = create(SearchResultSchema, { score: hit.score });
        setStoredComponents(result, SearchResultSchema.field.component, [hit.component], form);
        return result;
      });
      return create(SearchComponentsResponseSchema, {
        results,
        nextPageToken: page.nextPageToken,
        revision: BigInt(page.revision),
        warnings: warningsToWire(page.warnings),
      });
    },

    async listComponentVersions(request, context) {
      const page = await manager.listVersions(
        request.name,
        { pageSize: request.pageSize, pageToken: request.pageToken },
        readOptions(request, context),
      );
      const response = create(ListComponentVersionsResponseSchema, {
        nextPageToken: page.nextPageToken,
        revision: BigInt(page.revision),
        warnings: warningsToWire(page.warnings),
      });
      const field = ListComponentVersionsResponseSchema.field.components;
      setStoredComponents(response, field, page.items, answerFormOf(context));
      return response;
    },

    async compareComponentVersions(request, context) {
      const result = await manager.compare(
        request.name,
        request.baseVersion,
        request.targetVersion,
        readOptions(request, context),
      );
      return create(CompareComponentVersionsResponseSchema, {
        changes: result.report.changes.map(specChangeToWire),
        breaking: result.report.breaking,
        requiredBump: BUMP_TO_WIRE[result.report.requiredBump],
        bumpSufficient: result.bumpSufficient,
        revision: BigInt(result.revision),
        satisfiedModes: result.satisfiedModes.map((mode) => MODE_TO_WIRE[mode]),
        policy: policyToWire(result.policy),
      });
    },

    async *watchEvents(request, context) {
      const batches = watchBatches(feed, request, context.signal);
      const form = answerFormOf(context);
      for await (const batch of batches) {
        // Almost always one response; no generator is kept suspended across the idle wait.
        for (const response of watchResponses(batch, form)) yield response;
      }
      // The feed ends quietly when the call's signal aborts; the call must still end with the
      // reason (DEADLINE_EXCEEDED, CANCELED), never with OK as if the stream were complete.
      context.signal.throwIfAborted();
    },
  };
}

function filterFromWire(filter: WireComponentFilter | undefined): ComponentFilter {
  if (!filter) return { includeDeprecated: false };
  return {
    ...(filter.provider ? { provider: filter.provider } : {}),
    ...(filter.category ? { category: filter.category } : {}),
    ...(Object.keys(filter.labels).length > 0 ? { labels: { ...filter.labels } } : {}),
    ...(filter.deploymentEngine ? { deploymentEngine: filter.deploymentEngine } : {}),
    includeDeprecated: filter.includeDeprecated,
  };
}
