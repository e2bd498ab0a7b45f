/**
 * Serialises async critical sections in one process: each write validates
 * against the state left by the previous one, so revisions are handed out
 * without gaps and no two writes interleave their persistence.
 */
export class Mutex {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(section: () => Promise<T>): Promise<T> {
    const result = this.tail.then(section);
    this.tail = result.catch(() => undefined);
    return result;
  }
}
