/** Messages between file-parser.ts (main thread) and parse-worker.ts. */
import type { DefinitionProblem, ParsedDefinition } from "./definition.js";

export interface ParseRequest {
  batch: number;
  texts: string[];
}

export interface WorkerOutcome {
  definitions: Array<Pick<ParsedDefinition, "draft" | "line">>;
  problems: DefinitionProblem[];
}

export type ParseReply = { batch: number; outcomes: WorkerOutcome[] } | { batch: number; failed: string };
