/**
 * Reading and setting the compatibility policy of a component name
 * (GetCompatibilityPolicy, SetCompatibilityPolicy). A name without a stored
 * policy follows the default (backward); setting the policy it already
 * follows writes nothing. Who may set one is the API's rule (admin only);
 * each change is one write and one event ("policy_changed") with its actor.
 */
import { CatalogError, REASONS } from "../errors/index.js";
import type { Logger } from "../logging/index.js";
import type { CompatibilityMode, PolicyRecord } from "../storage/records.js";
import type { CatalogStore } from "../storage/store.js";
import type { Clock } from "./clock.js";
import { DEFAULT_MODE, modeName } from "./compatibility-policy.js";
import { requireComponentName } from "./request-checks.js";
import type { WriteOptions } from "./requests.js";

export interface PolicyResult {
  policy: PolicyRecord;
  revision: number;
}

/** The policy `name` follows: the stored one, or the default (revision 0, no time or actor). */
export function effectivePolicy(name: string, stored: PolicyRecord | undefined): PolicyRecord {
  return stored ?? { name, mode: DEFAULT_MODE, updateTime: "", updateRevision: 0, updateActor: "" };
}

export class Policies {
  constructor(
    private readonly store: CatalogStore,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  async get(name: string): Promise<PolicyResult> {
    requireComponentName(name, "name");
    const { current } = await this.store.revisionBounds();
    return { policy: effectivePolicy(name, await this.store.getPolicy(name)), revision: current };
  }

  /** Sets the policy of `name`; `mode` undefined (unspecified on the wire) is INVALID_ARGUMENT on mode. */
  async set(name: string, mode: CompatibilityMode | undefined, options: WriteOptions): Promise<PolicyResult> {
    requireComponentName(name, "name");
    if (mode === undefined) {
      throw CatalogError.invalid([
        {
          field: "mode",
          description:
            "is required: one of NONE, BACKWARD, FORWARD, FULL, " +
            "BACKWARD_TRANSITIVE, FORWARD_TRANSITIVE, FULL_TRANSITIVE",
          reason: REASONS.enum,
        },
      ]);
    }
    const existing = await this.get(name);
    if (existing.policy.mode === mode) return existing;
    const meta = { actor: options.actor, time: this.clock.now().toISOString(), signal: options.signal };
    const event = await this.store.setPolicy(name, mode, meta);
    this.logger.info("compatibility policy set", {
      component: name,
      mode: modeName(mode),
      revision: event.revision,
      actor: options.actor,
    });
    return { policy: event.policy, revision: event.revision };
  }
}
