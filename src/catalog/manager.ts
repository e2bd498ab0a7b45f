/**
 * The Manager owns the catalog's business rules: validation, publish rules
 * (immutability, idempotent republish, the compatibility check), version
 * resolution (exact, latest, constraints), and the shape of paginated reads.
 * It knows no database: everything goes through CatalogStore.
 */
import { CatalogError, type FieldViolation, isCatalogError, REASONS } from "../errors/index.js";
import type { Logger } from "../logging/index.js";
import {
  bumpBetween,
  compareVersions,
  isValidVersion,
  pickLatest,
  resolveRange,
  type VersionSelector,
  versionKey,
} from "../semver/index.js";
import type {
  ComponentContent,
  ComponentRecord,
  Deprecation,
  MutablePatch,
  NewComponentRecord,
  WriteGuard,
} from "../storage/records.js";
import type { CatalogStore, ComponentFilter, OrderField, ScoredComponent } from "../storage/store.js";
import type { Clock } from "./clock.js";
import { type CompatibilityReport, checkPublishCompatibility, compareContent } from "./compatibility.js";
import { contentDigest, describeContentDifferences } from "./digest.js";
import { componentNameViolation, isComponentName } from "./names.js";
import { decodePageToken, encodePageToken, fingerprint } from "./page-token.js";
import { parseSelectorCached, ResolutionCache } from "./resolution-cache.js";
import { type ComponentDraft, validateComponent, validateMutablePatch } from "./validation.js";

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 1000;
const MAX_SEARCH_TERMS = 16;
const MAX_SEARCH_TERM_LENGTH = 64;

/** The mutable fields UpdateComponent may set, as named in an update mask. */
export const MUTABLE_PATHS = [
  "description",
  "labels",
  "deprecation",
  "deprecation.deprecated",
  "deprecation.message",
] as const;
const IMMUTABLE_PATHS = new Set([
  "name",
  "version",
  "provider",
  "category",
  "inputs",
  "outputs",
  "deployment",
  "source",
]);
const OUTPUT_ONLY_PATHS = new Set([
  "create_time",
  "update_time",
  "create_revision",
  "update_revision",
  "etag",
  "content_digest",
  "deprecation.deprecate_time",
]);

/**
 * Decides whether a write of component `name` is allowed, given the
 * providers involved: the provider the write itself sets (publish only) plus
 * the providers of the name's stored versions. Throws (PERMISSION_DENIED)
 * to refuse. The Manager calls it once early, for a fast answer, and again
 * inside the store's write guard, which is what decides.
 */
export type WriteAuthorizer = (name: string, providers: readonly string[]) => void;

export interface WriteOptions {
  actor: string;
  /** Scope check for the caller (API publishers); absent for callers allowed to write anything (admins, sync). */
  authorize?: WriteAuthorizer;
  /**
   * The caller's deadline or cancellation, handed to the store as
   * WriteMeta.signal: an aborted write writes nothing and rejects with the
   * signal's reason. Absent for callers without one (sync).
   */
  signal?: AbortSignal;
}

export interface PublishResult {
  component: ComponentRecord;
  created: boolean;
  revision: number;
}

export interface ReadResult {
  component: ComponentRecord;
  revision: number;
}

export interface PageRequest {
  pageSize: number;
  pageToken: string;
}

export interface ListRequest extends PageRequest {
  filter: ComponentFilter;
  allVersions: boolean;
  orderBy: string;
}

export interface SearchRequest extends PageRequest {
  query: string;
  filter: ComponentFilter;
}

export interface PageResult<T> {
  items: T[];
  nextPageToken: string;
  revision: number;
}

export interface UpdateRequest {
  name: string;
  version: string;
  /** Values for the paths in `updateMask`; other fields are ignored. */
  description: string;
  labels: Record<string, string>;
  deprecation: { deprecated: boolean; message: string } | undefined;
  updateMask: readonly string[];
  etag: string;
}

export interface DeleteRequest {
  name: string;
  version: string;
  allVersions: boolean;
  etag: string;
}

export interface CompareResult {
  report: CompatibilityReport;
  bumpSufficient: boolean;
  revision: number;
}

/** The etag of a record: opaque to clients, derived from its last write. */
export function etagOf(record: ComponentRecord): string {
  return `"r${record.updateRevision}"`;
}

