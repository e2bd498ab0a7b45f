/**
 * Client-side routes over the History API: the server answers every unknown
 * path with index.html, so a route's URL can be bookmarked, reloaded and
 * shared. Same-origin link clicks are taken over here; the views never
 * touch `history` themselves except through `navigate`.
 */

export type Route =
  | { view: "components"; query: URLSearchParams }
  | { view: "component"; name: string; version: string }
  | { view: "compare"; name: string; base: string; target: string }
  | { view: "activity" }
  | { view: "sync" }
  | { view: "not-found"; path: string };

export function parseRoute(url: URL): Route {
  let parts: string[];
  try {
    parts = url.pathname
      .split("/")
      .filter((part) => part !== "")
      .map(decodeURIComponent);
  } catch {
    return { view: "not-found", path: url.pathname };
  }
  const [first, name, third, version] = parts;
  if (parts.length === 0 || (first === "components" && parts.length === 1)) {
    return { view: "components", query: url.searchParams };
  }
  if (first === "components" && name !== undefined) {
    if (parts.length === 2) return { view: "component", name, version: "" };
    if (third === "versions" && version !== undefined && parts.length === 4)
      return { view: "component", name, version };
    if (third === "compare" && parts.length === 3) {
      const base = url.searchParams.get("base") ?? "";
      const target = url.searchParams.get("target") ?? "";
      return { view: "compare", name, base, target };
    }
  }
  if (first === "activity" && parts.length === 1) return { view: "activity" };
  if (first === "sync" && parts.length === 1) return { view: "sync" };
  return { view: "not-found", path: url.pathname };
}

export const paths = {
  component: (name: string) => `/components/${encodeURIComponent(name)}`,
  version: (name: string, version: string) =>
    `/components/${encodeURIComponent(name)}/versions/${encodeURIComponent(version)}`,
  compare: (name: string, base: string, target: string) => {
    const query = new URLSearchParams({ base, target });
    return `/components/${encodeURIComponent(name)}/compare?${query}`;
  },
};

let onChange: (route: Route) => void = () => {};

/** Starts routing: `show` runs now for the current URL and again after every navigation. */
export function startRouter(show: (route: Route) => void): void {
  onChange = show;
  window.addEventListener("popstate", () => onChange(parseRoute(new URL(window.location.href))));
  document.addEventListener("click", (event) => {
    if (event.defaultPrevented || event.button !== 0) return;
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    const anchor = (event.target as Element | null)?.closest("a");
    if (anchor?.target !== "" || anchor.hasAttribute("download")) return;
    const url = new URL(anchor.href, window.location.href);
    if (url.origin !== window.location.origin || anchor.getAttribute("href")?.startsWith("#")) return;
    event.preventDefault();
    navigate(url.pathname + url.search);
  });
  onChange(parseRoute(new URL(window.location.href)));
}

/** Goes to `path` (pushing a history entry, or replacing the current one). */
export function navigate(path: string, options: { replace?: boolean } = {}): void {
  if (options.replace) history.replaceState(null, "", path);
  else history.pushState(null, "", path);
  onChange(parseRoute(new URL(window.location.href)));
}
