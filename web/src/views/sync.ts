/**
 * Git sync status per configured repository (SyncService.ListSyncStatuses):
 * the commit last synced, the files that failed with their line numbers, and
 * the recent runs. Read-only: nothing here starts a sync.
 */
import { html, nothing, render, type TemplateResult } from "lit-html";
import type { SyncRun, SyncStatus } from "../../../gen/ts/src/nestor/catalog/v1/sync_service_pb.js";
import { isAbort, sync } from "../api.js";
import { isoTime, shortCommit, syncRunStateName, syncTriggerName, timeText } from "../format.js";
import { announceView, errorPanel, loading, tableHead } from "../ui.js";
import type { View } from "./view.js";

interface State {
  statuses: SyncStatus[] | undefined;
  error: unknown;
}

export function syncView(main: HTMLElement): View {
  const controller = new AbortController();
  const state: State = { statuses: undefined, error: undefined };
  const draw = () => render(template(state, refresh), main);

  async function load() {
    state.error = undefined;
    try {
      state.statuses = (await sync.listSyncStatuses({}, { signal: controller.signal })).statuses;
    } catch (err) {
      if (isAbort(err)) return;
      state.error = err;
    }
    draw();
  }

  function refresh() {
    state.statuses = undefined;
    draw();
    void load();
  }

  draw();
  announceView("Git sync");
  void load();
  return { stop: () => controller.abort() };
}

function template(state: State, refresh: () => void): TemplateResult {
  return html`
    <h1>Git sync</h1>
    <p><button type="button" class="secondary" @click=${refresh}>Refresh</button></p>
    ${
      state.error !== undefined
        ? errorPanel(state.error)
        : state.statuses === undefined
          ? loading("sync statuses")
          : state.statuses.length === 0
            ? html`<p class="empty">No repositories are configured (<code>sync.repositories</code>).</p>`
            : state.statuses.map(repository)
    }
  `;
}

function repository(status: SyncStatus): TemplateResult {
  const id = `repo-${status.repository.replace(/[^A-Za-z0-9_-]/g, "-")}`;
  return html`<section class="repository" aria-labelledby=${id} data-repository=${status.repository}>
    <h2 id=${id}>${status.repository}</h2>
    <dl class="facts">
      <dt>URL</dt><dd><code class="wrap">${status.url}</code></dd>
      <dt>Branch</dt><dd>${status.branch}</dd>
      <dt>Last synced commit</dt>
      <dd>
        ${
          status.lastSyncedCommit
            ? commitCode(status.lastSyncedCommit)
            : html`<span class="muted">not synced yet</span>`
        }
      </dd>
      <dt>Last synced</dt>
      <dd><time datetime=${isoTime(status.lastSyncTime)}>${timeText(status.lastSyncTime)}</time></dd>
    </dl>
    <h3>File errors (${status.fileErrors.length})</h3>
    ${
      status.fileErrors.length === 0
        ? html`<p class="muted">Every definition file is valid.</p>`
        : html`<table class="stack file-errors">
            ${tableHead("File", "Line", "Problem", "Commit")}
            <tbody>
              ${status.fileErrors.map(
                (error) => html`<tr data-path=${error.path} data-line=${error.line}>
                  <th scope="row" data-label="File"><code class="wrap">${error.path}</code></th>
                  <td data-label="Line">${error.line === 0 ? html`<span class="muted">none</span>` : error.line}</td>
                  <td data-label="Problem">${error.message}</td>
                  <td data-label="Commit">${commitCode(error.commit)}</td>
                </tr>`,
              )}
            </tbody>
          </table>`
    }
    <h3>Recent runs</h3>
    ${
      status.recentRuns.length === 0
        ? html`<p class="muted">No runs yet.</p>`
        : html`<table class="stack runs">
            ${tableHead("Started", "Trigger", "State", "Commit", "Files", "Message")}
            <tbody>
              ${status.recentRuns.map(
                (run) => html`<tr data-sync-id=${run.syncId}>
                  <th scope="row" data-label="Started">
                    <time datetime=${isoTime(run.startTime)}>${timeText(run.startTime)}</time>
                  </th>
                  <td data-label="Trigger">
                    ${syncTriggerName(run.trigger)}${run.fullScan ? " (full scan)" : nothing}
                  </td>
                  <td data-label="State">
                    ${runState(run)}
                  </td>
                  <td data-label="Commit">${commitCode(run.commit)}</td>
                  <td data-label="Files">${fileCounts(run)}</td>
                  <td data-label="Message">${run.message || html`<span class="muted">none</span>`}</td>
                </tr>`,
              )}
            </tbody>
          </table>`
    }
  </section>`;
}

function commitCode(commit: string): TemplateResult {
  return html`<code title=${commit}>${shortCommit(commit)}</code>`;
}

function fileCounts(run: SyncRun): string {
  const { filesCreated, filesUnchanged, filesFailed, filesRemoved } = run;
  return `${filesCreated} created, ${filesUnchanged} unchanged, ${filesFailed} failed, ${filesRemoved} removed`;
}

function runState(run: SyncRun): TemplateResult {
  const state = syncRunStateName(run.state);
  return html`<span class=${`badge badge-run-${state}`}>${state}</span>`;
}
