/**
 * One component: its versions (SemVer-descending from ListComponentVersions,
 * pre-releases, deprecations and yanks marked, more loaded on demand) and
 * one version in full: its deprecation plan (replacement, sunset) or yank,
 * inputs with their rules in words, outputs, deployment, Git source, who
 * published it and when.
 */
import { html, nothing, render, type TemplateResult } from "lit-html";
import type { Component } from "../../../gen/ts/src/nestor/catalog/v1/component_pb.js";
import { catalog, isAbort } from "../api.js";
import { isoTime, structText, timeText, validationRules, valueText, valueTypeName } from "../format.js";
import { paths } from "../router.js";
import { announceView, errorPanel, labelList, loading, tableHead, versionBadges } from "../ui.js";
import type { View } from "./view.js";

const VERSIONS_PAGE = 50;

interface State {
  versions: Component[];
  versionsToken: string;
  versionsLoading: boolean;
  versionsError: unknown;
  selected: Component | undefined;
  selectedError: unknown;
}

export function componentView(main: HTMLElement, name: string, version: string): View {
  const controller = new AbortController();
  const signal = controller.signal;
  const state: State = {
    versions: [],
    versionsToken: "",
    versionsLoading: true,
    versionsError: undefined,
    selected: undefined,
    selectedError: undefined,
  };
  const draw = () => render(template(name, version, state, loadMoreVersions), main);

  async function loadVersions(pageToken: string) {
    state.versionsLoading = true;
    draw();
    try {
      const page = await catalog.listComponentVersions({ name, pageSize: VERSIONS_PAGE, pageToken }, { signal });
      state.versions.push(...page.components);
      state.versionsToken = page.nextPageToken;
    } catch (err) {
      if (isAbort(err)) return;
      state.versionsError = err;
    }
    state.versionsLoading = false;
    draw();
  }

  async function loadSelected() {
    try {
      const reply = await catalog.getComponent({ name, version: version || "latest" }, { signal });
      state.selected = reply.component;
    } catch (err) {
      if (isAbort(err)) return;
      state.selectedError = err;
    }
    draw();
  }

  function loadMoreVersions() {
    void loadVersions(state.versionsToken);
  }

  draw();
  announceView(version ? `${name} ${version}` : name);
  void loadVersions("");
  void loadSelected();
  return { stop: () => controller.abort() };
}

function template(name: string, version: string, state: State, more: () => void): TemplateResult {
  const selected = state.selected;
  return html`
    <p class="breadcrumbs"><a href="/">Components</a> / <span>${name}</span></p>
    <h1>${name}${version ? html` <span class="version-heading">${version}</span>` : nothing}</h1>
    <div class="component-layout">
      <section class="versions" aria-labelledby="versions-heading">
        <h2 id="versions-heading">Versions</h2>
        ${versionList(name, state, selected?.version ?? version, more)}
      </section>
      <section class="version-detail" aria-labelledby="detail-heading">
        ${
          state.selectedError !== undefined
            ? html`<h2 id="detail-heading">${version || "Latest version"}</h2>${errorPanel(state.selectedError)}`
            : selected === undefined
              ? html`<h2 id="detail-heading">${version || "Latest version"}</h2>${loading("the version")}`
              : versionDetail(selected, state.versions)
        }
      </section>
    </div>
  `;
}

function versionList(name: string, state: State, current: string, more: () => void): TemplateResult {
  if (state.versionsError !== undefined) return errorPanel(state.versionsError);
  return html`<ol class="version-list">
      ${state.versions.map(
        (v) => html`<li data-version=${v.version}>
          <a href=${paths.version(name, v.version)} aria-current=${v.version === current ? "page" : "false"}
            >${v.version}</a
          >
          ${versionBadges(v)}
          <span class="muted">${timeText(v.createTime).slice(0, 10)}</span>
        </li>`,
      )}
    </ol>
    ${state.versionsLoading ? loading("versions") : nothing}
    ${
      !state.versionsLoading && state.versionsToken !== ""
        ? html`<button type="button" class="secondary" @click=${more}>Load more versions</button>`
        : nothing
    }`;
}

function versionDetail(component: Component, versions: Component[]): TemplateResult {
  const pair = comparePair(component.version, versions);
  return html`
    <h2 id="detail-heading">Version ${component.version} ${versionBadges(component)}</h2>
    ${lifecycleNotices(component)}
    <p class="description">${component.description}</p>
    ${labelList(component.labels)}
    ${
      pair
        ? html`<p><a class="button-link" href=${paths.compare(component.name, pair.base, pair.target)}
            >Compare ${pair.base} → ${pair.target}</a></p>`
        : nothing
    }
    <dl class="facts">
      <dt>Provider</dt><dd>${component.provider}</dd>
      <dt>Category</dt><dd>${component.category}</dd>
      <dt>Published</dt><dd><time datetime=${isoTime(component.createTime)}>${timeText(component.createTime)}</time>
        by <span class="actor">${component.createActor}</span> (revision ${component.createRevision})</dd>
      <dt>Last changed</dt><dd><time datetime=${isoTime(component.updateTime)}>${timeText(component.updateTime)}</time>
        by <span class="actor">${component.updateActor}</span> (revision ${component.updateRevision})</dd>
      <dt>Content digest</dt><dd><code class="wrap">${component.contentDigest}</code></dd>
    </dl>
    ${inputsTable(component)} ${outputsTable(component)}
    <h3>Deployment</h3>
    <dl class="facts">
      <dt>Engine</dt><dd>${component.deployment?.engine ?? ""}</dd>
      <dt>Engine version</dt><dd>${component.deployment?.engineVersion ?? ""}</dd>
    </dl>
    <pre class="config" aria-label="Deployment configuration">${structText(component.deployment?.config)}</pre>
    <h3>Source</h3>
    ${
      component.source && component.source.repository !== ""
        ? html`<dl class="facts">
            <dt>Repository</dt><dd><code class="wrap">${component.source.repository}</code></dd>
            <dt>Commit</dt><dd><code class="wrap">${component.source.commit}</code></dd>
            <dt>Path</dt><dd><code class="wrap">${component.source.path}</code></dd>
          </dl>`
        : html`<p class="muted">Published through the API, not from Git.</p>`
    }
  `;
}

