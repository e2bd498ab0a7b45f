/**
 * The web catalog browser's entry point: the credentials form in the header,
 * and one view at a time in <main>, chosen by the URL.
 */
import { html, nothing, render } from "lit-html";
import { live } from "lit-html/directives/live.js";
import { storedToken, storeToken } from "./api.js";
import { type Route, startRouter } from "./router.js";
import "./styles.css";
import { announceView } from "./ui.js";
import { activityView } from "./views/activity.js";
import { compareView } from "./views/compare.js";
import { componentView } from "./views/component.js";
import { componentsView } from "./views/components.js";
import { syncView } from "./views/sync.js";
import type { View } from "./views/view.js";

const main = document.querySelector<HTMLElement>("#main")!;
const credentials = document.querySelector<HTMLElement>("#credentials")!;
let current: View | undefined;
let currentRoute: Route | undefined;

function show(route: Route): void {
  current?.stop();
  currentRoute = route;
  markNavigation(route);
  current = startView(route);
}

function startView(route: Route): View {
  switch (route.view) {
    case "components":
      return componentsView(main, route.query);
    case "component":
      return componentView(main, route.name, route.version);
    case "compare":
      return compareView(main, route.name, route.base, route.target);
    case "activity":
      return activityView(main);
    case "sync":
      return syncView(main);
    case "not-found":
      render(
        html`<h1>Page not found</h1><p>Nothing lives at <code>${route.path}</code>. <a href="/">Components</a></p>`,
        main,
      );
      announceView("Page not found");
      return { stop: () => {} };
  }
}

function markNavigation(route: Route): void {
  const section = route.view === "activity" || route.view === "sync" ? route.view : "components";
  for (const link of document.querySelectorAll<HTMLAnchorElement>("[data-nav]")) {
    if (link.dataset.nav === section) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
}

/** `open` is checked against the live element: the user opens and closes <details> without telling lit-html. */
function drawCredentials(open = false): void {
  const inUse = storedToken() !== "";
  const save = (event: SubmitEvent) => {
    event.preventDefault();
    const form = event.target as HTMLFormElement;
    storeToken(String(new FormData(form).get("token") ?? ""));
    form.reset();
    drawCredentials(false);
    if (currentRoute) show(currentRoute);
  };
  const forget = () => {
    storeToken("");
    drawCredentials(false);
    if (currentRoute) show(currentRoute);
  };
  render(
    html`<details class="credentials" ?open=${live(open)}>
      <summary>
        Credentials
        <span class="token-state" data-token=${inUse ? "set" : "none"}>${inUse ? "(token in use)" : "(none)"}</span>
      </summary>
      <form @submit=${save}>
        <label for="token">API key or bearer token</label>
        <input id="token" name="token" type="password" autocomplete="off" spellcheck="false" required />
        <p class="hint">
          Kept for this browser tab only (sessionStorage) and sent as <code>authorization: Bearer …</code>.
        </p>
        <div class="buttons">
          <button type="submit">Use token</button>
          ${inUse ? html`<button type="button" class="secondary" @click=${forget}>Forget token</button>` : nothing}
        </div>
      </form>
    </details>`,
    credentials,
  );
}

/** Opens the credentials form and puts the cursor in it (from an UNAUTHENTICATED error's button). */
export function askForToken(): void {
  drawCredentials(true);
  credentials.querySelector<HTMLInputElement>("#token")?.focus();
}

document.addEventListener("nestor:ask-token", askForToken);
drawCredentials();
startRouter(show);
