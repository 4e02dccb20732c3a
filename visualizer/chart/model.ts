/**
 * The statechart as the page draws it, read from the machine definition itself (its root
 * state node): states and their nesting, every transition with its event, guard, target
 * and RFC meta, and the top-level edges that transitions imply.
 */

/** The parts of an XState state node this module reads. */
export interface MachineStateNode {
  readonly id: string;
  readonly key: string;
  readonly type: string;
  readonly meta?: unknown;
  readonly description?: string;
  readonly parent?: MachineStateNode;
  readonly states: Readonly<Record<string, MachineStateNode>>;
  readonly initial?: { readonly target?: readonly MachineStateNode[] };
  readonly transitions: ReadonlyMap<string, readonly MachineTransition[]>;
  readonly always?: readonly MachineTransition[];
}

/** The parts of an XState transition definition this module reads. */
export interface MachineTransition {
  readonly eventType: string;
  readonly target?: readonly MachineStateNode[];
  readonly guard?: unknown;
  readonly meta?: unknown;
}

/** One state of the chart. */
export interface ChartState {
  /** The state node id, e.g. `connection.OPEN.inbound.idle`. */
  readonly id: string;
  readonly key: string;
  readonly kind: "atomic" | "compound" | "parallel" | "final";
  /** The state its parent enters first. */
  readonly initial: boolean;
  readonly rfc: string | null;
  readonly description: string | null;
  readonly parentId: string | null;
  readonly children: readonly ChartState[];
  readonly transitions: readonly ChartTransition[];
}

/** One transition of the chart. */
export interface ChartTransition {
  /** Unique: source id, event and position, e.g. `connection.OPEN|SEND_CLOSE|0`. */
  readonly id: string;
  /** The event type; `""` for an eventless (`always`) transition. */
  readonly event: string;
  readonly sourceId: string;
  /** Target state ids; empty when the transition keeps the state. */
  readonly targetIds: readonly string[];
  /** The named guard, `condition` for an inline one, null when unguarded. */
  readonly guard: string | null;
  readonly rfc: string | null;
  readonly description: string | null;
}

/** The transitions between two different top-level states, drawn as one arrow. */
export interface ChartEdge {
  readonly id: string;
  readonly fromId: string;
  readonly toId: string;
  readonly transitions: readonly ChartTransition[];
  /** The distinct event names, in definition order (`always` for eventless ones). */
  readonly events: readonly string[];
}

/** Everything the page draws. */
export interface ChartModel {
  readonly root: ChartState;
  readonly states: ReadonlyMap<string, ChartState>;
  readonly transitions: ReadonlyMap<string, ChartTransition>;
  readonly edges: readonly ChartEdge[];
  /** Top-level state ids by rank: the longest path from the initial state over the edges. */
  readonly ranks: readonly (readonly string[])[];
}

interface Meta {
  rfc: string | null;
  description: string | null;
}

function readMeta(meta: unknown, fallbackDescription?: string): Meta {
  const record = (meta ?? {}) as { rfc?: unknown; description?: unknown };
  return {
    rfc: typeof record.rfc === "string" ? record.rfc : null,
    description:
      typeof record.description === "string" ? record.description : (fallbackDescription ?? null),
  };
}

function guardName(guard: unknown): string | null {
  if (guard === undefined || guard === null) return null;
  if (typeof guard === "string") return guard;
  if (typeof guard === "object" && typeof (guard as { type?: unknown }).type === "string") return (guard as { type: string }).type;
  return "condition";
}

function kindOf(node: MachineStateNode): ChartState["kind"] {
  if (node.type === "parallel" || node.type === "final") return node.type;
  return Object.keys(node.states).length > 0 ? "compound" : "atomic";
}

function readState(node: MachineStateNode, initial: boolean, all: Map<string, ChartState>, transitions: Map<string, ChartTransition>): ChartState {
  const initialIds = new Set((node.initial?.target ?? []).map((child) => child.id));
  const children = Object.values(node.states).map((child) =>
    readState(child, node.type !== "parallel" && initialIds.has(child.id), all, transitions),
  );
  const own: ChartTransition[] = [];
  const add = (event: string, list: readonly MachineTransition[]) =>
    list.forEach((transition, index) => {
      const chart: ChartTransition = {
        id: `${node.id}|${event || "always"}|${index}`,
        event,
        sourceId: node.id,
        targetIds: (transition.target ?? []).map((target) => target.id),
        guard: guardName(transition.guard),
        ...readMeta(transition.meta),
      };
      own.push(chart);
      transitions.set(chart.id, chart);
    });
  add("", node.always ?? []);
  for (const [event, list] of node.transitions) add(event, list);
  const state: ChartState = {
    id: node.id,
    key: node.key,
    kind: kindOf(node),
    initial,
    ...readMeta(node.meta, node.description),
    parentId: node.parent?.id ?? null,
    children,
    transitions: own,
  };
  all.set(state.id, state);
  return state;
}

