/**
 * Teardown as one stack: each step that starts something defers its stop
 * here, and run() stops everything in reverse order, once, whether the
 * start got all the way through or failed half-way.
 */
export class CleanupStack {
  private readonly steps: (() => unknown)[] = [];
  private running: Promise<void> | undefined;

  /** Adds a stop (sync or async) to run before every stop deferred earlier. */
  defer(step: () => unknown): void {
    this.steps.push(step);
  }

  /** Runs every deferred stop, last first; a stop that fails does not keep the others from running. */
  run(): Promise<void> {
    this.running ??= (async () => {
      const failures: unknown[] = [];
      for (let step = this.steps.pop(); step !== undefined; step = this.steps.pop()) {
        try {
          await step();
        } catch (err) {
          failures.push(err);
        }
      }
      if (failures.length === 1) throw failures[0];
      if (failures.length > 1) throw new AggregateError(failures, `${failures.length} cleanup steps failed`);
    })();
    return this.running;
  }
}
