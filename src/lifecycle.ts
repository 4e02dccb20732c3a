/**
 * Runs the lifecycle statechart for one connection and answers, from the machine
 * definition, whether an event may be sent in the current state.
 *
 * This is the control plane: it is told about lifecycle and fragmentation changes only,
 * never about ordinary data frames.
 */
import { createActor, initialTransition, transition, type Actor, type InspectionEvent, type Observer, type SnapshotFrom } from "xstate";
import {
  connectionMachine,
  type ConnectionMachine,
  type ConnectionMachineEvent,
  type ConnectionMachineEventType,
} from "../machines/connection.machine.js";
import { ConnectionState, type ConnectionType } from "./constants.js";
import { LocalProtocolError } from "./errors.js";
import type { AnyEvent, Event } from "./events.js";

/** What a send is, for the machine: its `SEND_*` event type. */
export function sendEventType(event: Event): ConnectionMachineEventType | null {
  if (event === null || typeof event !== "object") return null;
  const e = event as AnyEvent;
  // Data events first: they are sent far more often, and the cases are tried in order.
  switch (e.type) {
    case "BytesMessage":
      return e.messageFinished ? "SEND_BINARY" : "SEND_BINARY_FRAGMENT";
    case "TextMessage":
      return e.messageFinished ? "SEND_TEXT" : "SEND_TEXT_FRAGMENT";
    case "Ping":
      return "SEND_PING";
    case "Pong":
      return "SEND_PONG";
    case "CloseConnection":
      return "SEND_CLOSE";
    case "Request":
      return "SEND_REQUEST";
    case "AcceptConnection":
      return "SEND_ACCEPT";
    case "RejectConnection":
      return e.hasBody ? "SEND_REJECT_WITH_BODY" : "SEND_REJECT";
    case "RejectData":
      return e.bodyFinished ? "SEND_REJECT_DATA_END" : "SEND_REJECT_DATA";
    default:
      return null;
  }
}

/** Whether an event is legal in a state, and whether taking it changes the state. */
const enum Outcome {
  Illegal = 0,
  Stays = 1,
  Moves = 2,
}

type ConnectionSnapshot = SnapshotFrom<ConnectionMachine>;

/**
 * One state of the machine as the engine needs it, derived from the machine once and then
 * shared by every connection of the same role and start: the machine's own transition
 * selection is asked once per (state, event type), then the answer is a map lookup.
 */
interface StateInfo {
  /** The state value as JSON (a plain string for a simple state). */
  readonly key: string;
  readonly state: ConnectionState;
  readonly receiving: "text" | "binary" | null;
  readonly sending: boolean;
  /** A snapshot in this state: what the machine is asked about, and what an actor starts from. */
  readonly snapshot: ConnectionSnapshot;
  readonly outcomes: Map<ConnectionMachineEventType, Outcome>;
  /** The last event looked up here and its outcome: a send loop asks the same thing each time. */
  lastType: ConnectionMachineEventType | null;
  lastOutcome: Outcome;
  /** Where each moving event leads, found the first time it is taken. */
  readonly next: Map<ConnectionMachineEventType, StateInfo>;
}

/** The states met so far, by state key, for one (role, start). */
interface StateGraph {
  readonly input: { role: ConnectionType; opened: boolean };
  readonly states: Map<string, StateInfo>;
  initial: StateInfo | null;
}

const graphs = new Map<string, StateGraph>();

function graphFor(role: ConnectionType, opened: boolean): StateGraph {
  const id = `${role}|${opened}`;
  let graph = graphs.get(id);
  if (graph === undefined) graphs.set(id, (graph = { input: { role, opened }, states: new Map(), initial: null }));
  return graph;
}

function stateKeyOf(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}

function topState(value: unknown): ConnectionState {
  const top = typeof value === "string" ? value : Object.keys(value as object)[0];
  return (top === "start" ? ConnectionState.CONNECTING : top) as ConnectionState;
}

