/**
 * Teardown as one stack: each piece that starts registers how it stops, and
 * `close()` runs the steps last-registered first, each once, going on past a
 * step that fails (the first failure is rethrown at the end). Used by the
 * composition root for both a refused start and a shutdown, so the two cannot
 * drift apart. Node 24's AsyncDisposableStack does this, but Node 22 (a
 * supported version) has none.
 */
export class CleanupStack {
  private readonly steps: Array<() => unknown> = [];
  private closing: Promise<void> | undefined;

  /** Registers a step to run at close(); steps run in reverse order of registration. */
  defer(step: () => unknown): void {
    this.steps.push(step);
  }

  /** Runs every step once, newest first; later calls wait for the same run. */
  close(): Promise<void> {
    this.closing ??= this.run();
    return this.closing;
  }

  private async run(): Promise<void> {
    let failure: { error: unknown } | undefined;
    for (let step = this.steps.pop(); step !== undefined; step = this.steps.pop()) {
      try {
        await step();
      } catch (error) {
        failure ??= { error };
      }
    }
    if (failure !== undefined) throw failure.error;
  }
}
