/**
 * The details panel: what a clicked state, transition or arrow means, from its meta.
 */
import type { ChartModel, ChartTransition } from "../chart/model.js";
import { eventLabel, targetLabel, type Selection } from "./chart-view.js";
import { fill, h } from "./dom.js";
import { rfcLinks } from "./rfc.js";

const path = (id: string) => id.split(".").slice(1).join(".") || id;

function transitionItem(model: ChartModel, transition: ChartTransition, onSelect: (selection: Selection) => void, showSource = false): HTMLElement {
  return h(
    "li",
    {},
    h(
      "button",
      { class: "link", onClick: () => onSelect({ kind: "transition", id: transition.id }) },
      showSource ? `${path(transition.sourceId)}: ` : "",
      h("code", {}, eventLabel(transition.event)),
      transition.guard ? ` [${transition.guard}]` : "",
      ` → ${targetLabel(model, transition)}`,
    ),
    transition.description ? h("span", { class: "muted" }, ` ${transition.description}`) : null,
  );
}

/** Renders the explanation of a selection. */
export function renderDetails(target: HTMLElement, model: ChartModel, selection: Selection, onSelect: (selection: Selection) => void): void {
  if (selection.kind === "state") {
    const state = model.states.get(selection.id);
    if (state === undefined) return;
    fill(
      target,
      h("p", { class: "kicker" }, `${state.kind} state`, state.initial ? " · initial" : ""),
      h("h3", {}, path(state.id)),
      h("p", { class: "lead" }, state.description ?? ""),
      h("p", {}, rfcLinks(state.rfc)),
      state.transitions.length > 0
        ? h("div", {}, h("h4", {}, "Transitions from here"), h("ul", { class: "plain" }, ...state.transitions.map((t) => transitionItem(model, t, onSelect))))
        : null,
      state.children.length > 0
        ? h(
            "div",
            {},
            h("h4", {}, state.kind === "parallel" ? "Regions (all active at once)" : "Substates (one active at a time)"),
            h("ul", { class: "plain" }, ...state.children.map((child) => h("li", {}, h("button", { class: "link", onClick: () => onSelect({ kind: "state", id: child.id }) }, child.key), child.description ? h("span", { class: "muted" }, ` ${child.description}`) : null))),
          )
        : null,
    );
    return;
  }
  if (selection.kind === "transition") {
    const transition = model.transitions.get(selection.id);
    if (transition === undefined) return;
    fill(
      target,
      h("p", { class: "kicker" }, transition.targetIds.length === 0 ? "transition (keeps the state)" : "transition"),
      h("h3", {}, h("code", {}, eventLabel(transition.event))),
      h(
        "p",
        {},
        h("button", { class: "link", onClick: () => onSelect({ kind: "state", id: transition.sourceId }) }, path(transition.sourceId)),
        " → ",
        ...transition.targetIds.flatMap((id, i) => [i > 0 ? ", " : null, h("button", { class: "link", onClick: () => onSelect({ kind: "state", id }) }, path(id))]),
        transition.targetIds.length === 0 ? "stays" : null,
        transition.guard ? h("span", { class: "muted" }, ` only if [${transition.guard}]`) : null,
      ),
      h("p", { class: "lead" }, transition.description ?? ""),
      h("p", {}, rfcLinks(transition.rfc)),
      transition.event === ""
        ? h("p", { class: "muted" }, "An eventless transition: taken as soon as its guard holds.")
        : transition.event.startsWith("SEND_")
          ? h("p", { class: "muted" }, "A SEND_ event: the application sent something; the engine checks it is legal here before producing any byte.")
          : h("p", { class: "muted" }, "A fact the engine observed on the wire (or the transport ending)."),
    );
    return;
  }
  const edge = model.edges.find((e) => e.id === selection.id);
  if (edge === undefined) return;
  fill(
    target,
    h("p", { class: "kicker" }, "arrow between top-level states"),
    h("h3", {}, `${path(edge.fromId)} → ${path(edge.toId)}`),
    h("ul", { class: "plain" }, ...edge.transitions.map((t) => transitionItem(model, t, onSelect, true))),
  );
}
