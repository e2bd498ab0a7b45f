/**
 * @nestor/catalog-client: the generated nestor.catalog.v1 messages and
 * service, a client factory, and the list-then-watch helpers.
 */
export * from "../nestor/catalog/v1/catalog_service_pb.js";
export * from "../nestor/catalog/v1/component_pb.js";
export * from "../nestor/catalog/v1/events_pb.js";
export * from "../nestor/catalog/v1/registry_pb.js";
export * from "../nestor/catalog/v1/sync_service_pb.js";
export { BadRequestSchema, type BadRequest, type BadRequest_FieldViolation } from "../google/rpc/error_details_pb.js";
export { createCatalogClient, createCatalogTransport, type CatalogClient, type CatalogClientOptions, type CatalogProtocol, type HeaderSource } from "./create-catalog-client.js";
export { RevisionTracker, readYourWritesInterceptor } from "./read-your-writes.js";
export { listAllComponents, type CatalogSnapshot, type ListRequest } from "./list-all.js";
export { watchCatalog, backoffDelay, type WatchingClient, type WatchUpdate, type WatchOptions, type BackoffOptions, type ReconnectInfo } from "./watch-catalog.js";
export { followConstraint, type FollowOptions, type ResolutionUpdate } from "./follow-constraint.js";
export { fieldViolations, isRelistNeeded, type FieldViolation } from "./errors.js";
export { Code, ConnectError, createClient } from "@connectrpc/connect";
