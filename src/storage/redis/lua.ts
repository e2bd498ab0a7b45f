/**
 * Runs the read model's Lua scripts (scripts.ts) on one ioredis client: by
 * hash (EVALSHA), sending the script once when Redis does not know it yet
 * (after a restart or SCRIPT FLUSH). Driver failures come out as
 * UNAVAILABLE naming the replica; a script's own error (a bug, not an
 * outage) passes through unchanged.
 */
import { createHash } from "node:crypto";
import type { Redis } from "ioredis";
import { CatalogError } from "../../errors/index.js";

export type Reply = null | string | number | Reply[];

/** Errors Redis answers when it cannot serve right now (memory full, loading, a replica that cannot write). */
const TRANSIENT_REPLIES = /^(OOM|LOADING|BUSY|MASTERDOWN|READONLY|TRYAGAIN|CLUSTERDOWN)\b/;

export class LuaScripts {
  private readonly hashes = new Map<string, string>();

  constructor(
    private readonly client: Redis,
    /** Names the replica in errors, e.g. `redis replica (127.0.0.1:6379/0 prefix "nestor:replica:")`. */
    private readonly where: string,
  ) {}

  async run(script: string, args: readonly (string | number)[]): Promise<Reply> {
    const sha = this.hashOf(script);
    try {
      try {
        return (await this.client.evalsha(sha, 0, ...args)) as Reply;
      } catch (err) {
        if (!(err instanceof Error) || !err.message.startsWith("NOSCRIPT")) throw err;
        return (await this.client.eval(script, 0, ...args)) as Reply;
      }
    } catch (err) {
      throw this.mapError(err);
    }
  }

  /** Runs any other command with the same error mapping. */
  async call<T>(command: () => Promise<T>): Promise<T> {
    try {
      return await command();
    } catch (err) {
      throw this.mapError(err);
    }
  }

  private mapError(err: unknown): unknown {
    if (err instanceof CatalogError) return err;
    const replied = err instanceof Error && err.name === "ReplyError";
    if (replied && !TRANSIENT_REPLIES.test(err.message)) return err;
    return CatalogError.unavailable(this.where, err);
  }

  private hashOf(script: string): string {
    let sha = this.hashes.get(script);
    if (sha === undefined) {
      sha = createHash("sha1").update(script).digest("hex");
      this.hashes.set(script, sha);
    }
    return sha;
  }
}

/** A reply as an array (scripts always answer one). */
export function replyList(reply: Reply): Reply[] {
  if (!Array.isArray(reply)) throw new Error(`a read-model script answered ${JSON.stringify(reply)}, not a list`);
  return reply;
}

export function replyText(reply: Reply | undefined): string {
  if (reply === null || reply === undefined) return "";
  if (Array.isArray(reply)) throw new Error("a read-model script answered a list where text belongs");
  return String(reply);
}

/** Reads `count`, then that many field/value pairs, from `reply` at `at`; returns them and the next position. */
export function readPairs(reply: Reply[], at: number): { pairs: Array<[string, string]>; next: number } {
  const count = Number(reply[at]);
  const pairs: Array<[string, string]> = [];
  for (let i = 0; i < count; i++) pairs.push([replyText(reply[at + 1 + 2 * i]), replyText(reply[at + 2 + 2 * i])]);
  return { pairs, next: at + 1 + 2 * count };
}
