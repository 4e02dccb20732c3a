/**
 * A WebSocket connection as XState actor logic, for applications built with XState:
 * `spawn`/`invoke` it, `sendTo` it bytes and events, and listen to what it emits.
 */
import { fromTransition, type ActorRefFrom } from "xstate";
import { ConnectionState, type ConnectionType } from "./constants.js";
import { Connection, type ConnectionOptions } from "./connection.js";
import { ProtocolError } from "./errors.js";
import type { AnyEvent, Event } from "./events.js";
import { WSConnection, type WSConnectionOptions } from "./ws-connection.js";

/** What the actor accepts. */
export type WebSocketActorEvent =
  /** Bytes read from the transport, or `null` at EOF. */
  | { type: "wstate.receive"; data: Uint8Array | null }
  /** An event to send; the bytes come back as `wstate.outbound`. */
  | { type: "wstate.send"; event: Event };

/** What the actor emits (listen with `actor.on(type, handler)`). */
export type WebSocketActorEmitted =
  /** Every protocol event, under its own `type` (`"TextMessage"`, `"CloseConnection"`, …). */
  | AnyEvent
  /** Bytes to write to the transport. */
  | { type: "wstate.outbound"; data: Uint8Array }
  /** A peer's broken handshake (`RemoteProtocolError`) or a refused send (`LocalProtocolError`). */
  | { type: "wstate.error"; error: ProtocolError };

/** The actor's input. */
export interface WebSocketActorInput {
  role: ConnectionType;
  /**
   * `false` (default): the actor runs the opening handshake (`WSConnection`). `true`:
   * the handshake happened elsewhere and frames flow at once (`Connection`).
   */
  opened?: boolean;
  options?: WSConnectionOptions & Pick<ConnectionOptions, "extensions" | "trailingData">;
}

/** The actor's snapshot context: the `ConnectionState`, and the engine behind it. */
export interface WebSocketActorContext {
  readonly state: ConnectionState;
  /** The engine; its `actor` is the lifecycle statechart, for inspection. */
  readonly engine: WSConnection | Connection;
}

function guarded(emit: (event: WebSocketActorEmitted) => void, run: () => void): void {
  try {
    run();
  } catch (error) {
    if (!(error instanceof ProtocolError)) throw error;
    emit({ type: "wstate.error", error });
  }
}

/**
 * Actor logic for one WebSocket connection. Feed it the transport's bytes with
 * `wstate.receive`, ask it to send with `wstate.send`, and write every
 * `wstate.outbound` it emits to the transport. Protocol events are emitted under their own
 * type. Pass `inspect` in `input.options` to watch the lifecycle statechart.
 *
 * @example
 * ```ts
 * import { createActor } from "xstate";
 * import { webSocketLogic, ConnectionType, AcceptConnection } from "wstate";
 *
 * const ws = createActor(webSocketLogic, { input: { role: ConnectionType.SERVER } }).start();
 * ws.on("wstate.outbound", ({ data }) => socket.write(data));
 * ws.on("Request", () => ws.send({ type: "wstate.send", event: new AcceptConnection() }));
 * ws.on("TextMessage", (m) => console.log(m.data));
 * socket.on("data", (data) => ws.send({ type: "wstate.receive", data }));
 * ```
 */
export const webSocketLogic = fromTransition<
  WebSocketActorContext,
  WebSocketActorEvent,
  never,
  WebSocketActorInput,
  WebSocketActorEmitted
>(
  (context, event, { emit }) => {
    const engine = context.engine;
    switch (event.type) {
      case "wstate.receive":
        guarded(emit, () => engine.receiveData(event.data));
        guarded(emit, () => {
          for (const produced of engine.events()) emit(produced);
        });
        break;
      case "wstate.send":
        guarded(emit, () => emit({ type: "wstate.outbound", data: engine.send(event.event) }));
        break;
    }
    return engine.state === context.state ? context : { state: engine.state, engine };
  },
  ({ input }) => {
    const { role, opened = false, options = {} } = input;
    const engine = opened ? new Connection(role, options) : new WSConnection(role, options);
    return { state: opened ? ConnectionState.OPEN : ConnectionState.CONNECTING, engine };
  },
);

/** A running {@link webSocketLogic} actor. */
export type WebSocketActorRef = ActorRefFrom<typeof webSocketLogic>;
