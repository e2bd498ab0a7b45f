/**
 * One definition file's text as the sync's unit of work: its drafts and its
 * per-file problems. Shared by the main thread and the parse worker.
 */
import { parseDefinitionFile, type DefinitionProblem, type ParsedDefinition } from "./definition.js";
import type { SyncFileError } from "./sync-state.js";

/** A definition serializes to at most 1 MiB (validation.ts LIMITS.componentBytes); a file may hold a few. */
export const MAX_FILE_CHARS = 8 * 1024 * 1024;

export interface FileWork {
  path: string;
  definitions: ParsedDefinition[];
  errors: SyncFileError[];
}

/** What parsing a file yields before it is tied to a commit: what the worker sends back. */
export interface FileOutcome {
  definitions: ParsedDefinition[];
  problems: DefinitionProblem[];
}

/** `text` undefined: the entry is not a regular file. Needs no parse, so it never goes to the worker. */
export function needsParsing(text: string | undefined): text is string {
  return text !== undefined && text.length <= MAX_FILE_CHARS;
}

export function parseText(text: string | undefined): FileOutcome {
  if (text === undefined) return { definitions: [], problems: [{ line: 0, message: "not a regular file (symbolic link or submodule)" }] };
  if (text.length > MAX_FILE_CHARS) {
    return { definitions: [], problems: [{ line: 0, message: `file is larger than ${MAX_FILE_CHARS} characters; split it into smaller files` }] };
  }
  return parseDefinitionFile(text);
}

export function fileWork(path: string, outcome: FileOutcome, commit: string): FileWork {
  return {
    path,
    definitions: outcome.definitions,
    errors: outcome.problems.map((p) => ({ path, line: p.line, message: p.message, commit })),
  };
}
