/**
 * Arrows between top-level states. The boxes are laid out in rows by rank (the browser
 * places them); this module draws the arrows once their rectangles are known:
 * - an edge to the next row goes straight down (or in a gentle curve) through the gap;
 * - any other edge (skipping rows, going back up or sideways) leaves its box by the side
 *   and runs in a lane outside all boxes, labelled along the lane.
 */
import type { ChartEdge, ChartModel } from "./model.js";

/** A box, in the coordinates of the drawing. */
export interface Rect {
  readonly x: number;
  readonly y: number;
  readonly w: number;
  readonly h: number;
}

/** Where an edge runs outside the rows. */
export interface Lane {
  readonly side: "left" | "right";
  /** 0 is the lane nearest the boxes. */
  readonly index: number;
}

/** An edge ready to draw: its SVG path and where its label goes. */
export interface RoutedEdge {
  readonly id: string;
  /** SVG path data, ending where the arrowhead points. */
  readonly path: string;
  readonly label: { readonly x: number; readonly y: number; readonly along: "horizontal" | "lane-left" | "lane-right" };
}

/** Distances of the drawing, in pixels. */
export interface RoutingMetrics {
  /** Distance from the outermost box to the first lane. */
  readonly laneGap: number;
  /** Distance between lanes. */
  readonly laneStep: number;
  /** Height of a state's title band, where side ports go. */
  readonly titleBand: number;
}

function rankIndex(model: ChartModel): Map<string, { rank: number; position: number; rowLength: number }> {
  const index = new Map<string, { rank: number; position: number; rowLength: number }>();
  model.ranks.forEach((row, rank) => row.forEach((id, position) => index.set(id, { rank, position, rowLength: row.length })));
  return index;
}

/** Whether an edge goes to the next row, and so through the gap below its source. */
export function isAdjacent(model: ChartModel, edge: ChartEdge): boolean {
  const ranks = rankIndex(model);
  return ranks.get(edge.toId)!.rank === ranks.get(edge.fromId)!.rank + 1;
}

/**
 * Gives every edge that is not adjacent a lane: the side where its source is outermost in
 * its row (the emptier side for a row of one), the nearest lane for the lowest source, so
 * outer lanes start higher and never cross inner ones.
 */
export function assignLanes(model: ChartModel): Map<string, Lane> {
  const ranks = rankIndex(model);
  const bySide: Record<Lane["side"], ChartEdge[]> = { left: [], right: [] };
  for (const edge of model.edges) {
    if (isAdjacent(model, edge)) continue;
    const { position, rowLength } = ranks.get(edge.fromId)!;
    const side =
      rowLength > 1 && position === 0
        ? "left"
        : rowLength > 1 && position === rowLength - 1
          ? "right"
          : bySide.left.length < bySide.right.length
            ? "left"
            : "right";
    bySide[side].push(edge);
  }
  const lanes = new Map<string, Lane>();
  for (const side of ["left", "right"] as const) {
    bySide[side]
      .sort((a, b) => ranks.get(b.fromId)!.rank - ranks.get(a.fromId)!.rank)
      .forEach((edge, index) => lanes.set(edge.id, { side, index }));
  }
  return lanes;
}

/** How many lanes each side needs, to reserve room for them. */
export function laneCounts(lanes: ReadonlyMap<string, Lane>): { left: number; right: number } {
  const counts = { left: 0, right: 0 };
  for (const lane of lanes.values()) counts[lane.side] = Math.max(counts[lane.side], lane.index + 1);
  return counts;
}

const round = (n: number) => Math.round(n * 10) / 10;

/** A path through orthogonal points with rounded corners. */
function orthogonal(points: ReadonlyArray<readonly [number, number]>, radius: number): string {
  let d = `M${round(points[0][0])},${round(points[0][1])}`;
  for (let i = 1; i < points.length - 1; i++) {
    const [px, py] = points[i - 1];
    const [x, y] = points[i];
    const [nx, ny] = points[i + 1];
    const r = Math.min(radius, Math.hypot(x - px, y - py) / 2, Math.hypot(nx - x, ny - y) / 2);
    const inX = x - Math.sign(x - px) * r;
    const inY = y - Math.sign(y - py) * r;
    const outX = x + Math.sign(nx - x) * r;
    const outY = y + Math.sign(ny - y) * r;
    d += ` L${round(inX)},${round(inY)} Q${round(x)},${round(y)} ${round(outX)},${round(outY)}`;
  }
  const [lx, ly] = points[points.length - 1];
  return d + ` L${round(lx)},${round(ly)}`;
}

