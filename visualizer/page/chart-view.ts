/**
 * Draws the statechart: nested boxes for states (laid out by the browser, top-level states
 * in rows by rank), each listing its transitions, and SVG arrows between top-level states.
 * Active states light up; a transition just taken flashes.
 */
import { assignLanes, isAdjacent, laneCounts, routeEdges, type Rect } from "../chart/routing.js";
import type { ChartModel, ChartState, ChartTransition } from "../chart/model.js";
import { h, s } from "./dom.js";

/** What the user clicked in the chart. */
export type Selection = { readonly kind: "state" | "transition" | "edge"; readonly id: string };

const METRICS = { laneGap: 16, laneStep: 18, titleBand: 30 };
const LABEL_LINE = 15;

/** Where a transition leads, written relative to its source so it stays short. */
export function targetLabel(model: ChartModel, transition: ChartTransition): string {
  if (transition.targetIds.length === 0) return "stays";
  const source = model.states.get(transition.sourceId);
  return transition.targetIds
    .map((id) => {
      const target = model.states.get(id);
      if (target !== undefined && source !== undefined && target.parentId === source.parentId) return target.key;
      return id.split(".").slice(1).join(".");
    })
    .join(", ");
}

/** The label of an event: eventless transitions are "always". */
export function eventLabel(event: string): string {
  return event === "" ? "always" : event;
}

export class ChartView {
  readonly element: HTMLElement;
  readonly #model: ChartModel;
  readonly #onSelect: (selection: Selection) => void;
  readonly #canvas: HTMLElement;
  readonly #svg: SVGSVGElement;
  readonly #labels: HTMLElement;
  readonly #boxes = new Map<string, HTMLElement>();
  readonly #rows = new Map<string, HTMLElement>();
  readonly #edgeParts = new Map<string, Element[]>();
  readonly #lanes;
  /** Rows and edges lit as "just taken" / "selected"; edges by id, since redraws replace them. */
  #takenRows: HTMLElement[] = [];
  #takenEdges = new Set<string>();
  #selectedElement: HTMLElement | null = null;
  #selectedEdge: string | null = null;

