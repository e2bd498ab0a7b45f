/**
 * Consumer registrations (RegisterConsumer, DeregisterConsumer,
 * ListConsumers): which processor follows which versions of a component,
 * the registry impact analysis reads. A registration names a consumer
 * (a DNS-1123 label, the component name rule), a component that has at
 * least one version, and a version selector as GetComponent takes it.
 * Registering what is already registered writes nothing; each change is one
 * write and one event with its actor.
 */
import { CatalogError, type FieldViolation, REASONS } from "../errors/index.js";
import type { Logger } from "../logging/index.js";
import type { ConsumerQuery, ConsumerRecord } from "../storage/records.js";
import type { CatalogStore, ReadView } from "../storage/store.js";
import type { Clock } from "./clock.js";
import { componentNameViolation } from "./names.js";
import type { ReadOptions, WriteOptions } from "./requests.js";
import { parseSelectorCached } from "./resolution-cache.js";
import { checkLabels } from "./validation/labels.js";

export interface RegisterRequest {
  consumer: string;
  name: string;
  constraint: string;
  labels: Record<string, string>;
}

export interface ConsumerResult {
  consumer: ConsumerRecord;
  revision: number;
}

export interface ConsumersResult {
  consumers: ConsumerRecord[];
  revision: number;
}

export class Consumers {
  constructor(
    private readonly store: CatalogStore,
    private readonly readView: (options: ReadOptions) => Promise<ReadView>,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  async register(request: RegisterRequest, options: WriteOptions): Promise<ConsumerResult> {
    const out: FieldViolation[] = [];
    checkId(out, "consumer", request.consumer);
    checkId(out, "name", request.name);
    const parsed = parseSelectorCached(request.constraint);
    if ("error" in parsed)
      out.push({ field: "constraint", description: parsed.error, reason: REASONS.versionSelector });
    checkLabels(out, "labels", request.labels);
    if (out.length > 0) throw CatalogError.invalid(out);
    const versions = await this.store.listVersions(request.name);
    if (versions.length === 0) {
      throw new CatalogError("NOT_FOUND", `component ${request.name} not found: publish it before registering to it`);
    }
    const [existing] = (await this.store.listConsumers({ name: request.name })).filter(
      (r) => r.consumer === request.consumer,
    );
    if (existing !== undefined && sameRegistration(existing, request)) {
      const { current } = await this.store.revisionBounds();
      return { consumer: existing, revision: current };
    }
    const meta = { actor: options.actor, time: this.clock.now().toISOString(), signal: options.signal };
    const event = await this.store.putConsumer({ ...request, labels: { ...request.labels } }, meta);
    this.logger.info("consumer registered", {
      consumer: request.consumer,
      component: request.name,
      constraint: request.constraint,
      revision: event.revision,
      actor: options.actor,
    });
    return { consumer: event.consumer, revision: event.revision };
  }

  async deregister(consumer: string, name: string, options: WriteOptions): Promise<ConsumerResult> {
    const out: FieldViolation[] = [];
    checkId(out, "consumer", consumer);
    checkId(out, "name", name);
    if (out.length > 0) throw CatalogError.invalid(out);
    const meta = { actor: options.actor, time: this.clock.now().toISOString(), signal: options.signal };
    const event = await this.store.deleteConsumer(consumer, name, meta);
    this.logger.info("consumer deregistered", { consumer, component: name, revision: event.revision });
    return { consumer: event.consumer, revision: event.revision };
  }

  /** The registrations of one component or of one consumer: exactly one of `name` and `consumer`. */
  async list(name: string, consumer: string, options: ReadOptions = {}): Promise<ConsumersResult> {
    if ((name === "") === (consumer === "")) {
      throw CatalogError.invalid([
        { field: "name", description: "set exactly one of name and consumer", reason: REASONS.required },
      ]);
    }
    const out: FieldViolation[] = [];
    const query: ConsumerQuery = name !== "" ? { name } : { consumer };
    checkId(out, "name" in query ? "name" : "consumer", name !== "" ? name : consumer);
    if (out.length > 0) throw CatalogError.invalid(out);
    const { revision, reader } = await this.readView(options);
    return { consumers: await reader.listConsumers(query), revision };
  }
}

/** A consumer id or component name: the one DNS-1123 name rule. */
function checkId(out: FieldViolation[], field: string, value: string): void {
  const violation = componentNameViolation(field, value);
  if (violation) out.push(violation);
}

function sameRegistration(stored: ConsumerRecord, request: RegisterRequest): boolean {
  const [a, b] = [Object.entries(stored.labels).sort(), Object.entries(request.labels).sort()];
  return stored.constraint === request.constraint && JSON.stringify(a) === JSON.stringify(b);
}
