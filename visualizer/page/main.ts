/**
 * The visualizer page: wires the statechart drawing, the live feed, the timeline, the
 * frame inspector and the "try it" panel together.
 */
import { connectionMachine } from "../../machines/connection.machine.js";
import { activeStateIds, chartModel, findTransition, staysFor, type MachineStateNode } from "../chart/model.js";
import type { FrameEntry } from "../messages.js";
import { ChartView, eventLabel, type Selection } from "./chart-view.js";
import { controlPanel } from "./control-panel.js";
import { renderDetails } from "./details.js";
import { fill, h } from "./dom.js";
import { connectFeed, feedUrl, type FeedStatus } from "./feed.js";
import { renderFrame } from "./frame-panel.js";
import { rfcLinks } from "./rfc.js";
import { Store, type TimelineItem, type WatchedConnection } from "./store.js";
import { timelineRow } from "./timeline.js";

const $ = (id: string) => document.getElementById(id)!;

const model = chartModel(connectionMachine.root as unknown as MachineStateNode);
const store = new Store();

/** The connection on screen; `follow` switches to the newest (or the user's own) one. */
let watched: string | null = null;
let follow = true;
let ownTag: string | null = null;
/** The frame in the inspector; null shows the latest. */
let pinnedFrame: number | null = null;

const chart = new ChartView(model, select);
$("chart").append(chart.element);
$("controls").append(
  controlPanel({
    onConnecting(tag) {
      ownTag = tag;
      follow = true;
    },
  }),
);

function select(selection: Selection): void {
  chart.select(selection);
  renderDetails($("details"), model, selection, select);
}
fill(
  $("details"),
  h(
    "ul",
    { class: "primer" },
    h("li", {}, "Boxes are states; nested boxes are substates. A ", h("b", {}, "parallel"), " state runs its regions at once."),
    h("li", {}, "A dot marks where a box starts. Each line is a transition: ", h("code", {}, "EVENT → target"), ", or ", h("code", {}, "↺ stays"), "."),
    h("li", {}, h("code", {}, "SEND_…"), " events are what the application sends; the others are facts the engine saw on the wire."),
    h("li", {}, "Click any of them to read what it means and the RFC 6455 section it implements."),
  ),
);

function current(): WatchedConnection | null {
  return watched === null ? null : (store.connections.get(watched) ?? null);
}

const stateLabel = (value: unknown): string =>
  value === null ? "—" : typeof value === "string" ? value : Object.entries(value as object).map(([k, v]) => (typeof v === "string" ? `${k}.${v}` : `${k} { ${stateLabel(v)} }`)).join(", ");

function renderPicker(): void {
  const picker = $("picker") as HTMLSelectElement;
  const connections = [...store.connections.values()].reverse();
  fill(
    picker,
    connections.length === 0 ? h("option", { attrs: { value: "" } }, "no connection yet") : null,
    ...connections.map((c) =>
      h(
        "option",
        { attrs: { value: c.id } },
        `${c.id}${c.target?.includes(`watch=${ownTag}`) && ownTag ? " (yours)" : ""} · ${c.role === "CLIENT" ? "client" : "server"} side · ${stateLabel(c.value)}`,
      ),
    ),
  );
  picker.value = watched ?? "";
}

function renderNow(): void {
  const connection = current();
  const now = $("now");
  if (connection === null) {
    fill(now, h("span", { class: "muted" }, "No live connection: the chart shows the machine. Press Connect to watch your own."));
    chart.setActive(new Set());
    return;
  }
  chart.setActive(activeStateIds(model, connection.value));
  fill(
    now,
    h("span", { class: `pill ${connection.status === "done" ? "pill--done" : "pill--live"}` }, connection.status === "done" ? "closed" : "live"),
    h("span", {}, `${connection.id} · ${connection.role === "CLIENT" ? "client" : "server"} side · `),
    h("code", {}, stateLabel(connection.value)),
  );
}

/** A step the live card explains: a transition the machine took, or a send that kept the state. */
interface Step {
  readonly event: string;
  readonly source: string;
  readonly targets: readonly string[];
  readonly rfc: string | null;
  readonly description: string | null;
}

const shortId = (id: string) => id.split(".").slice(1).join(".");

function renderLive(steps: readonly Step[]): void {
  const live = $("live");
  if (steps.length === 0) {
    fill(live, h("p", { class: "muted" }, "Each transition of the watched connection is explained here, with the RFC section it implements."));
    return;
  }
  fill(
    live,
    ...steps.map((step) =>
      h(
        "div",
        { class: "live-step" },
        h(
          "p",
          {},
          h("code", { class: "ev-chip" }, eventLabel(step.event)),
          " ",
          shortId(step.source),
          ...(step.targets.length === 0 ? [" ↺ stays"] : [" → ", h("b", {}, step.targets.map(shortId).join(", "))]),
        ),
        h("p", { class: "lead" }, step.description ?? ""),
        h("p", {}, rfcLinks(step.rfc)),
      ),
    ),
  );
}

