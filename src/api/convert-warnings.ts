/** Warnings (src/catalog/warnings.ts) on the wire, as every read response carries them. */
import { create } from "@bufbuild/protobuf";
import {
  WarningKind,
  WarningSchema,
  type Warning as WireWarning,
} from "../../gen/ts/src/nestor/catalog/v1/catalog_service_pb.js";
import type { Warning } from "../catalog/warnings.js";
import { timestamp } from "./convert.js";

const KIND_TO_WIRE = { deprecated: WarningKind.DEPRECATED, yanked: WarningKind.YANKED } as const;

export function warningToWire(warning: Warning): WireWarning {
  return create(WarningSchema, {
    kind: KIND_TO_WIRE[warning.kind],
    message: warning.message,
    name: warning.name,
    version: warning.version,
    ...(warning.replacement ? { replacement: warning.replacement } : {}),
    ...(warning.sunsetTime ? { sunsetTime: timestamp(warning.sunsetTime) } : {}),
  });
}

export function warningsToWire(warnings: readonly Warning[]): WireWarning[] {
  return warnings.map(warningToWire);
}
