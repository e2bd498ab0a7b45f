/**
 * The event log as the in-process engine keeps it: parallel arrays (type,
 * time, actor, the component's compact form) instead of one object tree per
 * event. An event's component shares its blob with the version it created
 * or changed, so a catalog's log costs a few words per event beyond the
 * versions themselves.
 */
import type { EventType } from "../records.js";

const TYPES: readonly EventType[] = ["created", "updated", "deleted"];

/** One logged event, its component still in compact form. */
export interface LoggedEvent {
  revision: number;
  type: EventType;
  time: string;
  actor: string;
  blob: string;
}

export class EventLogArrays {
  private types: number[] = [];
  private times: number[] = [];
  private actors: string[] = [];
  private blobs: string[] = [];
  /** Times whose ISO text is not what toISOString gives back for them, by revision. */
  private readonly oddTimes = new Map<number, string>();

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
    this.types.push(TYPES.indexOf(event.type));
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
      events.push({
        revision,
        type: TYPES[this.types[i] as number] as EventType,
        time: this.oddTimes.get(revision) ?? new Date(this.times[i] as number).toISOString(),
        actor: this.actors[i] as string,
        blob: this.blobs[i] as string,
      });
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
    this.base += count;
  }

  /** Starts over empty after `revision` (recovery from a snapshot). */
  reset(revision: number): void {
    this.types = [];
    this.times = [];
    this.actors = [];
    this.blobs = [];
    this.oddTimes.clear();
    this.base = revision;
  }
}
