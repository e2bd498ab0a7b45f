// Types for scripts/rewrite-connect.mjs (imported by its test).
import type ts from "typescript";

export const FILES: string[];
export const CONNECT_VERSION: string;
export function connectDir(): string;
export function rewrite(source: string, typescript: typeof ts): { source: string; rewritten: number };
export function hoistFactoryGenerators(source: string, typescript: typeof ts): { source: string; hoisted: number };
export function untilFirstInOneLiteral(source: string): { source: string; replaced: number };
export const UNTIL_FIRST_PUBLISHED: string;
export const UNTIL_FIRST_ONE_LITERAL: string;
export function jsonWriterOption(source: string): { source: string; replaced: number };
export const JSON_WRITER_PUBLISHED: string;
export const JSON_WRITER_OPTION: string;