function stateInfo(graph: StateGraph, snapshot: ConnectionSnapshot): StateInfo {
  const value = snapshot.value as unknown;
  const key = stateKeyOf(value);
  let info = graph.states.get(key);
  if (info === undefined) {
    info = {
      key,
      state: topState(value),
      receiving: key.includes('"receivingText"') ? "text" : key.includes('"receivingBinary"') ? "binary" : null,
      sending: key.includes('"sendingText"') || key.includes('"sendingBinary"'),
      snapshot,
      outcomes: new Map(),
      lastType: null,
      lastOutcome: Outcome.Illegal,
      next: new Map(),
    };
    graph.states.set(key, info);
  }
  return info;
}

function outcomeIn(info: StateInfo, type: ConnectionMachineEventType): Outcome {
  if (type === info.lastType) return info.lastOutcome;
  let outcome = info.outcomes.get(type);
  if (outcome === undefined) {
    const transitions = connectionMachine.getTransitionData(info.snapshot, { type } as ConnectionMachineEvent);
    outcome =
      transitions.length === 0
        ? Outcome.Illegal
        : transitions.some((t) => t.target !== undefined)
          ? Outcome.Moves
          : Outcome.Stays;
    info.outcomes.set(type, outcome);
  }
  info.lastType = type;
  info.lastOutcome = outcome;
  return outcome;
}

/** Options for the lifecycle actor. */
export interface LifecycleOptions {
  /** Start in OPEN (a bare `Connection`) rather than in the opening handshake. */
  opened: boolean;
  /** An XState inspection observer, to watch every transition. */
  inspect?: Observer<InspectionEvent> | ((event: InspectionEvent) => void);
  /** Called on CLOSED entry. */
  onClosed?: () => void;
}

/**
 * The statechart of one connection, running.
 *
 * The XState actor starts with the connection when someone watches from the first step
 * (`inspect`) or an action has an implementation (`onClosed`). Otherwise nobody can see
 * the actor until they ask for it, so it is started then, from the current state, and
 * until then transitions follow the machine's answers memoised in the shared state graph:
 * the same states, at a map lookup per transition instead of an `actor.send`, and no
 * actor kept per idle connection.
 */
export class Lifecycle {
  readonly #graph: StateGraph;
  #info: StateInfo;
  #actor: Actor<ConnectionMachine> | null = null;

  constructor(role: ConnectionType, options: LifecycleOptions) {
    const { opened, inspect, onClosed } = options;
    const input = { role, opened };
    if (inspect !== undefined || onClosed !== undefined) {
      const machine = onClosed
        ? connectionMachine.provide({ actions: { releaseResources: () => onClosed() } })
        : connectionMachine;
      // A provided machine's snapshots belong to it: they get a graph of their own.
      this.#graph = onClosed ? { input, states: new Map(), initial: null } : graphFor(role, opened);
      this.#actor = createActor(machine, { input, inspect }).start();
      this.#info = stateInfo(this.#graph, this.#actor.getSnapshot());
    } else {
      this.#graph = graphFor(role, opened);
      this.#info = this.#graph.initial ??= stateInfo(this.#graph, initialTransition(connectionMachine, input)[0]);
    }
  }

  /** The running actor (for `subscribe`, `getSnapshot`, inspection), started on first use. */
  get actor(): Actor<ConnectionMachine> {
    // The input is only checked for its type: a restored snapshot brings its own context.
    this.#actor ??= createActor(connectionMachine, { input: this.#graph.input, snapshot: this.#info.snapshot }).start();
    return this.#actor;
  }

  /** The `ConnectionState` the machine is in. */
  get state(): ConnectionState {
    return this.#info.state;
  }

  /** Which inbound message is in progress, if any (from the machine's inbound region). */
  get receiving(): "text" | "binary" | null {
    return this.#info.receiving;
  }

