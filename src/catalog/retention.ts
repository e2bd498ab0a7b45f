/**
 * Event log retention: compacts the log by count and/or age
 * (events.retentionMaxEvents, events.retentionMaxAgeHours). Every replica may
 * run it; compaction is idempotent and never drops the current revision's
 * event, so replicas racing each other only repeat work. A watch from before
 * what is kept then fails OUT_OF_RANGE and the client re-lists.
 */

import { isCatalogError } from "../errors/index.js";
import type { Logger } from "../logging/index.js";
import type { CatalogEvent, EventLog } from "../storage/store.js";
import type { Clock } from "./clock.js";

export interface RetentionPolicy {
  /** Keep at most this many events (0 = no count limit). */
  maxEvents: number;
  /** Drop events older than this many hours (0 = no age limit). */
  maxAgeHours: number;
}

/** How many events one pass reads to find the age cut, so a pass stays bounded; the next pass goes on. */
const AGE_SCAN_LIMIT = 10_000;
const AGE_SCAN_BATCH = 500;

export function retentionEnabled(policy: RetentionPolicy): boolean {
  return policy.maxEvents > 0 || policy.maxAgeHours > 0;
}

/**
 * The revision through which the log may be compacted now under `policy`;
 * at most bounds.compacted when nothing is due. Age needs the events' times,
 * so the oldest events are read in revision order until one is young enough.
 */
export async function retentionCutoff(log: EventLog, policy: RetentionPolicy, now: Date): Promise<number> {
  const { current, compacted } = await log.revisionBounds();
  let through = compacted;
  if (policy.maxEvents > 0 && current - compacted > policy.maxEvents) through = current - policy.maxEvents;
  if (policy.maxAgeHours > 0) {
    const oldestKept = now.getTime() - policy.maxAgeHours * 3_600_000;
    let after = through;
    let scanned = 0;
    scan: while (scanned < AGE_SCAN_LIMIT) {
      let events: CatalogEvent[];
      try {
        events = await log.readEvents(after, AGE_SCAN_BATCH);
      } catch (err) {
        // Another replica compacted meanwhile: what we found so far still holds.
        if (isCatalogError(err, "OUT_OF_RANGE")) break;
        throw err;
      }
      if (events.length === 0) break;
      for (const event of events) {
        // Event times follow revision order (one clock per write), so the first young event ends the scan.
        if (Date.parse(event.time) >= oldestKept) break scan;
        after = event.revision;
      }
      scanned += events.length;
    }
    through = Math.max(through, after);
  }
  return through;
}

/** One retention pass: compacts through the cutoff when it moved. Returns the new compaction mark. */
export async function compactByRetention(log: EventLog, policy: RetentionPolicy, now: Date): Promise<number> {
  const { compacted } = await log.revisionBounds();
  const through = await retentionCutoff(log, policy, now);
  if (through <= compacted) return compacted;
  await log.compact(through);
  return (await log.revisionBounds()).compacted;
}

export interface RetentionLoop {
  /** Stops the loop and waits for a pass in flight. */
  stop(): Promise<void>;
}

export interface RetentionLoopOptions {
  intervalMs: number;
  clock: Clock;
}

/** Runs a pass now and then every `intervalMs`; failures are logged and retried on the next pass. */
export function startRetentionLoop(
  log: EventLog,
  policy: RetentionPolicy,
  logger: Logger,
  options: RetentionLoopOptions,
): RetentionLoop {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  const pass = async () => {
    try {
      const before = (await log.revisionBounds()).compacted;
      const after = await compactByRetention(log, policy, options.clock.now());
      if (after > before) logger.info("compacted the event log", { through_revision: after, policy });
    } catch (err) {
      logger.warn("event log compaction failed; retrying on the next pass", { err });
    }
  };
  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      running = pass().finally(schedule);
    }, options.intervalMs);
    timer.unref();
  };
  running = pass().finally(schedule);
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
