/**
 * Runs the lifecycle statechart for one connection and answers, from the machine
 * definition, whether an event may be sent in the current state.
 *
 * This is the control plane: it is told about lifecycle and fragmentation changes only
 * (one `actor.send` each), never about ordinary data frames.
 */
import { createActor, type Actor, type InspectionEvent, type Observer } from "xstate";
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
  const e = event as AnyEvent;
  switch (e.type) {
    case "Request":
      return "SEND_REQUEST";
    case "AcceptConnection":
      return "SEND_ACCEPT";
    case "RejectConnection":
      return e.hasBody ? "SEND_REJECT_WITH_BODY" : "SEND_REJECT";
    case "RejectData":
      return e.bodyFinished ? "SEND_REJECT_DATA_END" : "SEND_REJECT_DATA";
    case "TextMessage":
      return e.messageFinished ? "SEND_TEXT" : "SEND_TEXT_FRAGMENT";
    case "BytesMessage":
      return e.messageFinished ? "SEND_BINARY" : "SEND_BINARY_FRAGMENT";
    case "Ping":
      return "SEND_PING";
    case "Pong":
      return "SEND_PONG";
    case "CloseConnection":
      return "SEND_CLOSE";
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

/**
 * Legality derived from the machine definition, memoised per (state, event type): the
 * machine's own transition selection is asked once, then the answer is a map lookup.
 */
const outcomes = new Map<string, Outcome>();

function stateKeyOf(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}

function topState(value: unknown): ConnectionState {
  const top = typeof value === "string" ? value : Object.keys(value as object)[0];
  return (top === "start" ? ConnectionState.CONNECTING : top) as ConnectionState;
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

/** The statechart of one connection, running. */
export class Lifecycle {
  /** The running actor (for `subscribe`, `getSnapshot`, inspection). */
  readonly actor: Actor<ConnectionMachine>;
  #key = "";
  #state: ConnectionState = ConnectionState.CONNECTING;
  #receiving: "text" | "binary" | null = null;
  #sending = false;

  constructor(role: ConnectionType, options: LifecycleOptions) {
    const onClosed = options.onClosed;
    const machine = onClosed
      ? connectionMachine.provide({ actions: { releaseResources: () => onClosed() } })
      : connectionMachine;
    this.actor = createActor(machine, {
      input: { role, opened: options.opened },
      inspect: options.inspect,
    });
    this.actor.start();
    this.#refresh();
  }

  /** The `ConnectionState` the machine is in. */
  get state(): ConnectionState {
    return this.#state;
  }

  /** Which inbound message is in progress, if any (from the machine's inbound region). */
  get receiving(): "text" | "binary" | null {
    return this.#receiving;
  }

  /** Whether an outbound message is in progress (its next frame is a continuation). */
  get sending(): boolean {
    return this.#sending;
  }

  /** Whether `type` has a transition in the current state. */
  allows(type: ConnectionMachineEventType): boolean {
    return this.#outcome(type) !== Outcome.Illegal;
  }

  /**
   * Throws a `LocalProtocolError` that says why `event` cannot be sent now, unless the
   * machine allows `type` in the current state.
   */
  assertAllows(type: ConnectionMachineEventType | null, event: Event): asserts type is ConnectionMachineEventType {
    if (type !== null && this.#outcome(type) !== Outcome.Illegal) return;
    throw new LocalProtocolError(explainRefusal(event, this.#state, this.#key));
  }

  /** Tells the machine that `type` happened; a no-op for transitions that stay put. */
  fire(type: ConnectionMachineEventType): void {
    if (this.#outcome(type) !== Outcome.Moves) return;
    this.actor.send({ type } as ConnectionMachineEvent);
    this.#refresh();
  }

  #outcome(type: ConnectionMachineEventType): Outcome {
    const id = this.#key + "|" + type;
    let outcome = outcomes.get(id);
    if (outcome === undefined) {
      const transitions = connectionMachine.getTransitionData(this.actor.getSnapshot(), { type } as ConnectionMachineEvent);
      outcome =
        transitions.length === 0
          ? Outcome.Illegal
          : transitions.some((t) => t.target !== undefined)
            ? Outcome.Moves
            : Outcome.Stays;
      outcomes.set(id, outcome);
    }
    return outcome;
  }

  #refresh(): void {
    const value = this.actor.getSnapshot().value as unknown;
    this.#key = stateKeyOf(value);
    this.#state = topState(value);
    this.#receiving = this.#key.includes('"receivingText"')
      ? "text"
      : this.#key.includes('"receivingBinary"')
        ? "binary"
        : null;
    this.#sending = this.#key.includes('"sendingText"') || this.#key.includes('"sendingBinary"');
  }
}

function explainRefusal(event: Event, state: ConnectionState, key: string): string {
  const name = typeof (event as { type?: unknown }).type === "string" ? (event as { type: string }).type : String(event);
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
