/**
 * Path globs for the `paths` of a synced repository, with picomatch: `*` and
 * `?` stay within one path segment, `**` spans segments (`**\/` also matches
 * no directory), `{a,b}` picks one alternative. Paths are repository-relative
 * with '/'; dot files match like any other file (a definition may live under
 * `.platform/`).
 */
import picomatch from "picomatch";

export type PathMatcher = (path: string) => boolean;

/** Matches a path against any of `globs`; an empty list matches every path. */
export function pathMatcher(globs: readonly string[]): PathMatcher {
  if (globs.length === 0) return () => true;
  return picomatch(
    globs.map((glob) => glob.replace(/^\.?\//, "")),
    { dot: true },
  );
}