/** The version against its next older one, or the oldest against the next newer (the list is SemVer-descending). */
function comparePair(version: string, versions: Component[]): { base: string; target: string } | undefined {
  const index = versions.findIndex((v) => v.version === version);
  if (index === -1) return undefined;
  const older = versions[index + 1];
  if (older) return { base: older.version, target: version };
  const newer = versions[index - 1];
  return newer ? { base: version, target: newer.version } : undefined;
}

function inputsTable(component: Component): TemplateResult {
  if (component.inputs.length === 0) return html`<h3>Inputs</h3><p class="muted">No inputs.</p>`;
  return html`<h3 id="inputs-heading">Inputs</h3>
    <table class="stack inputs-table" aria-labelledby="inputs-heading">
      ${tableHead("Name", "Type", "Required", "Default", "Validation", "Description")}
      <tbody>
        ${component.inputs.map((input) => {
          const rules = validationRules(input.validation, input.type);
          return html`<tr data-input=${input.name}>
            <th scope="row" data-label="Name"><code>${input.name}</code>
              ${input.sensitive ? html`<span class="badge badge-sensitive">sensitive</span>` : nothing}</th>
            <td data-label="Type">${valueTypeName(input.type)}</td>
            <td data-label="Required">${input.required ? html`<strong>required</strong>` : "optional"}</td>
            <td data-label="Default">${
              input.defaultValue
                ? html`<code>${valueText(input.defaultValue)}</code>`
                : html`<span class="muted">none</span>`
            }</td>
            <td data-label="Validation">${
              rules.length === 0
                ? html`<span class="muted">none</span>`
                : html`<ul class="rules">${rules.map((rule) => html`<li>${rule}</li>`)}</ul>`
            }</td>
            <td data-label="Description">${input.description}</td>
          </tr>`;
        })}
      </tbody>
    </table>`;
}

function outputsTable(component: Component): TemplateResult {
  if (component.outputs.length === 0) return html`<h3>Outputs</h3><p class="muted">No outputs.</p>`;
  return html`<h3 id="outputs-heading">Outputs</h3>
    <table class="stack outputs-table" aria-labelledby="outputs-heading">
      ${tableHead("Name", "Type", "Description")}
      <tbody>
        ${component.outputs.map(
          (output) => html`<tr data-output=${output.name}>
            <th scope="row" data-label="Name"><code>${output.name}</code>
              ${output.sensitive ? html`<span class="badge badge-sensitive">sensitive</span>` : nothing}</th>
            <td data-label="Type">${valueTypeName(output.type)}</td>
            <td data-label="Description">${output.description}</td>
          </tr>`,
        )}
      </tbody>
    </table>`;
}

/** What a reader must know before using the version: its deprecation (with the plan) and its yank. */
function lifecycleNotices(component: Component): TemplateResult {
  const { deprecation, yank } = component;
  const replacement = deprecation?.replacement;
  return html`${
    deprecation?.deprecated
      ? html`<div class="notice deprecation-notice">
          <p>Deprecated${deprecation.message ? `: ${deprecation.message}` : ""}</p>
          ${
            replacement
              ? html`<p class="replacement">Use instead:
                  <a
                    href=${
                      replacement.constraint
                        ? paths.version(replacement.name, replacement.constraint)
                        : paths.component(replacement.name)
                    }
                    >${replacement.name}${replacement.constraint ? ` ${replacement.constraint}` : ""}</a
                  ></p>`
              : nothing
          }
          ${
            deprecation.sunsetTime
              ? html`<p class="sunset">Sunset:
                  <time datetime=${isoTime(deprecation.sunsetTime)}>${timeText(deprecation.sunsetTime)}</time></p>`
              : nothing
          }
        </div>`
      : nothing
  }
  ${
    yank
      ? html`<p class="notice yank-notice">
          Yanked${yank.reason ? `: ${yank.reason}` : ""}${yank.actor ? ` (by ${yank.actor}, ` : " ("}<time
            datetime=${isoTime(yank.yankTime)}
            >${timeText(yank.yankTime)}</time
          >). No constraint or "latest" resolves to it; it is read only by its exact version.
        </p>`
      : nothing
  }`;
}
