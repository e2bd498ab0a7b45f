/**
 * CatalogService handlers of the consumer contract beside the versions:
 * input validation, yanking, compatibility policies, consumer registrations
 * and impact analysis. Like catalog-service.ts: decode, call the Manager,
 * encode; no rules here.
 */
import { create } from "@bufbuild/protobuf";
import type { HandlerContext, ServiceImpl } from "@connectrpc/connect";
import {
  type CatalogService,
  DeregisterConsumerResponseSchema,
  GetCompatibilityPolicyResponseSchema,
  type GetImpactRequest,
  GetImpactResponseSchema,
  ListConsumersResponseSchema,
  RegisterConsumerResponseSchema,
  SetCompatibilityPolicyResponseSchema,
  UnyankComponentVersionResponseSchema,
  ValidateInputsResponseSchema,
  YankComponentVersionResponseSchema,
} from "../../gen/ts/src/nestor/catalog/v1/catalog_service_pb.js";
import type { ConsumerImpact, ImpactChange } from "../catalog/impact.js";
import type { Manager } from "../catalog/manager.js";
import type { ReadOptions, WriteOptions } from "../catalog/requests.js";
import type { JsonObject } from "../storage/records.js";
import { componentToWire, draftFromWire, specChangeToWire } from "./convert.js";
import { consumerToWire, modeFromWire, policyToWire } from "./convert-registry.js";
import { warningsToWire } from "./convert-warnings.js";
import { wireFieldPath } from "./field-paths.js";

type RegistryMethods =
  | "validateInputs"
  | "yankComponentVersion"
  | "unyankComponentVersion"
  | "getCompatibilityPolicy"
  | "registerConsumer"
  | "deregisterConsumer"
  | "listConsumers"
  | "setCompatibilityPolicy"
  | "getImpact";

export function registryHandlers(
  manager: Manager,
  writeOptions: (context: HandlerContext) => WriteOptions,
  readOptions: (request: { minRevision: bigint }, context: HandlerContext) => ReadOptions,
): Pick<ServiceImpl<typeof CatalogService>, RegistryMethods> {
  return {
    async validateInputs(request, context) {
      const values = (request.values ?? {}) as JsonObject;
      const result = await manager.validateInputs(request.name, request.version, values, readOptions(request, context));
      return create(ValidateInputsResponseSchema, {
        version: result.component.version,
        valid: result.violations.length === 0,
        violations: result.violations.map((v) => ({
          field: wireFieldPath(v.field),
          description: v.description,
          reason: v.reason ?? "",
        })),
        warnings: warningsToWire(result.warnings),
        revision: BigInt(result.revision),
      });
    },

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

    async registerConsumer(request, context) {
      const { consumer, name, constraint, labels } = request;
      const result = await manager.consumers.register({ consumer, name, constraint, labels }, writeOptions(context));
      return create(RegisterConsumerResponseSchema, {
        consumer: consumerToWire(result.consumer),
        revision: BigInt(result.revision),
      });
    },

    async deregisterConsumer(request, context) {
      const result = await manager.consumers.deregister(request.consumer, request.name, writeOptions(context));
      return create(DeregisterConsumerResponseSchema, {
        consumer: consumerToWire(result.consumer),
        revision: BigInt(result.revision),
      });
    },

    async listConsumers(request, context) {
      const result = await manager.consumers.list(request.name, request.consumer, readOptions(request, context));
      return create(ListConsumersResponseSchema, {
        consumers: result.consumers.map(consumerToWire),
        revision: BigInt(result.revision),
      });
    },

    async getImpact(request, context) {
      const result = await manager.impact.of(request.name, changeFromWire(request), readOptions(request, context));
      return create(GetImpactResponseSchema, {
        impacts: result.impacts.map(impactToWire),
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

function changeFromWire(request: GetImpactRequest): ImpactChange | undefined {
  const { change } = request;
  switch (change.case) {
    case "component":
      return { kind: "publish", draft: draftFromWire(change.value) };
    case "deprecateVersion":
      return { kind: "deprecate", version: change.value };
    case "yankVersion":
      return { kind: "yank", version: change.value };
    default:
      return undefined;
  }
}

function impactToWire(impact: ConsumerImpact) {
  return {
    consumer: consumerToWire(impact.consumer),
    currentVersion: impact.currentVersion ?? "",
    nextVersion: impact.nextVersion ?? "",
    changed: impact.changed,
    breaking: impact.breaking,
    changes: (impact.report?.changes ?? []).map(specChangeToWire),
  };
}