/** The top-level ancestor (a child of the root) of a state id. */
function topLevelOf(id: string, states: ReadonlyMap<string, ChartState>, rootId: string): string {
  let current = states.get(id);
  while (current !== undefined && current.parentId !== rootId && current.parentId !== null) current = states.get(current.parentId);
  return current?.id ?? id;
}

function collectEdges(root: ChartState, states: ReadonlyMap<string, ChartState>, transitions: Iterable<ChartTransition>): ChartEdge[] {
  const edges = new Map<string, { fromId: string; toId: string; transitions: ChartTransition[] }>();
  for (const transition of transitions) {
    const fromId = topLevelOf(transition.sourceId, states, root.id);
    for (const targetId of transition.targetIds) {
      const toId = topLevelOf(targetId, states, root.id);
      if (fromId === toId) continue;
      const key = `${fromId}->${toId}`;
      const edge = edges.get(key) ?? { fromId, toId, transitions: [] };
      if (!edge.transitions.includes(transition)) edge.transitions.push(transition);
      edges.set(key, edge);
    }
  }
  return [...edges].map(([id, edge]) => ({
    id,
    ...edge,
    events: [...new Set(edge.transitions.map((t) => t.event || "always"))],
  }));
}

/** Longest-path ranks from the initial state; edges that close a cycle are ignored. */
function rankStates(root: ChartState, edges: readonly ChartEdge[]): string[][] {
  const ids = root.children.map((child) => child.id);
  const next = new Map(ids.map((id) => [id, edges.filter((e) => e.fromId === id).map((e) => e.toId)]));
  const rank = new Map<string, number>();
  const onPath = new Set<string>();
  const visit = (id: string, depth: number) => {
    if (onPath.has(id) || (rank.get(id) ?? -1) >= depth) return;
    rank.set(id, depth);
    onPath.add(id);
    for (const to of next.get(id) ?? []) visit(to, depth + 1);
    onPath.delete(id);
  };
  const start = root.children.find((child) => child.initial) ?? root.children[0];
  if (start !== undefined) visit(start.id, 0);
  const ranks: string[][] = [];
  for (const id of ids) (ranks[rank.get(id) ?? 0] ??= []).push(id);
  return ranks.filter((row) => row !== undefined);
}

/**
 * Reads the chart from a machine's root state node.
 *
 * @example
 * ```ts
 * const model = chartModel(connectionMachine.root);
 * model.ranks; // [["connection.start"], ["connection.CONNECTING"], ["connection.REJECTING", "connection.OPEN"], …]
 * ```
 */
export function chartModel(root: MachineStateNode): ChartModel {
  const states = new Map<string, ChartState>();
  const transitions = new Map<string, ChartTransition>();
  const chartRoot = readState(root, true, states, transitions);
  const edges = collectEdges(chartRoot, states, transitions.values());
  return { root: chartRoot, states, transitions, edges, ranks: rankStates(chartRoot, edges) };
}

/**
 * The ids of every active state for a state value (`"CLOSED"`, `{ OPEN: { inbound: "idle", … } }`).
 *
 * @example
 * ```ts
 * activeStateIds(model, { LOCAL_CLOSING: "idle" }); // Set { "connection", "connection.LOCAL_CLOSING", "connection.LOCAL_CLOSING.idle" }
 * ```
 */
export function activeStateIds(model: ChartModel, value: unknown): Set<string> {
  const active = new Set<string>();
  const visit = (state: ChartState, value: unknown) => {
    active.add(state.id);
    if (typeof value === "string") {
      const child = state.children.find((c) => c.key === value);
      if (child !== undefined) visit(child, undefined);
    } else if (value !== null && typeof value === "object") {
      for (const [key, inner] of Object.entries(value)) {
        const child = state.children.find((c) => c.key === key);
        if (child !== undefined) visit(child, inner);
      }
    }
  };
  visit(model.root, value);
  return active;
}

/**
 * The chart transition a live transition message names (same source, event and targets).
 *
 * @example
 * ```ts
 * findTransition(model, { event: "SEND_CLOSE", source: "connection.OPEN", targets: ["connection.LOCAL_CLOSING.idle"] })?.guard; // null
 * ```
 */
export function findTransition(
  model: ChartModel,
  taken: { readonly event: string; readonly source: string; readonly targets: readonly string[] },
): ChartTransition | undefined {
  const candidates = model.states.get(taken.source)?.transitions ?? [];
  return candidates.find(
    (t) => t.event === taken.event && t.targetIds.length === taken.targets.length && t.targetIds.every((id, i) => id === taken.targets[i]),
  );
}

/**
 * The transitions a send would take that keep the state (e.g. `SEND_TEXT` in OPEN): the
 * engine does not run those through the machine, so the page marks them from the event.
 */
export function staysFor(model: ChartModel, event: string, active: ReadonlySet<string>): ChartTransition[] {
  return [...active].flatMap((id) => (model.states.get(id)?.transitions ?? []).filter((t) => t.event === event && t.targetIds.length === 0));
}

/** The top-level edge a transition belongs to, if it crosses top-level states. */
export function edgeOf(model: ChartModel, transitionId: string): ChartEdge | undefined {
  return model.edges.find((edge) => edge.transitions.some((t) => t.id === transitionId));
}