export class Manager {
  constructor(
    private readonly store: CatalogStore,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  /** GetComponent's resolutions, valid for one catalog revision (see resolution-cache.ts). */
  private readonly resolutions = new ResolutionCache();

  /**
   * Publishes one version (CreateComponent). The scope check runs first
   * against a read, for a fast answer, and again in the store's write guard
   * against the versions current at the insert, which decides; the
   * compatibility check runs only there (validate-only: against the read).
   * No write can land between those checks and the insert.
   */
  async publish(draft: ComponentDraft, options: WriteOptions & { validateOnly?: boolean }): Promise<PublishResult> {
    // Scope comes before validation, as it did when the interceptor checked it: out of scope is out of scope.
    let existing = options.authorize ? await this.versionsForScope(draft.name) : undefined;
    if (options.authorize) authorizeAgainst(options.authorize, draft.name, [draft.provider], existing ?? []);
    const violations = validateComponent(draft);
    if (violations.length > 0) throw CatalogError.invalid(violations);
    const content = contentOf(draft);
    const digest = contentDigest(content);
    existing ??= await this.store.listVersions(draft.name);
    const same = existing.find((record) => versionKey(record.version) === versionKey(draft.version));
    if (same) return this.republished(same, draft, content, digest);

    const now = this.clock.now().toISOString();
    const record: NewComponentRecord = {
      name: draft.name,
      version: draft.version,
      ...content,
      description: draft.description,
      labels: { ...draft.labels },
      deprecation: { deprecated: false, message: "" },
      ...(draft.source ? { source: { ...draft.source } } : {}),
      contentDigest: digest,
    };
    if (options.validateOnly) {
      // A real publish checks compatibility once, in the write guard below, against the versions at the insert.
      checkCompatible(existing, draft.version, content);
      const { current } = await this.store.revisionBounds();
      const preview: ComponentRecord = {
        ...record,
        createTime: now,
        updateTime: now,
        createRevision: 0,
        updateRevision: 0,
        createActor: options.actor,
        updateActor: options.actor,
      };
      return { component: preview, created: true, revision: current };
    }
    const guard: WriteGuard = (current) => {
      if (options.authorize) authorizeAgainst(options.authorize, draft.name, [draft.provider], current);
      // The same version already there: the store refuses with ALREADY_EXISTS and the republish rules below decide.
      if (current.some((stored) => versionKey(stored.version) === versionKey(draft.version))) return;
      checkCompatible(current, draft.version, content);
    };
    try {
      const event = await this.store.insertVersion(record, {
        actor: options.actor,
        time: now,
        guard,
        signal: options.signal,
      });
      this.logger.info("component published", {
        component: record.name,
        version: record.version,
        revision: event.revision,
        actor: options.actor,
      });
      return { component: event.component, created: true, revision: event.revision };
    } catch (err) {
      if (!isCatalogError(err, "ALREADY_EXISTS")) throw err;
      // Lost a race with a concurrent publish of the same version.
      const winner = await this.store.getVersion(draft.name, draft.version);
      if (!winner) throw err;
      return this.republished(winner, draft, content, digest);
    }
  }

  private async republished(
    stored: ComponentRecord,
    draft: ComponentDraft,
    content: ComponentContent,
    digest: string,
  ): Promise<PublishResult> {
    if (stored.contentDigest === digest) {
      const { current } = await this.store.revisionBounds();
      return { component: stored, created: false, revision: current };
    }
    const differences = describeContentDifferences(contentOf(stored), content);
    throw new CatalogError(
      "ALREADY_EXISTS",
      `${draft.name} ${stored.version} is already published with different content (${differences.join("; ")}); ` +
        `published versions are immutable: publish a new version instead`,
    );
  }

  /** Resolves `selector` (empty/"latest", exact, or a constraint) to one version (GetComponent). */
  async get(name: string, selector: string): Promise<ReadResult> {
    requireComponentName(name, "name");
    const parsed = parseSelectorCached(selector);
    if ("error" in parsed)
      throw CatalogError.invalid([{ field: "version", description: parsed.error, reason: REASONS.versionSelector }]);
    const { current } = await this.store.revisionBounds();
    const known = this.resolutions.get(name, selector, current);
    if (known) return { component: known, revision: current };
    const resolved = await this.resolve(name, selector, parsed);
    this.resolutions.set(name, selector, current, resolved);
    return { component: resolved, revision: current };
  }

  /** The version `parsed` picks among the stored versions of `name` (NOT_FOUND when none does). */
  private async resolve(name: string, selector: string, parsed: VersionSelector): Promise<ComponentRecord> {
    if (parsed.kind === "exact") {
      const record = await this.store.getVersion(name, parsed.version);
      if (!record) throw await this.versionNotFound(name, `version ${parsed.version}`);
      return record;
    }
    const versions = await this.store.listVersions(name);
    if (versions.length === 0) throw new CatalogError("NOT_FOUND", `component ${name} not found`);
    const resolved =
      parsed.kind === "latest"
        ? pickLatest(
            versions,
            (r) => r.version,
            (r) => r.deprecation.deprecated,
          )
        : resolveRange(
            versions,
            parsed.range,
            (r) => r.version,
            (r) => r.deprecation.deprecated,
          );
    if (!resolved) {
      const available = versions
        .slice(0, 5)
        .map((r) => r.version)
        .join(", ");
      throw new CatalogError(
        "NOT_FOUND",
        `no version of ${name} satisfies "${selector.trim()}" (highest versions: ${available})`,
      );
    }
    return resolved;
  }

  /** Changes mutable fields of one version (UpdateComponent). */
  async update(request: UpdateRequest, options: WriteOptions): Promise<ReadResult> {
    await this.authorizeEarly(request.name, options);
    requireComponentName(request.name, "component.name");
    checkExactVersion(request.version, "component.version");
    const paths = this.effectiveMask(request);
    const expectedRevision = parseEtag(request.etag, "component.etag");
    const current = await this.store.getVersion(request.name, request.version);
    if (!current) throw await this.versionNotFound(request.name, `version ${request.version}`);
    if (expectedRevision !== undefined && expectedRevision !== current.updateRevision) {
      throw etagMismatch(request.name, current);
    }

    const patch: MutablePatch = {};
    if (paths.has("description")) patch.description = request.description;
    if (paths.has("labels")) patch.labels = { ...request.labels };
    const deprecation = this.nextDeprecation(current.deprecation, request, paths);
    if (deprecation) patch.deprecation = deprecation;
    const violations = validateMutablePatch(patch, "component");
    if (violations.length > 0) throw CatalogError.invalid(violations);
    if (isNoOp(current, patch)) {
      const bounds = await this.store.revisionBounds();
      return { component: current, revision: bounds.current };
    }
    const event = await this.store.updateVersion(
      request.name,
      request.version,
      patch,
      {
        actor: options.actor,
        time: this.clock.now().toISOString(),
        signal: options.signal,
        ...scopeGuard(request.name, options),
      },
      current.updateRevision,
    );
    this.logger.info("component updated", {
      component: request.name,
      version: current.version,
      paths: [...paths],
      revision: event.revision,
      actor: options.actor,
    });
    return { component: event.component, revision: event.revision };
  }

  private effectiveMask(request: UpdateRequest): Set<string> {
    const violations: FieldViolation[] = [];
    const paths = new Set<string>();
    request.updateMask.forEach((path, index) => {
      const field = `updateMask.paths[${index}]`;
      if ((MUTABLE_PATHS as readonly string[]).includes(path)) paths.add(path);
      else if (IMMUTABLE_PATHS.has(path.split(".")[0] ?? path)) {
        violations.push({
          field,
          description: `"${path}" is immutable once published; publish a new version to change the spec`,
          reason: REASONS.immutableField,
        });
      } else if (OUTPUT_ONLY_PATHS.has(path)) {
        violations.push({ field, description: `"${path}" is output only`, reason: REASONS.outputOnlyField });
      } else {
        violations.push({
          field,
          description: `"${path}" is not a field of Component; mutable fields are ${MUTABLE_PATHS.join(", ")}`,
          reason: REASONS.unknownField,
        });
      }
    });
    if (violations.length > 0) throw CatalogError.invalid(violations);
    if (request.updateMask.length === 0) {
      // AIP-134: no mask means every populated mutable field.
      if (request.description !== "") paths.add("description");
      if (Object.keys(request.labels).length > 0) paths.add("labels");
      if (request.deprecation) paths.add("deprecation");
      if (paths.size === 0) {
        throw CatalogError.invalid([
          {
            field: "updateMask",
            description: `names no field and the request sets none; set one of ${MUTABLE_PATHS.join(", ")}`,
            reason: REASONS.emptyUpdate,
          },
        ]);
      }
    }
    return paths;
  }

  private nextDeprecation(current: Deprecation, request: UpdateRequest, paths: Set<string>): Deprecation | undefined {
    const whole = paths.has("deprecation");
    if (!whole && !paths.has("deprecation.deprecated") && !paths.has("deprecation.message")) return undefined;
    const wanted = request.deprecation ?? { deprecated: false, message: "" };
    const deprecated = whole || paths.has("deprecation.deprecated") ? wanted.deprecated : current.deprecated;
    const message = whole || paths.has("deprecation.message") ? wanted.message : current.message;
    if (!deprecated) return { deprecated: false, message };
    const time = current.deprecated && current.time ? current.time : this.clock.now().toISOString();
    return { deprecated: true, message, time };
  }

  /** Deletes one version or every version of a name (DeleteComponent). */
  async delete(
    request: DeleteRequest,
    options: WriteOptions,
  ): Promise<{ components: ComponentRecord[]; revision: number }> {
    await this.authorizeEarly(request.name, options);
    requireComponentName(request.name, "name");
    if (request.allVersions && request.version !== "") {
      throw CatalogError.invalid([
        { field: "version", description: "must be empty when all_versions is set", reason: REASONS.conflictingFields },
      ]);
    }
    if (!request.allVersions && request.version === "") {
      throw CatalogError.invalid([
        {
          field: "version",
          description: "is required; set all_versions to delete every version of the component",
          reason: REASONS.required,
        },
      ]);
    }
    if (request.allVersions && request.etag !== "") {
      throw CatalogError.invalid([
        {
          field: "etag",
          description: "applies to a single version only, not with all_versions",
          reason: REASONS.conflictingFields,
        },
      ]);
    }
    if (!request.allVersions) checkExactVersion(request.version, "version");
    const expectedRevision = parseEtag(request.etag, "etag");
    const meta = {
      actor: options.actor,
      time: this.clock.now().toISOString(),
      signal: options.signal,
      ...scopeGuard(request.name, options),
    };
    const events = await this.store.deleteVersions(
      request.name,
      request.allVersions ? "all" : [request.version],
      meta,
      expectedRevision,
    );
    const revision = events.at(-1)?.revision ?? (await this.store.revisionBounds()).current;
    this.logger.info("component deleted", {
      component: request.name,
      versions: events.map((e) => e.component.version),
      revision,
      actor: options.actor,
    });
    return { components: events.map((e) => e.component), revision };
  }

  /**
   * The fast scope answer for an update or delete, before any other check (as
   * when the interceptor decided it). The store's guard re-checks it atomically.
   */
  private async authorizeEarly(name: string, options: WriteOptions): Promise<void> {
    if (!options.authorize) return;
    authorizeAgainst(options.authorize, name, [], await this.versionsForScope(name));
  }

  /** The stored versions a scope check looks at; none for a name that is not a valid component name. */
  private async versionsForScope(name: string): Promise<ComponentRecord[]> {
    return isComponentName(name) ? this.store.listVersions(name) : [];
  }

  /** ListComponents. */
  async list(request: ListRequest): Promise<PageResult<ComponentRecord>> {
    const orderBy = parseOrderBy(request.orderBy);
    const pageSize = effectivePageSize(request.pageSize);
    const scope = fingerprint({ list: request.filter, all: request.allVersions, orderBy });
    const cursor = decodePageToken(request.pageToken, scope);
    checkFilter(request.filter);
    const page = await this.store.list({
      filter: request.filter,
      allVersions: request.allVersions,
      orderBy,
      pageSize,
      cursor,
    });
    return {
      items: page.items,
      nextPageToken: page.nextCursor ? encodePageToken(page.nextCursor, scope) : "",
      revision: page.revision,
    };
  }

  /** SearchComponents. */
  async search(request: SearchRequest): Promise<PageResult<ScoredComponent>> {
    const terms = searchTerms(request.query);
    const pageSize = effectivePageSize(request.pageSize);
    const scope = fingerprint({ search: terms, filter: request.filter });
    const cursor = decodePageToken(request.pageToken, scope);
    checkFilter(request.filter);
    const page = await this.store.search({ terms, filter: request.filter, pageSize, cursor });
    return {
      items: page.items,
      nextPageToken: page.nextCursor ? encodePageToken(page.nextCursor, scope) : "",
      revision: page.revision,
    };
  }

  /** ListComponentVersions: SemVer-descending, keyset-paginated by version. */
  async listVersions(name: string, page: PageRequest): Promise<PageResult<ComponentRecord>> {
    requireComponentName(name, "name");
    const pageSize = effectivePageSize(page.pageSize);
    const scope = fingerprint({ versionsOf: name });
    const after = decodePageToken(page.pageToken, scope);
    if (after !== undefined && !isValidVersion(after)) {
      throw CatalogError.invalid([
        {
          field: "pageToken",
          description: "is not a page token this server issued",
          reason: REASONS.pageTokenMalformed,
        },
      ]);
    }
    const { current } = await this.store.revisionBounds();
    const versions = await this.store.listVersions(name);
    if (versions.length === 0) throw new CatalogError("NOT_FOUND", `component ${name} not found`);
    const remaining = after === undefined ? versions : versions.filter((r) => compareVersions(r.version, after) < 0);
    const items = remaining.slice(0, pageSize);
    const last = items.at(-1);
    const more = remaining.length > items.length && last !== undefined;
    return { items, nextPageToken: more ? encodePageToken(last.version, scope) : "", revision: current };
  }

  /** CompareComponentVersions: the read-only form of the publish compatibility check. */
  async compare(name: string, baseVersion: string, targetVersion: string): Promise<CompareResult> {
    requireComponentName(name, "name");
    checkExactVersion(baseVersion, "baseVersion");
    checkExactVersion(targetVersion, "targetVersion");
    const { current } = await this.store.revisionBounds();
    const [base, target] = await Promise.all([
      this.store.getVersion(name, baseVersion),
      this.store.getVersion(name, targetVersion),
    ]);
    if (!base) throw await this.versionNotFound(name, `base_version ${baseVersion}`);
    if (!target) throw await this.versionNotFound(name, `target_version ${targetVersion}`);
    const report = compareContent(contentOf(base), contentOf(target));
    const actual =
      compareVersions(target.version, base.version) > 0 ? bumpBetween(base.version, target.version) : "none";
    return { report, bumpSufficient: BUMP_RANK[actual] >= BUMP_RANK[report.requiredBump], revision: current };
  }

  private async versionNotFound(name: string, what: string): Promise<CatalogError> {
    const versions = await this.store.listVersions(name);
    if (versions.length === 0) return new CatalogError("NOT_FOUND", `component ${name} not found`);
    const available = versions
      .slice(0, 5)
      .map((r) => r.version)
      .join(", ");
    return new CatalogError("NOT_FOUND", `component ${name} has no ${what} (highest versions: ${available})`);
  }
}

const BUMP_RANK = { none: 0, patch: 1, minor: 2, major: 3 } as const;

/** Calls `authorize` with the write's own providers plus those of `stored`, each once. */
function authorizeAgainst(
  authorize: WriteAuthorizer,
  name: string,
  ownProviders: readonly string[],
  stored: readonly ComponentRecord[],
): void {
  authorize(name, [...new Set([...ownProviders, ...stored.map((record) => record.provider)])]);
}

/** WriteMeta's guard for an update or delete: the scope check against the versions at the write. */
function scopeGuard(name: string, options: WriteOptions): { guard?: WriteGuard } {
  const { authorize } = options;
  if (!authorize) return {};
  return { guard: (current) => authorizeAgainst(authorize, name, [], current) };
}

/** FAILED_PRECONDITION when publishing `version` with `content` would break consumers of an existing version. */
function checkCompatible(existing: readonly ComponentRecord[], version: string, content: ComponentContent): void {
  // The first version of a name has nothing to be compatible with (its version was validated before this is called).
  if (existing.length === 0) return;
  const compatibility = checkPublishCompatibility(
    existing.map((record) => ({ version: record.version, content: contentOf(record) })),
    version,
    content,
  );
  if (compatibility.violation) throw new CatalogError("FAILED_PRECONDITION", compatibility.violation);
}

export function contentOf(source: ComponentContent): ComponentContent {
  return {
    provider: source.provider,
    category: source.category,
    inputs: source.inputs,
    outputs: source.outputs,
    deployment: source.deployment,
  };
}

function isNoOp(current: ComponentRecord, patch: MutablePatch): boolean {
  if (patch.description !== undefined && patch.description !== current.description) return false;
  if (patch.labels !== undefined && !sameLabels(patch.labels, current.labels)) return false;
  if (patch.deprecation !== undefined) {
    const d = patch.deprecation;
    if (d.deprecated !== current.deprecation.deprecated || d.message !== current.deprecation.message) return false;
  }
  return true;
}

function sameLabels(a: Record<string, string>, b: Record<string, string>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => Object.hasOwn(b, k) && b[k] === a[k]);
}

