/**
 * Runs a synchronous consumer over items a producer pushes, in time slices
 * that give the event loop back between them.
 *
 * Why: the sync parses files as `git cat-file --batch` writes them. Parsing
 * inside the pipe's data handler keeps the event loop busy for as long as a
 * whole chunk takes to parse, and git, its 64 KiB pipe full, waits the whole
 * time: on 10,000 files reading and parsing took the parse time plus a
 * third of git's own time. Consuming in slices lets the loop drain the pipe
 * every few milliseconds, so git runs ahead on the other core while the
 * parse runs here.
 */
import { performance } from "node:perf_hooks";

/** How long one slice may consume before the event loop gets a turn. */
export const DEFAULT_SLICE_MS = 3;

/**
 * Consumes, in order, every item `produce` pushes. Settles once `produce`
 * has settled and every item pushed before that was consumed: rejects with
 * the producer's error (consuming stops), else with the first error
 * `consume` threw (items after it are not consumed; the producer is still
 * waited for).
 */
export function consumeInSlices<T>(
  produce: (push: (item: T) => void) => Promise<void>,
  consume: (item: T) => void,
  sliceMs = DEFAULT_SLICE_MS,
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const queue: T[] = [];
    let next = 0;
    let scheduled = false;
    let produced = false;
    let producerError: { error: unknown } | undefined;
    let consumerError: { error: unknown } | undefined;

    const finishIfDone = (): void => {
      if (!produced) return;
      if (producerError) reject(producerError.error);
      else if (consumerError) reject(consumerError.error);
      else if (next === queue.length) resolve();
    };
    const slice = (): void => {
      scheduled = false;
      const until = performance.now() + sliceMs;
      while (next < queue.length && consumerError === undefined && producerError === undefined) {
        const item = queue[next] as T;
        // Let consumed items go: the queue may hold a whole repository's files.
        queue[next] = undefined as T;
        next++;
        try {
          consume(item);
        } catch (error) {
          consumerError = { error };
          break;
        }
        if (performance.now() >= until) break;
      }
      if (consumerError === undefined && producerError === undefined && next < queue.length) schedule();
      else finishIfDone();
    };
    const schedule = (): void => {
      if (scheduled) return;
      scheduled = true;
      setImmediate(slice);
    };
    const push = (item: T): void => {
      if (consumerError !== undefined) return;
      queue.push(item);
      schedule();
    };

    let started: Promise<void>;
    try {
      started = produce(push);
    } catch (error) {
      started = Promise.reject(error);
    }
    started.then(
      () => {
        produced = true;
        if (!scheduled) finishIfDone();
      },
      (error: unknown) => {
        produced = true;
        producerError = { error };
        if (!scheduled) finishIfDone();
      },
    );
  });
}
