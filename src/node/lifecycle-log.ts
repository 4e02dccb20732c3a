/**
 * Reads the lifecycle statechart's inspection stream as one line per transition: the
 * machine event, from → to, and the RFC section and description from the transition's
 * `meta`. For consoles and logs; the visualizer draws the same stream.
 */
import type { InspectionEvent } from "xstate";

/** One transition the lifecycle machine took. */
export interface LifecycleTransition {
  /** The machine event, e.g. `REQUEST_RECEIVED`; `""` for an eventless (`always`) one. */
  readonly event: string;
  /** The state that declares the transition, e.g. `CONNECTING.server.awaitingRequest`. */
  readonly from: string;
  /** The target states, e.g. `["CONNECTING.server.requestReceived"]`. */
  readonly to: readonly string[];
  /** `meta.rfc`, e.g. `RFC 6455 §4.2.1`. */
  readonly rfc: string | null;
  /** `meta.description`. */
  readonly description: string | null;
}

/** State node ids are `connection.OPEN.inbound.idle`: drop the machine's id. */
function statePath(id: string): string {
  const dot = id.indexOf(".");
  return dot < 0 ? id : id.slice(dot + 1);
}

function text(value: unknown): string | null {
  return typeof value === "string" ? value : null;
}

/**
 * The transitions an inspection event reports (those of `@xstate.microstep` events of the
 * connection's own actor); none for every other inspection event.
 *
 * @example
 * ```ts
 * new WSConnection(ConnectionType.SERVER, {
 *   inspect: (event) => { for (const t of lifecycleTransitions(event)) console.log(t.event, t.from, "→", t.to); },
 * });
 * ```
 */
export function lifecycleTransitions(event: InspectionEvent): LifecycleTransition[] {
  if (event.type !== "@xstate.microstep" || event.actorRef.sessionId !== event.rootId) return [];
  return event._transitions.map((transition) => {
    const meta = transition.meta as { rfc?: unknown; description?: unknown } | undefined;
    return {
      event: transition.eventType,
      from: statePath(transition.source.id),
      to: (transition.target ?? []).map((node) => statePath(node.id)),
      rfc: text(meta?.rfc),
      description: text(meta?.description),
    };
  });
}

/** A target relative to the source: a sibling by its own name, anything else by its path. */
function relativeTarget(from: string, to: string): string {
  const parent = from.slice(0, from.lastIndexOf(".") + 1);
  return parent !== "" && to.startsWith(parent) && !to.slice(parent.length).includes(".") ? to.slice(parent.length) : to;
}

/**
 * One line for a transition:
 * `CONNECTING.server.awaitingRequest → requestReceived  REQUEST_RECEIVED  RFC 6455 §4.2.1  A valid upgrade request arrived…`.
 *
 * @example
 * ```ts
 * formatTransition({ event: "SEND_CLOSE", from: "OPEN", to: ["LOCAL_CLOSING.idle"], rfc: "RFC 6455 §5.5.1", description: null });
 * // "OPEN → LOCAL_CLOSING.idle  SEND_CLOSE  RFC 6455 §5.5.1"
 * ```
 */
export function formatTransition(transition: LifecycleTransition): string {
  const targets = transition.to.map((to) => relativeTarget(transition.from, to)).join(", ") || "(stays)";
  const parts = [`${transition.from} → ${targets}`, transition.event === "" ? "(start)" : transition.event];
  if (transition.rfc !== null) parts.push(transition.rfc);
  if (transition.description !== null) parts.push(transition.description);
  return parts.join("  ");
}

/**
 * An inspection observer that writes one line per lifecycle transition, as it happens.
 *
 * @example
 * ```ts
 * const ws = await connect(url, { observer: { inspect: logLifecycle((line) => console.log(line), "#1 ") } });
 * // #1 start → CONNECTING.client  (start)  RFC 6455 §4.1  A client starts the opening handshake.
 * ```
 */
export function logLifecycle(write: (line: string) => void, prefix = ""): (event: InspectionEvent) => void {
  return (event) => {
    for (const transition of lifecycleTransitions(event)) write(prefix + formatTransition(transition));
  };
}
