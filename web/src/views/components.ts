/**
 * The components page: the latest version of each component, filtered by
 * provider, category and labels, or ranked by a free-text search, one page
 * at a time. Pages come from ListComponents / SearchComponents page tokens
 * (keyset reads), so the catalog's size never matters to the browser: it
 * holds one page and the tokens of the pages before it.
 */
import { html, nothing, render } from "lit-html";
import type { Component } from "../../../gen/ts/src/nestor/catalog/v1/component_pb.js";
import { catalog, isAbort } from "../api.js";
import { parseLabels, timeText } from "../format.js";
import { navigate, paths } from "../router.js";
import { announceView, errorPanel, labelList, loading, tableHead, versionBadges } from "../ui.js";
import type { View } from "./view.js";

export const PAGE_SIZE = 25;

interface Filters {
  q: string;
  provider: string;
  category: string;
  labels: string;
  deprecated: boolean;
}

function filtersOf(query: URLSearchParams): Filters {
  return {
    q: query.get("q") ?? "",
    provider: query.get("provider") ?? "",
    category: query.get("category") ?? "",
    labels: query.get("labels") ?? "",
    deprecated: query.get("deprecated") === "1",
  };
}

function queryOf(filters: Filters): string {
  const query = new URLSearchParams();
  if (filters.q) query.set("q", filters.q);
  if (filters.provider) query.set("provider", filters.provider);
  if (filters.category) query.set("category", filters.category);
  if (filters.labels) query.set("labels", filters.labels);
  if (filters.deprecated) query.set("deprecated", "1");
  const text = query.toString();
  return text === "" ? "/" : `/?${text}`;
}

interface PageState {
  /** tokens[i] fetches page i; tokens[0] is "". */
  tokens: string[];
  index: number;
  components: Component[] | undefined;
  nextToken: string;
  revision: bigint;
  error: unknown;
}

export function componentsView(main: HTMLElement, query: URLSearchParams): View {
  const filters = filtersOf(query);
  const controller = new AbortController();
  const state: PageState = {
    tokens: [""],
    index: 0,
    components: undefined,
    nextToken: "",
    revision: 0n,
    error: undefined,
  };
  const labels = parseLabels(filters.labels);

  const draw = () => render(template(filters, state, labels.bad, { submit, turn }), main);

  async function load(index: number) {
    state.index = index;
    state.components = undefined;
    state.error = undefined;
    draw();
    try {
      const filter = {
        provider: filters.provider,
        category: filters.category,
        labels: labels.labels,
        includeDeprecated: filters.deprecated,
      };
      const pageToken = state.tokens[index] ?? "";
      const page = filters.q
        ? await catalog.searchComponents(
            { query: filters.q, filter, pageSize: PAGE_SIZE, pageToken },
            { signal: controller.signal },
          )
        : await catalog.listComponents(
            { filter, pageSize: PAGE_SIZE, pageToken, orderBy: "name" },
            { signal: controller.signal },
          );
      state.components = "results" in page ? page.results.map((result) => result.component!) : page.components;
      state.nextToken = page.nextPageToken;
      state.revision = page.revision;
      if (page.nextPageToken !== "") state.tokens[index + 1] = page.nextPageToken;
    } catch (err) {
      if (isAbort(err)) return;
      state.error = err;
    }
    draw();
  }

  function submit(event: SubmitEvent) {
    event.preventDefault();
    const form = new FormData(event.target as HTMLFormElement);
    const text = (name: string) => String(form.get(name) ?? "").trim();
    const next = {
      q: text("q"),
      provider: text("provider"),
      category: text("category"),
      labels: text("labels"),
      deprecated: form.get("deprecated") === "on",
    };
    navigate(queryOf(next));
  }

  function turn(step: 1 | -1) {
    void load(state.index + step).then(() => main.querySelector<HTMLElement>("#results-heading")?.focus());
  }

  draw();
  announceView(filters.q ? `Search: ${filters.q}` : "Components");
  if (labels.bad === undefined) void load(0);
  else state.components = [];
  draw();
  return { stop: () => controller.abort() };
}

interface Actions {
  submit(event: SubmitEvent): void;
  turn(step: 1 | -1): void;
}

function template(filters: Filters, state: PageState, badLabel: string | undefined, actions: Actions) {
  return html`
    <h1>Components</h1>
    <form class="filters" role="search" aria-label="Find components" @submit=${actions.submit}>
      <div class="field field-wide">
        <label for="f-q">Search</label>
        <input id="f-q" name="q" type="search" .value=${filters.q} placeholder="name, description, label, input" />
      </div>
      <div class="field">
        <label for="f-provider">Provider</label>
        <input id="f-provider" name="provider" .value=${filters.provider} placeholder="aws" autocomplete="off" />
      </div>
      <div class="field">
        <label for="f-category">Category</label>
        <input id="f-category" name="category" .value=${filters.category} placeholder="database" autocomplete="off" />
      </div>
      <div class="field">
        <label for="f-labels">Labels</label>
        <input
          id="f-labels"
          name="labels"
          .value=${filters.labels}
          placeholder="team=platform"
          autocomplete="off"
          aria-describedby="f-labels-help"
          aria-invalid=${badLabel === undefined ? "false" : "true"}
        />
        <small id="f-labels-help">key=value, comma-separated</small>
      </div>
      <div class="field field-check">
        <input id="f-deprecated" name="deprecated" type="checkbox" .checked=${filters.deprecated} />
        <label for="f-deprecated">Include deprecated</label>
      </div>
      <div class="field field-actions"><button type="submit">Apply</button></div>
    </form>
    ${
      badLabel === undefined
        ? nothing
        : html`<div class="error" role="alert">
            <p class="error-title">The label filter "${badLabel}" is not key=value</p>
          </div>`
    }
    <h2 id="results-heading" tabindex="-1">${filters.q ? `Results for "${filters.q}"` : "Latest versions"}</h2>
    ${results(state)}
    ${pager(state, actions)}
  `;
}

function results(state: PageState) {
  if (state.error !== undefined) return errorPanel(state.error);
  if (state.components === undefined) return loading("components");
  if (state.components.length === 0) return html`<p class="empty">No components match.</p>`;
  return html`<table class="stack components-table">
    <caption class="visually-hidden">Page ${state.index + 1}, catalog revision ${state.revision}</caption>
    ${tableHead("Name", "Latest", "Provider", "Category", "Description", "Updated")}
    <tbody>
      ${state.components.map(
        (component) => html`<tr data-component=${component.name}>
          <th scope="row" data-label="Name"><a href=${paths.component(component.name)}>${component.name}</a>
            ${labelList(component.labels)}</th>
          <td data-label="Latest"><a href=${paths.version(component.name, component.version)}>${component.version}</a>
            ${versionBadges(component)}</td>
          <td data-label="Provider">${component.provider}</td>
          <td data-label="Category">${component.category}</td>
          <td data-label="Description">${component.description}</td>
          <td data-label="Updated">${timeText(component.updateTime)}</td>
        </tr>`,
      )}
    </tbody>
  </table>`;
}

function pager(state: PageState, actions: Actions) {
  const busy = state.components === undefined;
  return html`<nav class="pager" aria-label="Pages">
    <button type="button" ?disabled=${busy || state.index === 0} @click=${() => actions.turn(-1)}>Previous page</button>
    <span class="page-number" aria-live="polite">Page ${state.index + 1}</span>
    <button type="button" ?disabled=${busy || state.nextToken === ""} @click=${() => actions.turn(1)}>Next page</button>
  </nav>`;
}