  constructor(model: ChartModel, onSelect: (selection: Selection) => void) {
    this.#model = model;
    this.#onSelect = onSelect;
    this.#lanes = assignLanes(model);
    const counts = laneCounts(this.#lanes);
    const side = (n: number) => (n === 0 ? 8 : METRICS.laneGap + (n - 1) * METRICS.laneStep + 20);
    this.#svg = s("svg", { class: "chart-edges", "aria-hidden": "true" });
    this.#labels = h("div", { class: "chart-edge-labels" });
    this.#canvas = h(
      "div",
      { class: "chart-canvas", attrs: { style: `padding: 6px ${side(counts.right)}px 14px ${side(counts.left)}px` } },
      ...model.ranks.map((row, rank) =>
        h(
          "div",
          { class: "chart-rank", attrs: { style: `margin-top: ${rank === 0 ? 0 : this.#gapBefore(rank)}px` } },
          ...row.map((id) => this.#box(model.states.get(id)!, false)),
        ),
      ),
      this.#svg,
      this.#labels,
    );
    this.element = h("div", { class: "chart" }, this.#canvas);
    new ResizeObserver(() => this.#drawEdges()).observe(this.#canvas);
  }

  /** Room for the labels of the arrows that cross the gap above row `rank`. */
  #gapBefore(rank: number): number {
    const lines = this.#model.edges
      .filter((edge) => isAdjacent(this.#model, edge) && this.#model.ranks[rank].includes(edge.toId))
      .map((edge) => edge.events.length);
    return 26 + LABEL_LINE * Math.max(1, ...lines);
  }

  #box(state: ChartState, region: boolean): HTMLElement {
    const select = (selection: Selection) => (event: MouseEvent) => {
      event.stopPropagation();
      this.#onSelect(selection);
    };
    const rows = state.transitions.map((transition) => {
      const row = h(
        "button",
        { class: "transition", data: { id: transition.id }, onClick: select({ kind: "transition", id: transition.id }), title: transition.description ?? "" },
        h("span", { class: transition.event === "" ? "ev ev--always" : "ev" }, eventLabel(transition.event)),
        transition.guard ? h("span", { class: "guard" }, `[${transition.guard}]`) : null,
        h("span", { class: "arrow" }, transition.targetIds.length === 0 ? "↺" : "→"),
        h("span", { class: "target" }, targetLabel(this.#model, transition)),
      );
      this.#rows.set(transition.id, row);
      return h("li", {}, row);
    });
    const horizontal = state.kind === "parallel" || state.children.some((child) => child.children.length > 0);
    const box = h(
      "section",
      {
        class: ["state", `state--${state.kind}`, region ? "state--region" : "", state.initial ? "state--initial" : ""].join(" "),
        data: { id: state.id },
      },
      h(
        "button",
        { class: "state-title", onClick: select({ kind: "state", id: state.id }), title: state.description ?? "" },
        state.initial && !region ? h("span", { class: "initial-dot", title: "initial state" }) : null,
        h("span", { class: "state-name" }, state.key),
        state.kind === "parallel" ? h("span", { class: "badge" }, "parallel") : null,
        state.kind === "final" ? h("span", { class: "badge" }, "final") : null,
        region ? h("span", { class: "badge badge--region" }, "region") : null,
      ),
      rows.length > 0 ? h("ul", { class: "transitions" }, ...rows) : null,
      state.children.length > 0
        ? h(
            "div",
            { class: horizontal ? "children children--row" : "children children--column" },
            ...state.children.map((child) => this.#box(child, state.kind === "parallel")),
          )
        : null,
    );
    this.#boxes.set(state.id, box);
    return box;
  }

  #drawEdges(): void {
    const rects = new Map<string, Rect>();
    for (const row of this.#model.ranks) {
      for (const id of row) {
        const box = this.#boxes.get(id)!;
        rects.set(id, { x: box.offsetLeft, y: box.offsetTop, w: box.offsetWidth, h: box.offsetHeight });
      }
    }
    const width = this.#canvas.scrollWidth;
    const height = this.#canvas.scrollHeight;
    this.#svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
    this.#svg.setAttribute("width", String(width));
    this.#svg.setAttribute("height", String(height));
    this.#svg.replaceChildren(
      s("defs", {}, marker("arrow", "edge-head"), marker("arrow-hot", "edge-head edge-head--hot"), marker("arrow-selected", "edge-head edge-head--selected")),
    );
    this.#labels.replaceChildren();
    for (const routed of routeEdges(this.#model, rects, this.#lanes, METRICS)) {
      const edge = this.#model.edges.find((e) => e.id === routed.id)!;
      const onClick = (event: MouseEvent) => {
        event.stopPropagation();
        this.#onSelect({ kind: "edge", id: edge.id });
      };
      const path = s("path", { class: "edge", d: routed.path });
      const hit = s("path", { class: "edge-hit", d: routed.path });
      hit.addEventListener("click", onClick);
      const { along, x, y } = routed.label;
      const label = h(
        "button",
        { class: `edge-label edge-label--${along}`, attrs: { style: `left:${x}px;top:${y}px` }, onClick, title: "Transitions between these states" },
        ...(along === "horizontal"
          ? edge.events.map((event) => h("span", { class: event === "always" ? "ev--always" : "" }, event))
          : [edge.events.join(" · ")]),
      );
      this.#svg.append(path, hit);
      this.#labels.append(label);
      this.#edgeParts.set(edge.id, [path, label]);
    }
    this.#paintEdges();
  }

  #paintEdges(): void {
    for (const [id, parts] of this.#edgeParts) {
      for (const part of parts) {
        part.classList.toggle("is-taken", this.#takenEdges.has(id));
        part.classList.toggle("is-selected", this.#selectedEdge === id);
      }
    }
  }

  /** Lights the active states; the innermost ones are marked as current. */
  setActive(active: ReadonlySet<string>): void {
    for (const [id, box] of this.#boxes) {
      const state = this.#model.states.get(id)!;
      box.classList.toggle("is-active", active.has(id));
      box.classList.toggle("is-current", active.has(id) && state.children.length === 0);
    }
  }

  /** Flashes the transitions just taken (their rows, and their arrow if they cross top-level states). */
  markTaken(transitionIds: readonly string[]): void {
    for (const row of this.#takenRows) row.classList.remove("is-taken");
    this.#takenRows = transitionIds.flatMap((id) => this.#rows.get(id) ?? []);
    this.#takenEdges = new Set(
      this.#model.edges.filter((edge) => edge.transitions.some((t) => transitionIds.includes(t.id))).map((edge) => edge.id),
    );
    for (const id of this.#takenEdges) for (const part of this.#edgeParts.get(id) ?? []) part.classList.remove("is-taken");
    void this.#canvas.offsetWidth; // restart the flash animation
    for (const row of this.#takenRows) row.classList.add("is-taken");
    this.#paintEdges();
  }

  /** Outlines what is shown in the details panel. */
  select(selection: Selection | null): void {
    this.#selectedElement?.classList.remove("is-selected");
    this.#selectedElement =
      selection?.kind === "state" ? (this.#boxes.get(selection.id) ?? null) : selection?.kind === "transition" ? (this.#rows.get(selection.id) ?? null) : null;
    this.#selectedElement?.classList.add("is-selected");
    this.#selectedEdge = selection?.kind === "edge" ? selection.id : null;
    this.#paintEdges();
  }
}

function marker(id: string, className: string): SVGMarkerElement {
  return s(
    "marker",
    { id, viewBox: "0 0 10 10", refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: "auto-start-reverse" },
    s("path", { d: "M0,0 L10,5 L0,10 z", class: className }),
  );
}
