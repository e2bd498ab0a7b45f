/**
 * Cache keys of the read-through wrapper (src/storage/cached.ts). The "v2"
 * segment names the value format: bump it when the cached JSON changes shape,
 * so replicas running old and new code never read each other's values.
 * Names and versions are URI-encoded so a ':' in a caller's string cannot
 * make two keys collide (valid ones contain none and are left as they are).
 */
import { versionKey } from "../../semver/index.js";

const FORMAT = "v2"; // v2: records carry createActor and updateActor

/** Holds the name's current generation token; deleting it invalidates every value of the name. */
export function generationKey(name: string): string {
  return `${FORMAT}:gen:${encodeURIComponent(name)}`;
}

/** getVersion(name, version) as read under `generation`; build metadata does not change the answer. */
export function versionValueKey(name: string, generation: string, version: string): string {
  return `${FORMAT}:ver:${encodeURIComponent(name)}:${generation}:${encodeURIComponent(versionKey(version))}`;
}

/** listVersions(name) as read under `generation`. */
export function listValueKey(name: string, generation: string): string {
  return `${FORMAT}:list:${encodeURIComponent(name)}:${generation}`;
}
