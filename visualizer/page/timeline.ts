/**
 * The timeline of one connection: handshake heads, frames, protocol events and statechart
 * transitions, in the order the hub saw them, newest at the bottom.
 */
import { describeFrame, fromHex } from "../frame-view.js";
import type { HubEntry } from "../messages.js";
import { eventLabel } from "./chart-view.js";
import { h } from "./dom.js";
import { frameSummary } from "./frame-panel.js";
import { senderOf, type TimelineItem, type WatchedConnection } from "./store.js";

const shortState = (id: string) => id.split(".").slice(1).join(".") || id;

function flow(connection: WatchedConnection, direction: "in" | "out"): HTMLElement {
  const sender = senderOf(connection.role, direction);
  return h("span", { class: `flow flow--${sender === "CLIENT" ? "c2s" : "s2c"}`, title: sender === "CLIENT" ? "client → server" : "server → client" }, sender === "CLIENT" ? "C→S" : "S→C");
}

function describe(connection: WatchedConnection, item: TimelineItem): { kind: string; badge: Node | null; text: Node | string } | null {
  const entry: HubEntry = item.entry;
  switch (entry.type) {
    case "http":
      return { kind: "http", badge: flow(connection, entry.direction), text: h("span", {}, h("b", {}, "HTTP "), entry.text.split("\r\n")[0]) };
    case "frame": {
      const bytes = fromHex(entry.hex);
      const view = bytes && describeFrame(bytes, item.hint);
      const broken = view?.rules.some((rule) => rule.status === "broken") ?? false;
      return {
        kind: broken ? "frame frame--broken" : "frame",
        badge: flow(connection, entry.direction),
        text: h("span", {}, h("b", {}, "frame "), view ? frameSummary(view) : "unreadable"),
      };
    }
    case "raw":
      return { kind: "raw", badge: flow(connection, entry.direction), text: `${entry.length} bytes of HTTP body` };
    case "event":
      return {
        kind: `event event--${entry.direction}`,
        badge: h("span", { class: "evdir", title: entry.direction === "in" ? "the engine produced this event" : "the application sent this event" }, entry.direction === "in" ? "received" : "sent"),
        text: h("span", {}, h("b", {}, entry.name), " ", entry.summary),
      };
    case "transition":
      return {
        kind: "transition",
        badge: h("span", { class: "evdir", title: "the statechart took a transition" }, "machine"),
        text: h("span", {}, h("b", {}, eventLabel(entry.event)), ` ${shortState(entry.source)} → ${entry.targets.map(shortState).join(", ") || "stays"}`),
      };
    default:
      return null;
  }
}

/** Renders one timeline row; `onPick` is called for frames, to show them in the inspector. */
export function timelineRow(connection: WatchedConnection, item: TimelineItem, frameIndex: number | null, onPick: (item: TimelineItem) => void): HTMLElement | null {
  const shown = describe(connection, item);
  if (shown === null) return null;
  const elapsed = ((item.entry.time - connection.since) / 1000).toFixed(3);
  const row = h(
    "li",
    { class: `tl tl--${shown.kind}`, data: { seq: String(item.entry.seq) } },
    h("span", { class: "tl-time" }, `+${elapsed}s`),
    shown.badge,
    h("span", { class: "tl-text" }, frameIndex === null ? null : h("span", { class: "tl-index" }, `#${frameIndex}`), shown.text),
  );
  if (item.entry.type === "frame" || item.entry.type === "http" || item.entry.type === "transition") {
    row.classList.add("tl--pickable");
    row.addEventListener("click", () => onPick(item));
  }
  return row;
}
