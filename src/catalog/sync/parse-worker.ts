/**
 * Worker thread entry (file-parser.ts starts it): parses batches of
 * definition files off the main thread. Replies with the drafts and problems;
 * `locate` (a closure over the parsed tree) cannot cross threads, so the main
 * thread re-parses a file only when a publish of it fails with field violations.
 */
import { parentPort } from "node:worker_threads";
import { parseDefinitionFile } from "./definition.js";
import type { ParseReply, ParseRequest, WorkerOutcome } from "./parse-protocol.js";

const port = parentPort;
if (port) {
  port.on("message", (request: ParseRequest) => {
    let reply: ParseReply;
    try {
      const outcomes: WorkerOutcome[] = request.texts.map((text) => {
        const parsed = parseDefinitionFile(text);
        return { definitions: parsed.definitions.map(({ draft, line }) => ({ draft, line })), problems: parsed.problems };
      });
      reply = { batch: request.batch, outcomes };
      port.postMessage(reply);
    } catch (err) {
      // A value the structured clone cannot copy (or a parser bug): the main thread parses this batch itself.
      port.postMessage({ batch: request.batch, failed: err instanceof Error ? err.message : String(err) } satisfies ParseReply);
    }
  });
}