function routeAdjacent(edge: ChartEdge, from: Rect, to: Rect): RoutedEdge {
  const top = from.y + from.h;
  const bottom = to.y;
  const left = Math.max(from.x, to.x);
  const right = Math.min(from.x + from.w, to.x + to.w);
  if (right - left >= 24) {
    const x = (left + right) / 2;
    return { id: edge.id, path: `M${round(x)},${round(top)} L${round(x)},${round(bottom)}`, label: { x, y: (top + bottom) / 2, along: "horizontal" } };
  }
  const clamp = (value: number, rect: Rect) => Math.min(rect.x + rect.w * 0.85, Math.max(rect.x + rect.w * 0.15, value));
  const x1 = clamp(to.x + to.w / 2, from);
  const x2 = clamp(from.x + from.w / 2, to);
  const mid = (top + bottom) / 2;
  return {
    id: edge.id,
    path: `M${round(x1)},${round(top)} C${round(x1)},${round(mid)} ${round(x2)},${round(mid)} ${round(x2)},${round(bottom)}`,
    label: { x: (x1 + x2) / 2, y: mid, along: "horizontal" },
  };
}

/**
 * Routes every edge between the given boxes (top-level state id → rectangle).
 *
 * @example
 * ```ts
 * const lanes = assignLanes(model);
 * const routed = routeEdges(model, rects, lanes, { laneGap: 24, laneStep: 20, titleBand: 28 });
 * routed[0].path; // "M412,62 L412,118"
 * ```
 */
export function routeEdges(
  model: ChartModel,
  rects: ReadonlyMap<string, Rect>,
  lanes: ReadonlyMap<string, Lane>,
  metrics: RoutingMetrics,
): RoutedEdge[] {
  const all = [...rects.values()];
  const minX = Math.min(...all.map((r) => r.x));
  const maxX = Math.max(...all.map((r) => r.x + r.w));
  const laneX = (lane: Lane) =>
    lane.side === "left"
      ? minX - metrics.laneGap - lane.index * metrics.laneStep
      : maxX + metrics.laneGap + lane.index * metrics.laneStep;

  // Side ports, top to bottom: entries (inner lanes first), then exits (outer lanes
  // first), so no horizontal stub crosses another edge's lane.
  const ports = new Map<string, Array<{ id: string; entry: boolean; index: number }>>();
  const addPort = (key: string, port: { id: string; entry: boolean; index: number }) =>
    ports.set(key, [...(ports.get(key) ?? []), port]);
  for (const edge of model.edges) {
    const lane = lanes.get(edge.id);
    if (lane === undefined) continue;
    addPort(`${edge.fromId}|${lane.side}`, { id: edge.id, entry: false, index: lane.index });
    addPort(`${edge.toId}|${lane.side}`, { id: edge.id, entry: true, index: lane.index });
  }
  for (const list of ports.values()) {
    list.sort((a, b) => (a.entry !== b.entry ? (a.entry ? -1 : 1) : a.entry ? a.index - b.index : b.index - a.index));
  }
  const portY = (box: string, rect: Rect, side: Lane["side"], id: string, entry: boolean) => {
    const list = ports.get(`${box}|${side}`)!;
    const i = list.findIndex((port) => port.id === id && port.entry === entry);
    return rect.y + Math.min(metrics.titleBand / 2 + i * 12, (rect.h * (i + 1)) / (list.length + 1));
  };

  return model.edges.flatMap((edge): RoutedEdge[] => {
    const from = rects.get(edge.fromId);
    const to = rects.get(edge.toId);
    if (from === undefined || to === undefined) return [];
    const lane = lanes.get(edge.id);
    if (lane === undefined) return [routeAdjacent(edge, from, to)];
    const x = laneX(lane);
    const y1 = portY(edge.fromId, from, lane.side, edge.id, false);
    const y2 = portY(edge.toId, to, lane.side, edge.id, true);
    const x1 = lane.side === "left" ? from.x : from.x + from.w;
    const x2 = lane.side === "left" ? to.x : to.x + to.w;
    return [
      {
        id: edge.id,
        path: orthogonal([[x1, y1], [x, y1], [x, y2], [x2, y2]], 10),
        label: { x, y: (y1 + y2) / 2, along: lane.side === "left" ? "lane-left" : "lane-right" },
      },
    ];
  });
}