  /** Whether an outbound message is in progress (its next frame is a continuation). */
  get sending(): boolean {
    return this.#info.sending;
  }

  /** Whether `type` has a transition in the current state. */
  allows(type: ConnectionMachineEventType): boolean {
    return outcomeIn(this.#info, type) !== Outcome.Illegal;
  }

  /**
   * Throws a `LocalProtocolError` that says why `event` cannot be sent now, unless the
   * machine allows `type` in the current state. Returns `type` when taking it changes the
   * state — pass it to {@link Lifecycle.move} once the event is sent — and null when the
   * state stays (one lookup per send, where `fire` would make a second).
   */
  authorize(type: ConnectionMachineEventType | null, event: Event): ConnectionMachineEventType | null {
    const outcome = type === null ? Outcome.Illegal : outcomeIn(this.#info, type);
    if (outcome === Outcome.Illegal) throw new LocalProtocolError(explainRefusal(event, this.#info.state, this.#info.key));
    return outcome === Outcome.Moves ? type : null;
  }

  /** Tells the machine that `type` happened; a no-op for transitions that stay put. */
  fire(type: ConnectionMachineEventType): void {
    if (outcomeIn(this.#info, type) === Outcome.Moves) this.move(type);
  }

  /** Takes `type`, known (from {@link Lifecycle.authorize}) to change the state. */
  move(type: ConnectionMachineEventType): void {
    const info = this.#info;
    const actor = this.#actor;
    if (actor !== null) actor.send({ type } as ConnectionMachineEvent);
    let next = info.next.get(type);
    if (next === undefined) {
      const snapshot =
        actor !== null ? actor.getSnapshot() : transition(connectionMachine, info.snapshot, { type } as ConnectionMachineEvent)[0];
      next = stateInfo(this.#graph, snapshot);
      info.next.set(type, next);
    }
    this.#info = next;
  }
}

function explainRefusal(event: Event, state: ConnectionState, key: string): string {
  const type = event !== null && typeof event === "object" ? (event as { type?: unknown }).type : undefined;
  const name = typeof type === "string" ? type : String(event);
  const start = `Event ${name} cannot be sent in state ${state}`;
  if (sendEventType(event) === null) {
    return `${start}: it is not an event wstate can send; send one of the event classes (TextMessage, BytesMessage, Ping, Pong, CloseConnection, Request, AcceptConnection, RejectConnection, RejectData).`;
  }
  switch (state) {
    case ConnectionState.CONNECTING:
      if (name === "Request") return `${start}: only a client sends a Request, once, before anything else.`;
      if (name === "AcceptConnection" || name === "RejectConnection")
        return `${start}: only a server answers the handshake, after it received a valid Request (RejectConnection is also allowed before).`;
      if (name === "RejectData") return `${start}: send RejectConnection with hasBody: true first.`;
      return `${start}: the opening handshake is not complete; wait for AcceptConnection (client) or send it (server) first.`;
    case ConnectionState.REJECTING:
      return `${start}: the handshake was rejected; only a server sends RejectData until the body is finished.`;
    case ConnectionState.OPEN:
      if (key.includes("sendingText"))
        return `${start}: a text message is being sent in fragments; finish it with a TextMessage whose messageFinished is true first.`;
      if (key.includes("sendingBinary"))
        return `${start}: a binary message is being sent in fragments; finish it with a BytesMessage whose messageFinished is true first.`;
      return `${start}: it belongs to the opening handshake, which is over.`;
    case ConnectionState.LOCAL_CLOSING:
      return `${start}: a Close was already sent, so only a Pong may still be sent; wait for the peer's Close.`;
    case ConnectionState.REMOTE_CLOSING:
      return `${start}: the peer sent a Close (or broke the protocol); answer it with send(event.response()).`;
    case ConnectionState.CLOSED:
      return `${start}: the connection is closed; close the transport.`;
    default:
      return `${start}.`;
  }
}
