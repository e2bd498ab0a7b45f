/**
 * The event log as the in-process engine keeps it: parallel arrays (type,
 * time, actor, the payload's compact form) instead of one object tree per
 * event. A component event's payload shares its blob with the version it
 * created or changed, so a catalog's log costs a few words per event beyond
 * the versions themselves. The lifecycle flags a version had before an
 * update are few and kept aside, by revision.
 */
import { EVENT_TYPES, type EventType, type LifecycleFlags } from "../records.js";

/**
 * One logged event, its payload still in compact form: a component event's
 * record in the record codec's form, a policy or a registration as JSON.
 */
export interface LoggedEvent {
  revision: number;
  type: EventType;
  time: string;
  actor: string;
  blob: string;
  /** A component update's lifecycle flags before it (see ComponentEvent.before). */
  before?: LifecycleFlags;
}

export class EventLogArrays {
  private types: number[] = [];
  private times: number[] = [];
  private actors: string[] = [];
  private blobs: string[] = [];
  /** Times whose ISO text is not what toISOString gives back for them, by revision. */
  private readonly oddTimes = new Map<number, string>();
  private readonly befores = new Map<number, LifecycleFlags>();

  /** The revision of the first event held is `base + 1`. */
  constructor(private base = 0) {}

  get length(): number {
    return this.types.length;
  }

  /** Revision of the first event held, less one (the compaction mark). */
  get before(): number {
    return this.base;
  }

  push(event: LoggedEvent): void {
    const ms = Date.parse(event.time);
    this.types.push(EVENT_TYPES.indexOf(event.type));
    if (event.before !== undefined) this.befores.set(event.revision, event.before);
    this.times.push(ms);
    if (Number.isNaN(ms) || new Date(ms).toISOString() !== event.time) this.oddTimes.set(event.revision, event.time);
    this.actors.push(event.actor);
    this.blobs.push(event.blob);
  }

  /** Events with index start..end-1 (revision base+1+index). */
  slice(start: number, end: number): LoggedEvent[] {
    const events: LoggedEvent[] = [];
    const stop = Math.min(end, this.types.length);
    for (let i = Math.max(0, start); i < stop; i++) {
      const revision = this.base + 1 + i;
      const event: LoggedEvent = {
        revision,
        type: EVENT_TYPES[this.types[i] as number] as EventType,
        time: this.oddTimes.get(revision) ?? new Date(this.times[i] as number).toISOString(),
        actor: this.actors[i] as string,
        blob: this.blobs[i] as string,
      };
      const before = this.befores.get(revision);
      if (before !== undefined) event.before = before;
      events.push(event);
    }
    return events;
  }

  /** Drops the events through `revision`. */
  dropThrough(revision: number): void {
    const count = Math.max(0, Math.min(this.types.length, revision - this.base));
    if (count === 0) return;
    this.types = this.types.slice(count);
    this.times = this.times.slice(count);
    this.actors = this.actors.slice(count);
    this.blobs = this.blobs.slice(count);
    for (const odd of this.oddTimes.keys()) if (odd <= revision) this.oddTimes.delete(odd);
    for (const kept of this.befores.keys()) if (kept <= revision) this.befores.delete(kept);
    this.base += count;
  }

  /** Starts over empty after `revision` (recovery from a snapshot). */
  reset(revision: number): void {
    this.types = [];
    this.times = [];
    this.actors = [];
    this.blobs = [];
    this.oddTimes.clear();
    this.befores.clear();
    this.base = revision;
  }
}
