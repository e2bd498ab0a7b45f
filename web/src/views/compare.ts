/**
 * The diff between two versions of a component, from
 * CompareComponentVersions: each change with the bump it needs, breaking
 * changes highlighted (and said in words, not by colour alone), and whether
 * the target's version number is bumped far enough.
 */
import { html, type nothing, render, type TemplateResult } from "lit-html";
import type { CompareComponentVersionsResponse } from "../../../gen/ts/src/nestor/catalog/v1/catalog_service_pb.js";
import { catalog, isAbort } from "../api.js";
import { bumpName } from "../format.js";
import { navigate, paths } from "../router.js";
import { announceView, errorPanel, loading, tableHead } from "../ui.js";
import type { View } from "./view.js";

interface State {
  versions: string[];
  diff: CompareComponentVersionsResponse | undefined;
  error: unknown;
}

export function compareView(main: HTMLElement, name: string, base: string, target: string): View {
  const controller = new AbortController();
  const signal = controller.signal;
  const state: State = { versions: [], diff: undefined, error: undefined };
  const draw = () => render(template(name, base, target, state, submit), main);

  function submit(event: SubmitEvent) {
    event.preventDefault();
    const form = new FormData(event.target as HTMLFormElement);
    navigate(paths.compare(name, String(form.get("base") ?? "").trim(), String(form.get("target") ?? "").trim()));
  }

  async function loadVersions() {
    try {
      // One page of version numbers for the pickers; any other version can still be typed.
      const page = await catalog.listComponentVersions({ name, pageSize: 200 }, { signal });
      state.versions = page.components.map((c) => c.version);
      draw();
    } catch (err) {
      if (!isAbort(err) && state.error === undefined) state.error = err;
      draw();
    }
  }

  async function loadDiff() {
    try {
      state.diff = await catalog.compareComponentVersions(
        { name, baseVersion: base, targetVersion: target },
        { signal },
      );
    } catch (err) {
      if (isAbort(err)) return;
      state.error = err;
    }
    draw();
  }

  draw();
  announceView(`${name}: ${base} → ${target}`);
  void loadVersions();
  if (base !== "" && target !== "") void loadDiff();
  return { stop: () => controller.abort() };
}

function template(
  name: string,
  base: string,
  target: string,
  state: State,
  submit: (event: SubmitEvent) => void,
): TemplateResult {
  return html`
    <p class="breadcrumbs">
      <a href="/">Components</a> / <a href=${paths.component(name)}>${name}</a> / <span>Compare</span>
    </p>
    <h1>Compare versions of ${name}</h1>
    <form class="filters" aria-label="Versions to compare" @submit=${submit}>
      <div class="field">
        <label for="c-base">Base version</label>
        <input id="c-base" name="base" list="c-versions" .value=${base} required autocomplete="off" />
      </div>
      <div class="field">
        <label for="c-target">Target version</label>
        <input id="c-target" name="target" list="c-versions" .value=${target} required autocomplete="off" />
      </div>
      <datalist id="c-versions">${state.versions.map((v) => html`<option value=${v}></option>`)}</datalist>
      <div class="field field-actions"><button type="submit">Compare</button></div>
    </form>
    ${diffResult(base, target, state)}
  `;
}

function diffResult(base: string, target: string, state: State): TemplateResult | typeof nothing {
  if (state.error !== undefined) return errorPanel(state.error);
  if (base === "" || target === "") return html`<p class="muted">Pick two versions.</p>`;
  const diff = state.diff;
  if (diff === undefined) return loading("the comparison");
  const breakingCount = diff.changes.filter((change) => change.breaking).length;
  return html`
    <h2>${base} → ${target}</h2>
    <dl class="facts summary">
      <dt>Breaking</dt>
      <dd class=${diff.breaking ? "breaking-text" : ""}>
        ${diff.breaking ? `yes: ${breakingCount} breaking change${breakingCount === 1 ? "" : "s"}` : "no"}
      </dd>
      <dt>Bump required</dt><dd><span class="badge badge-bump">${bumpName(diff.requiredBump)}</span></dd>
      <dt>Version bump</dt>
      <dd class=${diff.bumpSufficient ? "" : "breaking-text"}>
        ${bumpVerdict(diff, base, target)}
      </dd>
    </dl>
    ${
      diff.changes.length === 0
        ? html`<p class="empty">No differences in the spec.</p>`
        : html`<table class="stack changes-table">
            <caption class="visually-hidden">Changes from ${base} to ${target}</caption>
            ${tableHead("Path", "Change", "Breaking", "Bump")}
            <tbody>
              ${diff.changes.map(
                (change) => html`<tr class=${change.breaking ? "breaking" : ""} data-path=${change.path}>
                  <th scope="row" data-label="Path"><code class="wrap">${change.path}</code></th>
                  <td data-label="Change">${change.description}</td>
                  <td data-label="Breaking">${
                    change.breaking ? html`<span class="badge badge-breaking">breaking</span>` : "no"
                  }</td>
                  <td data-label="Bump">${bumpName(change.bump)}</td>
                </tr>`,
              )}
            </tbody>
          </table>`
    }
  `;
}

function bumpVerdict(diff: CompareComponentVersionsResponse, base: string, target: string): string {
  const bump = bumpName(diff.requiredBump);
  return diff.bumpSufficient
    ? `sufficient (${target} is at least a ${bump} bump)`
    : `insufficient: ${target} needs at least a ${bump} bump from ${base}`;
}
