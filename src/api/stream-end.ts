/**
 * A response stream passed through unchanged, with a callback per message
 * sent and one when the stream ends: completed (error undefined), failed
 * (the error), or abandoned by the caller (`abandoned` true). For the
 * interceptors that observe streams (metrics, tracing). A forwarding
 * iterator, not an async generator: see the call interceptor for why.
 */
export interface StreamObserver<T> {
  message?(message: T): void;
  end(error: unknown, abandoned: boolean): void;
}

export function observeStream<T>(source: AsyncIterable<T>, observer: StreamObserver<T>): AsyncIterable<T> {
  return {
    [Symbol.asyncIterator](): AsyncIterator<T> {
      const inner = source[Symbol.asyncIterator]();
      let ended = false;
      const end = (error: unknown, abandoned: boolean) => {
        if (ended) return;
        ended = true;
        observer.end(error, abandoned);
      };
      return {
        next: () =>
          inner.next().then(
            (result) => {
              if (result.done) end(undefined, false);
              else observer.message?.(result.value);
              return result;
            },
            (err: unknown) => {
              end(err, false);
              throw err;
            },
          ),
        return: (value?: unknown) => {
          end(undefined, true);
          return inner.return ? inner.return(value) : Promise.resolve({ done: true, value: undefined });
        },
        throw: (err: unknown) => {
          end(err, false);
          return inner.throw ? inner.throw(err) : Promise.reject(err);
        },
      };
    },
  };
}
