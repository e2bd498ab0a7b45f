/**
 * Which role each method needs. CatalogService reads need `reader`, and so
 * do consumer registrations (processors make them with the identity they
 * read with; they change no component); its writes need `publisher` (and
 * the write's component must be in the caller's scope); anything else — yanking, setting compatibility policies,
 * SyncService, future operational services, and CatalogService methods
 * added later — needs `admin`, so a new method is closed until someone
 * decides otherwise. Methods listed in auth.openMethods (health and
 * reflection by default) need nothing.
 */
import type { Role } from "./identity.js";

export const CATALOG_SERVICE = "nestor.catalog.v1.CatalogService";

const CATALOG_READS = new Set([
  "GetComponent",
  "ListComponents",
  "SearchComponents",
  "ListComponentVersions",
  "CompareComponentVersions",
  "GetCompatibilityPolicy",
  "ValidateInputs",
  "ListConsumers",
  "GetImpact",
  "WatchEvents",
  // A processor registers what it consumes with the identity it reads with: a registration changes no component.
  "RegisterConsumer",
  "DeregisterConsumer",
]);

export const CATALOG_WRITES = new Set(["CreateComponent", "UpdateComponent", "DeleteComponent"]);

export type Requirement = { open: true } | { open: false; role: Role; write: boolean };

export class MethodPolicy {
  private readonly openServices = new Set<string>();
  private readonly openMethods = new Set<string>();

  constructor(openMethods: readonly string[]) {
    for (const entry of openMethods) {
      if (entry.endsWith("/*")) this.openServices.add(entry.slice(0, -2));
      else this.openMethods.add(entry);
    }
  }

  requirementFor(service: string, method: string): Requirement {
    if (this.openServices.has(service) || this.openMethods.has(`${service}/${method}`)) return { open: true };
    if (service === CATALOG_SERVICE) {
      if (CATALOG_READS.has(method)) return { open: false, role: "reader", write: false };
      if (CATALOG_WRITES.has(method)) return { open: false, role: "publisher", write: true };
    }
    return { open: false, role: "admin", write: false };
  }
}
