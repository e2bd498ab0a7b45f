/**
 * CatalogService handlers of the consumer contract beside the versions:
 * yanking, compatibility policies (and later consumers, impact analysis and
 * input validation). Like catalog-service.ts: decode, call the Manager,
 * encode; no rules here.
 */
import { create } from "@bufbuild/protobuf";
import type { HandlerContext, ServiceImpl } from "@connectrpc/connect";
import {
  type CatalogService,
  GetCompatibilityPolicyResponseSchema,
  SetCompatibilityPolicyResponseSchema,
  UnyankComponentVersionResponseSchema,
  YankComponentVersionResponseSchema,
} from "../../gen/ts/src/nestor/catalog/v1/catalog_service_pb.js";
import type { Manager } from "../catalog/manager.js";
import type { WriteOptions } from "../catalog/requests.js";
import { componentToWire } from "./convert.js";
import { modeFromWire, policyToWire } from "./convert-registry.js";

type RegistryMethods =
  | "yankComponentVersion"
  | "unyankComponentVersion"
  | "getCompatibilityPolicy"
  | "setCompatibilityPolicy";

export function registryHandlers(
  manager: Manager,
  writeOptions: (context: HandlerContext) => WriteOptions,
): Pick<ServiceImpl<typeof CatalogService>, RegistryMethods> {
  return {
    async yankComponentVersion(request, context) {
      const result = await manager.lifecycle.yank(
        { name: request.name, version: request.version, reason: request.reason, etag: request.etag },
        writeOptions(context),
      );
      return create(YankComponentVersionResponseSchema, {
        component: componentToWire(result.component),
        revision: BigInt(result.revision),
      });
    },

    async unyankComponentVersion(request, context) {
      const result = await manager.lifecycle.unyank(
        { name: request.name, version: request.version, etag: request.etag },
        writeOptions(context),
      );
      return create(UnyankComponentVersionResponseSchema, {
        component: componentToWire(result.component),
        revision: BigInt(result.revision),
      });
    },

    async getCompatibilityPolicy(request) {
      const result = await manager.policies.get(request.name);
      return create(GetCompatibilityPolicyResponseSchema, {
        policy: policyToWire(result.policy),
        revision: BigInt(result.revision),
      });
    },

    async setCompatibilityPolicy(request, context) {
      const result = await manager.policies.set(request.name, modeFromWire(request.mode), writeOptions(context));
      return create(SetCompatibilityPolicyResponseSchema, {
        policy: policyToWire(result.policy),
        revision: BigInt(result.revision),
      });
    },
  };
}
