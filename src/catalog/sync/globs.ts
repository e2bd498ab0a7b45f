/**
 * Path globs for the `paths` of a synced repository: `*` and `?` stay within
 * one path segment, `**` spans segments (`**\/` also matches no directory),
 * `{a,b}` picks one alternative. Paths are repository-relative with '/'.
 */
export type PathMatcher = (path: string) => boolean;

export function globToRegExp(glob: string): RegExp {
  let out = "";
  let braces = 0;
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === "*" && glob[i + 1] === "*") {
      const slashAfter = glob[i + 2] === "/";
      out += slashAfter ? "(?:.*/)?" : ".*";
      i += slashAfter ? 2 : 1;
    } else if (c === "*") out += "[^/]*";
    else if (c === "?") out += "[^/]";
    else if (c === "{") {
      braces++;
      out += "(?:";
    } else if (c === "}" && braces > 0) {
      braces--;
      out += ")";
    } else if (c === "," && braces > 0) out += "|";
    else out += c.replace(/[.+^$()|[\]\\]/g, "\\$&");
  }
  return new RegExp(`^${out}$`);
}

/** Matches a path against any of `globs`; an empty list matches every path. */
export function pathMatcher(globs: readonly string[]): PathMatcher {
  if (globs.length === 0) return () => true;
  const patterns = globs.map((glob) => globToRegExp(glob.replace(/^\.?\//, "")));
  return (path) => patterns.some((pattern) => pattern.test(path));
}