function frameIndexes(connection: WatchedConnection): Map<number, number> {
  const indexes = new Map<number, number>();
  for (const item of connection.items) if (item.entry.type === "frame") indexes.set(item.entry.seq, indexes.size + 1);
  return indexes;
}

function renderInspector(connection: WatchedConnection | null): void {
  const frames = connection?.items.filter((item) => item.entry.type === "frame") ?? [];
  const item = (pinnedFrame === null ? frames.at(-1) : frames.find((f) => f.entry.seq === pinnedFrame)) ?? frames.at(-1) ?? null;
  const index = item === null ? null : frames.indexOf(item) + 1;
  renderFrame($("frame"), (item?.entry as FrameEntry | undefined) ?? null, item?.hint ?? {}, index);
  for (const row of $("timeline").querySelectorAll(".tl--shown")) row.classList.remove("tl--shown");
  if (item) $("timeline").querySelector(`[data-seq="${item.entry.seq}"]`)?.classList.add("tl--shown");
}

function pick(item: TimelineItem): void {
  if (item.entry.type === "frame") {
    pinnedFrame = item.entry.seq;
    renderInspector(current());
  } else if (item.entry.type === "transition") {
    const transition = findTransition(model, item.entry);
    if (transition) select({ kind: "transition", id: transition.id });
  } else if (item.entry.type === "http") {
    fill($("details"), h("p", { class: "kicker" }, "opening handshake (RFC 6455 §4)"), h("pre", { class: "http" }, item.entry.text));
  }
}

function renderTimeline(): void {
  const connection = current();
  const list = $("timeline");
  if (connection === null) {
    fill(list, h("li", { class: "empty" }, "Nothing to show yet."));
    return;
  }
  const indexes = frameIndexes(connection);
  fill(list, ...connection.items.map((item) => timelineRow(connection, item, indexes.get(item.entry.seq) ?? null, pick)));
  list.scrollTop = list.scrollHeight;
}

function appendToTimeline(connection: WatchedConnection, item: TimelineItem): void {
  const list = $("timeline");
  const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
  list.querySelector(".empty")?.remove();
  const index = item.entry.type === "frame" ? connection.items.filter((i) => i.entry.type === "frame").length : null;
  const row = timelineRow(connection, item, index, pick);
  if (row) list.append(row);
  while (list.childElementCount > 500) list.firstElementChild?.remove();
  if (atBottom) list.scrollTop = list.scrollHeight;
}

function watch(id: string | null): void {
  if (id === watched) return;
  watched = id;
  pinnedFrame = null;
  renderPicker();
  renderNow();
  renderLive(current()?.lastTransitions ?? []);
  renderTimeline();
  renderInspector(current());
  chart.markTaken([]);
}

/** While following: the user's own connection once known, else the newest one. */
function followTarget(): string | null {
  const connections = [...store.connections.values()];
  const own = ownTag === null ? undefined : connections.findLast((c) => c.target?.includes(`watch=${ownTag}`));
  return (own ?? connections.at(-1))?.id ?? null;
}

store.listen((change) => {
  if (change.kind === "reset" || change.kind === "connections") {
    if (follow) watch(followTarget());
    if (watched !== null && !store.connections.has(watched)) watch(followTarget());
    renderPicker();
    renderNow();
    if (change.kind === "reset") renderTimeline();
    return;
  }
  const connection = current();
  if (follow && change.item.entry.type === "event" && change.item.entry.name === "Request") watch(followTarget());
  if (connection === null || change.id !== connection.id) return;
  appendToTimeline(connection, change.item);
  const { entry } = change.item;
  if (entry.type === "transition") {
    const ids = connection.lastTransitions.map((t) => findTransition(model, t)?.id).filter((id): id is string => id !== undefined);
    chart.markTaken(ids);
    renderLive(connection.lastTransitions);
  } else if (entry.type === "event" && entry.machineEvent !== null) {
    const stays = staysFor(model, entry.machineEvent, activeStateIds(model, connection.value));
    if (stays.length > 0) {
      chart.markTaken(stays.map((t) => t.id));
      renderLive(stays.map((t) => ({ event: t.event, source: t.sourceId, targets: [], rfc: t.rfc, description: t.description })));
    }
  } else if (entry.type === "frame" && pinnedFrame === null) {
    renderInspector(connection);
  }
});

($("picker") as HTMLSelectElement).addEventListener("change", (event) => {
  const id = (event.target as HTMLSelectElement).value || null;
  follow = id === null || id === followTarget();
  watch(id);
});

const feedBadge = $("feed");
const FEED_TEXT: Record<FeedStatus, string> = { connecting: "connecting to /__inspect…", live: "live feed", offline: "feed offline: start the demo server (npm start)" };
connectFeed(
  feedUrl(location),
  (message) => store.receive(message),
  (status) => {
    feedBadge.textContent = FEED_TEXT[status];
    feedBadge.className = `feed feed--${status}`;
  },
);

renderPicker();
renderNow();
renderLive([]);
renderTimeline();
renderInspector(null);
