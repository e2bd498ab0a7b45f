/**
 * The Manager owns the catalog's business rules: validation, publish rules
 * (immutability, idempotent republish, the compatibility check), version
 * resolution (exact, latest, constraints), and the shape of paginated reads.
 * It knows no database: everything goes through CatalogStore. Its request
 * shapes are in requests.ts, the request checks in request-checks.ts, the
 * update mask in update-mask.ts, the write scope in write-scope.ts.
 */
import { CatalogError, isCatalogError, REASONS } from "../errors/index.js";
import type { Logger } from "../logging/index.js";
import { compareVersions, isValidVersion, type VersionSelector, versionKey } from "../semver/index.js";
import type {
  ComponentContent,
  ComponentRecord,
  JsonObject,
  MutablePatch,
  NewComponentRecord,
  WriteGuard,
} from "../storage/records.js";
import type { CatalogStore, ReadSource, ReadView, ScoredComponent } from "../storage/store.js";
import type { Clock } from "./clock.js";
import { compareStored } from "./compare.js";
import { Consumers } from "./consumers.js";
import { checkCompatible, contentOf } from "./content.js";
import { contentDigest, describeContentDifferences } from "./digest.js";
import { Impact } from "./impact.js";
import { type InputsResult, inputViolations } from "./inputs.js";
import { Lifecycle } from "./lifecycle.js";
import { isComponentName } from "./names.js";
import { decodePageToken, encodePageToken, fingerprint } from "./page-token.js";
import { Policies } from "./policies.js";
import {
  checkExactVersion,
  checkFilter,
  checkMinRevision,
  effectivePageSize,
  etagMismatch,
  parseEtag,
  parseOrderBy,
  requireComponentName,
  searchTerms,
} from "./request-checks.js";
import type {
  CompareResult,
  DeleteRequest,
  ListRequest,
  PageRequest,
  PageResult,
  PublishResult,
  ReadOptions,
  ReadResult,
  SearchRequest,
  UpdateRequest,
  WriteOptions,
} from "./requests.js";
import { parseVersionSelector, resolveRecord, versionNotFound } from "./resolution.js";
import { ResolutionCache } from "./resolution-cache.js";
import { effectiveMask, isNoOp, nextDeprecation } from "./update-mask.js";
import { type ComponentDraft, validateComponent, validateMutablePatch } from "./validation.js";
import { warningsOf, warningsOfAll } from "./warnings.js";
import { authorizeAgainst, scopeGuard } from "./write-scope.js";

export class Manager {
  /** Yanking and un-yanking versions. */
  readonly lifecycle: Lifecycle;
  /** Compatibility policies per name. */
  readonly policies: Policies;
  /** Consumer registrations. */
  readonly consumers: Consumers;
  /** What a change would do to the registered consumers (GetImpact). */
  readonly impact: Impact;

