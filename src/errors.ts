import type { Event } from "./events.js";

/** Base class of the errors wstate raises. */
export class ProtocolError extends Error {
  override name = "ProtocolError";
}

/**
 * The application used the engine in a way the protocol does not allow in the current
 * state (sending a message after a Close, sending an illegal close code, …). The message
 * says what was attempted, in which state, and what to do instead. Nothing was sent and
 * the state did not change.
 *
 * @example
 * ```ts
 * try { ws.send(new TextMessage({ data: "late" })); }
 * catch (e) { if (e instanceof LocalProtocolError) console.warn(e.message); }
 * ```
 */
export class LocalProtocolError extends ProtocolError {
  override name = "LocalProtocolError";
}

/**
 * The peer broke the opening handshake. `eventHint` is the answer the engine suggests
 * (for a server: a `RejectConnection` with the right status, to send back).
 *
 * @example
 * ```ts
 * try { ws.receiveData(chunk); }
 * catch (e) {
 *   if (e instanceof RemoteProtocolError && e.eventHint) socket.end(ws.send(e.eventHint));
 * }
 * ```
 */
export class RemoteProtocolError extends ProtocolError {
  override name = "RemoteProtocolError";
  /** The event the engine suggests sending in reply, when there is one. */
  readonly eventHint: Event | null;

  constructor(message: string, eventHint: Event | null = null) {
    super(message);
    this.eventHint = eventHint;
  }
}
