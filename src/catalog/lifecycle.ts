/**
 * Yanking (crates.io's yank, Terraform's revoke): a yanked version stays
 * readable by its exact version, but no constraint, "latest" or list of
 * latest versions resolves to it; un-yanking restores it. Who may yank is
 * the API's rule (admin only); each change is one write and one event
 * ("yanked", "unyanked") with its actor. Deprecation, the other lifecycle
 * change, is a mutable field of UpdateComponent (update-mask.ts).
 */
import { CatalogError, REASONS } from "../errors/index.js";
import type { Logger } from "../logging/index.js";
import type { ComponentRecord, MutablePatch } from "../storage/records.js";
import type { CatalogStore } from "../storage/store.js";
import type { Clock } from "./clock.js";
import { checkExactVersion, etagMismatch, parseEtag, requireComponentName } from "./request-checks.js";
import type { ReadResult, WriteOptions } from "./requests.js";
import { versionNotFound } from "./resolution.js";
import { LIMITS } from "./validation.js";
import { warningsOf } from "./warnings.js";
import { scopeGuard } from "./write-scope.js";

export interface YankRequest {
  name: string;
  version: string;
  reason: string;
  etag: string;
}

export type UnyankRequest = Omit<YankRequest, "reason">;

export class Lifecycle {
  constructor(
    private readonly store: CatalogStore,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  /** Yanks one version; a version already yanked is returned as it is, with nothing written. */
  async yank(request: YankRequest, options: WriteOptions): Promise<ReadResult> {
    const reason = request.reason.trim();
    if (reason === "") {
      throw CatalogError.invalid([
        { field: "reason", description: "is required: say why the version is yanked", reason: REASONS.required },
      ]);
    }
    if (reason.length > LIMITS.deprecationMessageLength) {
      throw CatalogError.invalid([
        {
          field: "reason",
          description: `must be at most ${LIMITS.deprecationMessageLength} characters, got ${reason.length}`,
          reason: REASONS.maxLength,
        },
      ]);
    }
    const time = this.clock.now().toISOString();
    return this.change(request, options, (current) =>
      current.yank === undefined ? { yank: { time, actor: options.actor, reason } } : undefined,
    );
  }

  /** Restores a yanked version; one that is not yanked is returned as it is, with nothing written. */
  async unyank(request: UnyankRequest, options: WriteOptions): Promise<ReadResult> {
    return this.change(request, options, (current) => (current.yank === undefined ? undefined : { yank: null }));
  }

  /** Checks the request, reads the version, and writes `patchOf(current)` unless it is undefined. */
  private async change(
    request: UnyankRequest,
    options: WriteOptions,
    patchOf: (current: ComponentRecord) => MutablePatch | undefined,
  ): Promise<ReadResult> {
    requireComponentName(request.name, "name");
    checkExactVersion(request.version, "version");
    const expectedRevision = parseEtag(request.etag, "etag");
    const current = await this.store.getVersion(request.name, request.version);
    if (!current) throw await versionNotFound(this.store, request.name, `version ${request.version}`);
    if (expectedRevision !== undefined && expectedRevision !== current.updateRevision) {
      throw etagMismatch(request.name, current);
    }
    const patch = patchOf(current);
    if (patch === undefined) {
      const { current: revision } = await this.store.revisionBounds();
      return { component: current, revision, warnings: warningsOf(current, this.clock) };
    }
    const meta = {
      actor: options.actor,
      time: this.clock.now().toISOString(),
      signal: options.signal,
      ...scopeGuard(request.name, options),
    };
    const event = await this.store.updateVersion(request.name, request.version, patch, meta, current.updateRevision);
    this.logger.info(`component ${event.type}`, {
      component: request.name,
      version: current.version,
      revision: event.revision,
      actor: options.actor,
    });
    return {
      component: event.component,
      revision: event.revision,
      warnings: warningsOf(event.component, this.clock),
    };
  }
}
