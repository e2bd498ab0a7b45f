/**
 * Live activity: the catalog's recent events, then every new one as it
 * happens, from WatchEvents. The stream is followed by the client package's
 * watchCatalog, which after a drop reconnects from the last revision it
 * delivered (the server replays what came after it: no gap, no duplicate)
 * and backs off while the server is away; the page says when it is
 * reconnecting and from which revision it will resume.
 */
import { html, nothing, render, type TemplateResult } from "lit-html";
import { watchCatalog } from "../../../gen/ts/src/client/watch-catalog.js";
import type { Event } from "../../../gen/ts/src/nestor/catalog/v1/events_pb.js";
import { type CatalogClient, catalog, isAbort } from "../api.js";
import { eventTypeName, isoTime, timeText } from "../format.js";
import { paths } from "../router.js";
import { announceView, errorPanel } from "../ui.js";
import type { View } from "./view.js";

/** Events replayed when the page opens, so it is not empty until the next write. */
const HISTORY = 25n;
/** Events kept on the page; older ones scroll off. */
const KEPT = 500;

type Status =
  | { kind: "connecting" }
  | { kind: "live"; revision: bigint }
  | { kind: "reconnecting"; attempt: number; delayMs: number; revision: bigint }
  | { kind: "resuming"; revision: bigint }
  | { kind: "stopped" };

interface State {
  events: Event[];
  status: Status;
  error: unknown;
  note: string;
}

export function activityView(main: HTMLElement): View {
  const controller = new AbortController();
  const signal = controller.signal;
  const state: State = { events: [], status: { kind: "connecting" }, error: undefined, note: "" };
  const draw = () => render(template(state), main);

  // The server answers a stream with its first message (an event, or progress when idle), so between a
  // reconnect attempt and that message the page can only say it is waiting.
  const client: CatalogClient = {
    ...catalog,
    watchEvents: (request, options) => {
      if (state.status.kind === "reconnecting") {
        state.status = { kind: "resuming", revision: state.status.revision };
        draw();
      }
      return catalog.watchEvents(request, options);
    },
  };

  async function follow(startRevision: bigint, resume: boolean) {
    const updates = watchCatalog(client, {
      startRevision,
      resume,
      signal,
      backoff: { initialMs: 250, maxMs: 5_000 },
      onReconnect: ({ attempt, delayMs, revision }) => {
        state.status = { kind: "reconnecting", attempt, delayMs, revision };
        draw();
      },
    });
    for await (const update of updates) {
      if (update.kind === "relist") {
        state.note = `The event log no longer holds the events after revision ${update.revision}; following from now.`;
        return follow(0n, false);
      }
      if (update.kind === "events") {
        state.events = [...[...update.events].reverse(), ...state.events].slice(0, KEPT);
      }
      state.status = { kind: "live", revision: update.revision };
      draw();
    }
  }

  async function start() {
    try {
      const page = await catalog.listComponents({ pageSize: 1, filter: { includeDeprecated: true } }, { signal });
      // An empty catalog has no history: "from now" gets the server's progress message (and "Live") at once.
      if (page.revision === 0n) await follow(0n, false);
      else await follow(page.revision > HISTORY ? page.revision - HISTORY : 0n, true);
    } catch (err) {
      if (isAbort(err) || signal.aborted) return;
      state.error = err;
      state.status = { kind: "stopped" };
      draw();
    }
  }

  draw();
  announceView("Activity");
  void start();
  return { stop: () => controller.abort() };
}

function template(state: State): TemplateResult {
  return html`
    <h1>Activity</h1>
    <p
      class=${`stream-status status-${state.status.kind}`}
      role="status"
      aria-live="polite"
      data-status=${state.status.kind}
    >
      ${statusText(state.status)}
    </p>
    ${state.note ? html`<p class="notice">${state.note}</p>` : nothing}
    ${state.error !== undefined ? errorPanel(state.error) : nothing}
    ${
      state.events.length === 0
        ? html`<p class="empty">No events yet; new ones appear here as they happen.</p>`
        : html`<ol class="events" aria-label="Events, newest first">
            ${state.events.map(eventRow)}
          </ol>`
    }
  `;
}

function statusText(status: Status): string {
  switch (status.kind) {
    case "connecting":
      return "Connecting…";
    case "live":
      return `Live: showing changes as they happen (up to revision ${status.revision})`;
    case "reconnecting":
      return (
        `Connection lost; reconnecting (attempt ${status.attempt}, next try in ` +
        `${(status.delayMs / 1000).toFixed(1)} s). Will resume after revision ${status.revision}.`
      );
    case "resuming":
      return `Reconnecting: waiting for the catalog to answer. Will resume after revision ${status.revision}.`;
    case "stopped":
      return "Stopped.";
  }
}

function eventRow(event: Event): TemplateResult {
  const component = event.component;
  const type = eventTypeName(event.type);
  return html`<li class="event" data-revision=${event.revision.toString()} data-type=${type}>
    <span class="revision">#${event.revision}</span>
    <span class=${`badge badge-event badge-${type}`}>${type}</span>
    ${
      component
        ? type === "deleted"
          ? html`<span class="event-subject">${component.name} ${component.version}</span>`
          : html`<a class="event-subject" href=${paths.version(component.name, component.version)}
              >${component.name} ${component.version}</a
            >`
        : nothing
    }
    <span class="muted">by <span class="actor">${event.actor}</span></span>
    <time class="muted" datetime=${isoTime(event.eventTime)}>${timeText(event.eventTime)}</time>
  </li>`;
}