function requireComponentName(name: string, field: string): void {
  const problem = componentNameViolation(field, name);
  if (problem !== undefined) throw CatalogError.invalid([problem]);
}

function checkExactVersion(version: string, field: string): void {
  if (version === "") throw CatalogError.invalid([{ field, description: "is required", reason: REASONS.required }]);
  if (!isValidVersion(version)) {
    throw CatalogError.invalid([
      { field, description: `"${version}" is not an exact SemVer 2.0 version such as 1.2.3`, reason: REASONS.semver },
    ]);
  }
}

function parseEtag(etag: string, field: string): number | undefined {
  if (etag === "") return undefined;
  const match = /^"r(\d{1,15})"$/.exec(etag);
  if (!match) {
    throw CatalogError.invalid([
      { field, description: "is not an etag this server issued", reason: REASONS.etagMalformed },
    ]);
  }
  return Number(match[1]);
}

function etagMismatch(name: string, current: ComponentRecord): CatalogError {
  return new CatalogError(
    "ABORTED",
    `etag does not match: ${name} ${current.version} changed since it was read (current etag ${etagOf(current)}); read it again and retry`,
  );
}

function parseOrderBy(orderBy: string): { field: OrderField; descending: boolean } {
  const normalized = orderBy.trim().replace(/\s+/g, " ");
  switch (normalized) {
    case "":
    case "name":
    case "name asc":
      return { field: "name", descending: false };
    case "name desc":
      return { field: "name", descending: true };
    case "update_time":
    case "update_time asc":
      return { field: "updateTime", descending: false };
    case "update_time desc":
      return { field: "updateTime", descending: true };
    default:
      throw CatalogError.invalid([
        {
          field: "orderBy",
          description: `"${orderBy}" is not supported; use "name", "name desc", "update_time" or "update_time desc"`,
          reason: REASONS.orderBy,
        },
      ]);
  }
}

