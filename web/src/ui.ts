/**
 * Pieces of markup every view uses: the error panel, badges, the loading
 * line. lit-html escapes every interpolated value, so text from the catalog
 * (descriptions, labels, messages) is never read as markup.
 */

import { Code } from "@connectrpc/connect";
import { html, nothing, type TemplateResult } from "lit-html";
import type { Component } from "../../gen/ts/src/nestor/catalog/v1/component_pb.js";
import { describeError } from "./api.js";
import { isPrerelease } from "./format.js";

/** The failure of a call, as an alert: what it means, then the server's own words. */
export function errorPanel(err: unknown): TemplateResult {
  const report = describeError(err);
  return html`<div class="error" role="alert" data-code=${report.code ?? "unknown"}>
    <p class="error-title">${report.title}</p>
    ${report.detail ? html`<p class="error-detail">${report.detail}</p>` : nothing}
    ${report.fields.length > 0 ? html`<ul>${report.fields.map((field) => html`<li>${field}</li>`)}</ul>` : nothing}
    ${
      report.code === Code.Unauthenticated || report.code === Code.PermissionDenied
        ? html`<button type="button" @click=${askForToken}>
            ${report.code === Code.Unauthenticated ? "Enter a token" : "Use another token"}
          </button>`
        : nothing
    }
  </div>`;
}

function askForToken(): void {
  document.dispatchEvent(new CustomEvent("nestor:ask-token"));
}

export function loading(what: string): TemplateResult {
  return html`<p class="loading" role="status">Loading ${what}…</p>`;
}

/**
 * Badges for a version: pre-release, deprecated and yanked (the deprecation's
 * message or the yank's reason as a tooltip and for screen readers).
 */
export function versionBadges(component: Component): TemplateResult {
  const deprecation = component.deprecation;
  const yank = component.yank;
  return html`${isPrerelease(component.version) ? html`<span class="badge badge-pre">pre-release</span>` : nothing}
  ${
    deprecation?.deprecated
      ? html`<span class="badge badge-deprecated" title=${deprecation.message || "deprecated"}
          >deprecated${
            deprecation.message ? html`<span class="visually-hidden">: ${deprecation.message}</span>` : nothing
          }</span
        >`
      : nothing
  }
  ${
    yank
      ? html`<span class="badge badge-yanked" title=${yank.reason || "yanked"}
          >yanked${yank.reason ? html`<span class="visually-hidden">: ${yank.reason}</span>` : nothing}</span
        >`
      : nothing
  }`;
}

export function labelList(labels: Record<string, string>): TemplateResult | typeof nothing {
  const entries = Object.entries(labels).sort(([a], [b]) => a.localeCompare(b));
  if (entries.length === 0) return nothing;
  return html`<ul class="labels" aria-label="Labels">
    ${entries.map(([key, value]) => html`<li class="label">${key}=${value}</li>`)}
  </ul>`;
}

/** A table's header row: one column header per name. */
export function tableHead(...names: string[]): TemplateResult {
  return html`<thead>
    <tr>
      ${names.map((name) => html`<th scope="col">${name}</th>`)}
    </tr>
  </thead>`;
}

let firstView = true;

/**
 * Sets the tab title and, after an in-app navigation, moves focus to the new
 * view's heading, so keyboard and screen reader users land there (a page
 * load starts at the top, with the skip link, as any page does).
 */
export function announceView(title: string): void {
  document.title = `${title} · Nestor Catalog`;
  if (firstView) {
    firstView = false;
    return;
  }
  const heading = document.querySelector<HTMLElement>("main h1");
  if (heading && document.activeElement !== heading) {
    heading.tabIndex = -1;
    heading.focus({ preventScroll: true });
  }
}