  constructor(
    private readonly store: CatalogStore,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {
    this.lifecycle = new Lifecycle(store, clock, logger);
    this.policies = new Policies(store, clock, logger);
    this.consumers = new Consumers(store, (options) => this.readView(options), clock, logger);
    this.impact = new Impact(
      (options) => this.readView(options),
      (draft) => this.publish(draft, { actor: "", validateOnly: true }),
    );
  }

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
      checkCompatible(draft.name, existing, draft.version, content, await this.store.getPolicy(draft.name));
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
    const guard: WriteGuard = (current, policy) => {
      if (options.authorize) authorizeAgainst(options.authorize, draft.name, [draft.provider], current);
      // The same version already there: the store refuses with ALREADY_EXISTS and the republish rules below decide.
      if (current.some((stored) => versionKey(stored.version) === versionKey(draft.version))) return;
      checkCompatible(draft.name, current, draft.version, content, policy);
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

  /**
   * ValidateInputs: `values` checked as the inputs of the version `selector`
   * resolves to, as GetComponent resolves it.
   */
  async validateInputs(
    name: string,
    selector: string,
    values: JsonObject,
    options: ReadOptions = {},
  ): Promise<InputsResult> {
    const read = await this.get(name, selector, options);
    return { ...read, violations: inputViolations(read.component, values) };
  }

  /** Resolves `selector` (empty/"latest", exact, or a constraint) to one version (GetComponent). */
  async get(name: string, selector: string, options: ReadOptions = {}): Promise<ReadResult> {
    requireComponentName(name, "name");
    const parsed = parseVersionSelector(selector, "version");
    const { revision: current, reader } = await this.readView(options);
    let resolved = this.resolutions.get(name, selector, current);
    if (resolved === undefined) {
      resolved = resolveRecord(name, selector, parsed, await versionsOf(reader, name, parsed));
      this.resolutions.set(name, selector, current, resolved);
    }
    return { component: resolved, revision: current, warnings: warningsOf(resolved, this.clock) };
  }

  /**
   * Where a read request reads (a replica under a hybrid store) and the
   * revision it reflects; INVALID_ARGUMENT for a min_revision that is not one.
   */
  private readView(options: ReadOptions): Promise<ReadView> {
    const minRevision = options.minRevision ?? 0;
    try {
      checkMinRevision(minRevision);
    } catch (err) {
      return Promise.reject(err);
    }
    return this.store.readAt(minRevision, options.signal);
  }

  /** Changes mutable fields of one version (UpdateComponent). */
  async update(request: UpdateRequest, options: WriteOptions): Promise<ReadResult> {
    await this.authorizeEarly(request.name, options);
    requireComponentName(request.name, "component.name");
    checkExactVersion(request.version, "component.version");
    const paths = effectiveMask(request);
    const expectedRevision = parseEtag(request.etag, "component.etag");
    const current = await this.requireVersion(request.name, request.version, "version");
    if (expectedRevision !== undefined && expectedRevision !== current.updateRevision) {
      throw etagMismatch(request.name, current);
    }

    const patch: MutablePatch = {};
    if (paths.has("description")) patch.description = request.description;
    if (paths.has("labels")) patch.labels = { ...request.labels };
    const deprecation = nextDeprecation(current.deprecation, request, paths, this.clock.now().toISOString());
    if (deprecation) patch.deprecation = deprecation;
    const violations = validateMutablePatch(patch, "component");
    if (violations.length > 0) throw CatalogError.invalid(violations);
    if (isNoOp(current, patch)) {
      const bounds = await this.store.revisionBounds();
      return { component: current, revision: bounds.current, warnings: warningsOf(current, this.clock) };
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
    return { component: event.component, revision: event.revision, warnings: [] };
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
  async list(request: ListRequest, options: ReadOptions = {}): Promise<PageResult<ComponentRecord>> {
    const orderBy = parseOrderBy(request.orderBy);
    const pageSize = effectivePageSize(request.pageSize);
    const scope = fingerprint({ list: request.filter, all: request.allVersions, orderBy });
    const cursor = decodePageToken(request.pageToken, scope);
    checkFilter(request.filter);
    const { reader } = await this.readView(options);
    const page = await reader.list({
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
      warnings: warningsOfAll(page.items, this.clock),
    };
  }

  /** SearchComponents. */
  async search(request: SearchRequest, options: ReadOptions = {}): Promise<PageResult<ScoredComponent>> {
    const terms = searchTerms(request.query);
    const pageSize = effectivePageSize(request.pageSize);
    const scope = fingerprint({ search: terms, filter: request.filter });
    const cursor = decodePageToken(request.pageToken, scope);
    checkFilter(request.filter);
    const { reader } = await this.readView(options);
    const page = await reader.search({ terms, filter: request.filter, pageSize, cursor });
    return {
      items: page.items,
      nextPageToken: page.nextCursor ? encodePageToken(page.nextCursor, scope) : "",
      revision: page.revision,
      warnings: warningsOfAll(
        page.items.map((hit) => hit.component),
        this.clock,
      ),
    };
  }

  /** ListComponentVersions: SemVer-descending, keyset-paginated by version. */
  async listVersions(name: string, page: PageRequest, options: ReadOptions = {}): Promise<PageResult<ComponentRecord>> {
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
    const { revision: current, reader } = await this.readView(options);
    const versions = await reader.listVersions(name);
    if (versions.length === 0) throw new CatalogError("NOT_FOUND", `component ${name} not found`);
    const remaining = after === undefined ? versions : versions.filter((r) => compareVersions(r.version, after) < 0);
    const items = remaining.slice(0, pageSize);
    const last = items.at(-1);
    const more = remaining.length > items.length && last !== undefined;
    return {
      items,
      nextPageToken: more ? encodePageToken(last.version, scope) : "",
      revision: current,
      warnings: warningsOfAll(items, this.clock),
    };
  }

  /** CompareComponentVersions: the read-only form of the publish compatibility check (compare.ts). */
  compare(name: string, baseVersion: string, targetVersion: string, options: ReadOptions = {}): Promise<CompareResult> {
    return compareStored(() => this.readView(options), name, baseVersion, targetVersion);
  }

  /** The stored version, or NOT_FOUND naming it and the name's highest versions. */
  private async requireVersion(name: string, version: string, what: string): Promise<ComponentRecord> {
    const record = await this.store.getVersion(name, version);
    if (!record) throw await versionNotFound(this.store, name, `${what} ${version}`);
    return record;
  }
}

/** The versions resolving `parsed` needs: the one named by an exact selector, else all of them. */
async function versionsOf(reader: ReadSource, name: string, parsed: VersionSelector): Promise<ComponentRecord[]> {
  if (parsed.kind !== "exact") return reader.listVersions(name);
  const record = await reader.getVersion(name, parsed.version);
  return record ? [record] : reader.listVersions(name);
}