function effectivePageSize(pageSize: number): number {
  if (pageSize < 0) {
    throw CatalogError.invalid([
      { field: "pageSize", description: `must not be negative (got ${pageSize})`, reason: REASONS.pageSize },
    ]);
  }
  if (pageSize === 0) return DEFAULT_PAGE_SIZE;
  return Math.min(pageSize, MAX_PAGE_SIZE);
}

function checkFilter(filter: ComponentFilter): void {
  const violations: FieldViolation[] = [];
  for (const [index, name] of (filter.names ?? []).entries()) {
    const problem = componentNameViolation(`filter.names[${index}]`, name);
    if (problem !== undefined) violations.push(problem);
  }
  const labelCount = Object.keys(filter.labels ?? {}).length;
  if (labelCount > 64) {
    violations.push({
      field: "filter.labels",
      description: `has ${labelCount} entries; at most 64 are allowed`,
      reason: REASONS.maxItems,
    });
  }
  if (violations.length > 0) throw CatalogError.invalid(violations);
}

function searchTerms(query: string): string[] {
  const terms = query
    .toLowerCase()
    .split(/[^\p{L}\p{N}_.-]+/u)
    .filter((t) => t !== "");
  if (terms.length === 0) {
    throw CatalogError.invalid([
      { field: "query", description: "must contain at least one search term", reason: REASONS.required },
    ]);
  }
  if (terms.length > MAX_SEARCH_TERMS) {
    throw CatalogError.invalid([
      {
        field: "query",
        description: `has ${terms.length} terms; at most ${MAX_SEARCH_TERMS} are allowed`,
        reason: REASONS.maxItems,
      },
    ]);
  }
  const long = terms.find((t) => t.length > MAX_SEARCH_TERM_LENGTH);
  if (long) {
    throw CatalogError.invalid([
      {
        field: "query",
        description: `term "${long.slice(0, 20)}..." is longer than ${MAX_SEARCH_TERM_LENGTH} characters`,
        reason: REASONS.maxLength,
      },
    ]);
  }
  return [...new Set(terms)];
}
