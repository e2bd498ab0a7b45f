/**
 * GET /v1/events through `curl -N`, the way a shell script follows the
 * catalog: the test reads curl's stdout as it arrives (`-i`: the status line
 * and headers, then the body) and parses the body with eventsource-parser
 * (the SSE wire format as browsers read it).
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { createParser, type EventSourceMessage } from "eventsource-parser";

export type SseMessage = EventSourceMessage;

export interface CurlOptions {
  headers?: Record<string, string>;
  /** HTTP/2 over cleartext (prior knowledge) instead of HTTP/1.1. */
  http2?: boolean;
}

/** How long a wait for a message may take before the test fails with what arrived so far. */
const WAIT_LIMIT_MS = 30_000;

function curlArgs(url: string, options: CurlOptions): string[] {
  const args = ["-sS", "-i"];
  if (options.http2) args.push("--http2-prior-knowledge");
  for (const [name, value] of Object.entries(options.headers ?? {})) args.push("-H", `${name}: ${value}`);
  args.push(url);
  return args;
}

/** A `curl -N` process following an event stream. */
export class CurlEventStream {
  readonly messages: SseMessage[] = [];
  retry: number | undefined;
  /** The response's status line and headers, once they have arrived. */
  head = "";
  /** What curl wrote to stderr (its errors). */
  stderr = "";
  readonly exited: Promise<number | string>;
  private read = 0;
  private wake: (() => void) | undefined;
  private readonly child: ChildProcess;

  constructor(url: string, options: CurlOptions = {}) {
    this.child = spawn("curl", ["-N", ...curlArgs(url, options)], { stdio: ["ignore", "pipe", "pipe"] });
    const parser = createParser({
      onEvent: (message) => {
        this.messages.push(message);
        this.wake?.();
      },
      onRetry: (retry) => {
        this.retry = retry;
      },
    });
    this.child.stdout?.setEncoding("utf8");
    let pending = "";
    this.child.stdout?.on("data", (chunk: string) => {
      if (this.head !== "") {
        parser.feed(chunk);
        return;
      }
      pending += chunk;
      const end = pending.indexOf("\r\n\r\n");
      if (end === -1) return;
      this.head = pending.slice(0, end);
      parser.feed(pending.slice(end + 4));
    });
    this.child.stderr?.on("data", (chunk: Buffer) => {
      this.stderr += chunk.toString();
    });
    this.exited = new Promise((resolve) =>
      this.child.once("exit", (code, signal) => {
        resolve(code ?? signal ?? "unknown");
        this.wake?.();
      }),
    );
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  /** The response status, once curl has dumped the headers. */
  get status(): number | undefined {
    const match = /^HTTP\/[\d.]+ (\d{3})/.exec(this.head);
    return match ? Number(match[1]) : undefined;
  }

  header(name: string): string | undefined {
    const match = new RegExp(`^${name}: *(.*?)\\r?$`, "im").exec(this.head);
    return match?.[1];
  }

  /** The next message not yet read; fails if the stream ends first. */
  async next(): Promise<SseMessage> {
    const [message] = await this.take(1);
    return message!;
  }

  /** Messages up to and including the first for which `done` is true. */
  async until(done: (message: SseMessage) => boolean): Promise<SseMessage[]> {
    const taken: SseMessage[] = [];
    for (;;) {
      const message = await this.next();
      taken.push(message);
      if (done(message)) return taken;
    }
  }

  /** Messages up to the first whose id reaches `revision` (events or progress). */
  untilRevision(revision: number): Promise<SseMessage[]> {
    return this.until((message) => message.id !== undefined && Number(message.id) >= revision);
  }

  /** Stops the process (SIGSTOP): it reads nothing until resume(). */
  pause(): void {
    this.child.kill("SIGSTOP");
  }

  resume(): void {
    this.child.kill("SIGCONT");
  }

  async close(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill("SIGCONT");
      this.child.kill("SIGTERM");
    }
    await this.exited;
  }

  private async take(count: number): Promise<SseMessage[]> {
    const deadline = Date.now() + WAIT_LIMIT_MS;
    while (this.messages.length - this.read < count) {
      if (this.child.exitCode !== null || this.child.signalCode !== null) {
        throw new Error(`curl ended (${this.child.exitCode ?? this.child.signalCode}) after ${this.describe()}`);
      }
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no message within ${WAIT_LIMIT_MS} ms after ${this.describe()}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 1_000));
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = undefined;
    }
    const taken = this.messages.slice(this.read, this.read + count);
    this.read += count;
    return taken;
  }

  private describe(): string {
    const recent = this.messages.slice(-3).map((m) => `${m.event}#${m.id}`);
    const last = recent.join(", ") || "none";
    return `${this.messages.length} messages (last: ${last}); head: ${this.head}; stderr: ${this.stderr}`;
  }
}

export interface CurlAnswer {
  status: number;
  headers: string;
  body: string;
}

/** One request whose answer is not a stream (an error), read whole. */
export function curlOnce(url: string, options: CurlOptions & { method?: string } = {}): Promise<CurlAnswer> {
  const args = curlArgs(url, options);
  if (options.method) args.unshift("-X", options.method);
  return new Promise((resolve, reject) => {
    execFile("curl", ["--max-time", "20", ...args], (err, stdout, stderr) => {
      const end = stdout.indexOf("\r\n\r\n");
      const match = /^HTTP\/[\d.]+ (\d{3})/.exec(stdout);
      if (!match || end === -1) {
        reject(err ?? new Error(`no HTTP answer from curl: ${stderr}`));
        return;
      }
      resolve({ status: Number(match[1]), headers: stdout.slice(0, end), body: stdout.slice(end + 4) });
    });
  });
}
