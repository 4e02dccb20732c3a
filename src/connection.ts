/**
 * `Connection`: the WebSocket session after the opening handshake (wsproto's
 * `Connection`). Bytes in, events out; events in, bytes out.
 *
 * Data plane: `FrameProtocol` parses and builds frames. Control plane: the lifecycle
 * statechart, told only of lifecycle and fragmentation changes.
 */
import type { Actor, InspectionEvent, Observer } from "xstate";
import type { ConnectionMachine } from "../machines/connection.machine.js";
import { ConnectionState, ConnectionType } from "./constants.js";
import { LocalProtocolError } from "./errors.js";
import {
  CloseConnection,
  type AnyEvent,
  type BytesMessage,
  type Event,
  type EventByType,
  type EventType,
  type Ping,
  type Pong,
  type TextMessage,
} from "./events.js";
import type { Extension } from "./extensions/extension.js";
import { FrameProtocol } from "./frame/frame-protocol.js";
import type { FrameLimits } from "./frame/limits.js";
import { Lifecycle, sendEventType } from "./lifecycle.js";
import { Listeners, type Listener } from "./listeners.js";

export type { Listener } from "./listeners.js";

/** Events a `Connection` produces. */
export type ConnectionEvent = TextMessage | BytesMessage | Ping | Pong | CloseConnection;

/** A BytesMessage's data, checked. */
function binaryData(event: BytesMessage): Uint8Array {
  const data = event.data;
  if (!(data instanceof Uint8Array)) throw new LocalProtocolError("BytesMessage.data must be a Uint8Array; use TextMessage for text.");
  return data;
}


/** Options of {@link Connection}. The limits are described in the README. */
export interface ConnectionOptions extends Partial<FrameLimits> {
  /** Negotiated extensions; only those whose `enabled()` is true take part. */
  extensions?: readonly Extension[];
  /** Bytes that arrived right after the handshake: parsed as frames first. */
  trailingData?: Uint8Array;
  /**
   * Lets `receiveData` unmask the bytes it is given in place and hand out payloads as
   * views of them, instead of copying (server role; a client's input is not masked and
   * is never copied). Set it when each chunk is yours to give away — not read, written or
   * reused after the call — as a Node socket's `"data"` chunks are. ws's receiver always
   * works this way; wstate leaves your bytes untouched unless you say so. Default false.
   *
   * @example
   * ```ts
   * const server = new Connection(ConnectionType.SERVER, { unmaskInPlace: true });
   * socket.on("data", (chunk) => server.receiveData(chunk)); // chunk is not used again
   * ```
   */
  unmaskInPlace?: boolean;
  /**
   * Where frames and payload copies over 2 KiB are allocated: a function returning a
   * `Uint8Array` of exactly the size asked, whose content need not be zeroed (wstate writes
   * every byte before handing an array out). Default: a new zero-filled `Uint8Array`. In
   * Node, `Buffer.allocUnsafe` saves the zero-fill and the page faults of fresh memory —
   * most of the cost of a large masked send (the Node adapter passes it).
   *
   * @example
   * ```ts
   * const client = new Connection(ConnectionType.CLIENT, { allocate: (size) => Buffer.allocUnsafe(size) });
   * ```
   */
  allocate?: (size: number) => Uint8Array;
  /** Source of mask keys (client role); `crypto.getRandomValues` by default. */
  randomFill?: (buffer: Uint8Array) => void;
  /** An XState inspection observer: sees every lifecycle transition. */
  inspect?: Observer<InspectionEvent> | ((event: InspectionEvent) => void);
}

/** Internal: lets `WSConnection` hand over the lifecycle it ran the handshake with. */
export interface ConnectionInternals {
  lifecycle: Lifecycle;
}

/**
 * A WebSocket connection after the opening handshake, for either role. Use it directly
 * when the handshake happened elsewhere (an HTTP server's upgrade, RFC 8441 over HTTP/2);
 * `WSConnection` uses it after its own handshake.
 *
 * Events reach you one of two ways — pick one per connection:
 * - pull: `receiveData(bytes)`, then iterate `events()`. Parsing is lazy: it happens while
 *   you iterate, so input is never turned into more queued events than you take.
 * - push: `on(type, listener)`. While any listener is registered, `receiveData` parses at
 *   once and hands every event to the listeners of its type and of `"*"`.
 *
 * @example
 * ```ts
 * const server = new Connection(ConnectionType.SERVER);
 * const client = new Connection(ConnectionType.CLIENT);
 * server.receiveData(client.send(new TextMessage({ data: "hi" })));
 * for (const event of server.events()) console.log(event); // TextMessage { data: "hi" }
 * ```
 */
export class Connection {
  /** True when this side is the client. */
  readonly client: boolean;
  readonly #frames: FrameProtocol;
  readonly #lifecycle: Lifecycle;
  #eofPending = false;
  #listeners: Listeners | null = null;

  constructor(type: ConnectionType, options: ConnectionOptions = {}, internals?: ConnectionInternals) {
    if (type !== ConnectionType.CLIENT && type !== ConnectionType.SERVER) {
      throw new TypeError(`Connection type must be ConnectionType.CLIENT or ConnectionType.SERVER, got ${String(type)}`);
    }
    this.client = type === ConnectionType.CLIENT;
    this.#frames = new FrameProtocol({
      client: this.client,
      extensions: options.extensions ?? [],
      maxMessageSize: options.maxMessageSize,
      maxFrameSize: options.maxFrameSize,
      maxFragments: options.maxFragments,
      randomFill: options.randomFill,
      unmaskInPlace: options.unmaskInPlace,
      allocate: options.allocate,
    });
    this.#lifecycle = internals?.lifecycle ?? new Lifecycle(type, { opened: true, inspect: options.inspect });
    if (options.trailingData !== undefined && options.trailingData.length > 0) {
      this.#frames.receiveBytes(options.trailingData);
    }
  }

  /** The current `ConnectionState`. */
  get state(): ConnectionState {
    return this.#lifecycle.state;
  }

  /**
   * The XState actor running this connection's lifecycle statechart: subscribe to it,
   * read its snapshot, or pass `inspect` in the options to watch every transition.
   */
  get actor(): Actor<ConnectionMachine> {
    return this.#lifecycle.actor;
  }

  /**
   * True once the peer broke the protocol: the `CloseConnection` event that came out
   * carries the code this side fails the connection with (1002, 1007, 1008, 1009 …),
   * not a Close the peer sent.
   */
  get failed(): boolean {
    return this.#frames.failed;
  }

  /** Input bytes held but not parsed yet. */
  get bufferedAmount(): number {
    return this.#frames.bufferedAmount;
  }

  /**
   * Feeds bytes read from the transport, or `null` when the transport reached EOF (which
   * yields `CloseConnection` with code 1006 unless the connection was already closed).
   * Bytes that arrive after the peer's Close are ignored. Feeding bytes to a CLOSED
   * connection is a `LocalProtocolError`.
   */
  receiveData(data: Uint8Array | null): void {
    const state = this.#lifecycle.state;
    if (data === null) {
      if (state !== ConnectionState.CLOSED) this.#eofPending = true;
    } else if (state === ConnectionState.CLOSED) {
      throw new LocalProtocolError(
        "Connection already closed: no more data can be received. Stop reading from the transport once the state is CLOSED.",
      );
    } else if (!(data instanceof Uint8Array)) {
      throw new LocalProtocolError("receiveData takes a Uint8Array (or null for EOF).");
    } else if (state !== ConnectionState.REMOTE_CLOSING) {
      this.#frames.receiveBytes(data);
    }
    const listeners = this.#listeners;
    if (listeners !== null && listeners.active) this.#dispatchAll(listeners);
  }

  /**
   * Yields the events that the bytes received so far make, parsing as you iterate. The
   * state changes as each event is produced (a Close moves it before you see the Close).
   * Stopping early loses nothing: the next call goes on from there.
   */
  *events(): IterableIterator<ConnectionEvent> {
    for (;;) {
      const event = this.#nextEvent();
      if (event === null) return;
      yield event;
    }
  }

  /**
   * Subscribes to events of one type (`"*"` for all). While any listener is registered,
   * `receiveData` delivers events at once instead of leaving them for `events()`.
   * Returns a function that unsubscribes.
   *
   * @example
   * ```ts
   * conn.on("TextMessage", (m) => console.log(m.data));
   * conn.on("Ping", (p) => socket.write(conn.send(p.response())));
   * ```
   */
  on<T extends EventType>(type: T, listener: Listener<EventByType[T]>): () => void;
  on(type: "*", listener: Listener<AnyEvent>): () => void;
  on(type: string, listener: Listener<never>): () => void {
    return (this.#listeners ??= new Listeners()).add(type, listener);
  }

  /**
   * Turns an event into the bytes to write to the transport. Throws a
   * `LocalProtocolError` (and changes nothing) when the event is not allowed in the current
   * state or is malformed; the message says what to do instead.
   */
  send(event: Event): Uint8Array {
    const moving = this.#lifecycle.authorize(sendEventType(event), event);
    const bytes = this.#encode(event);
    if (moving !== null) this.#lifecycle.move(moving);
    return bytes;
  }

  /**
   * {@link Connection.send} for a transport that writes a list of arrays at once (Node's
   * `writev`, a `WritableStream` written part by part): the same bytes, as arrays to write
   * in order. A server's `BytesMessage` comes back as `[header, payload]` where the payload
   * is the event's own array, not copied — so do not change it until it is written;
   * everything else is one array. The copy it saves is most of the cost of sending a
   * large binary message.
   *
   * @example
   * ```ts
   * socket.cork();
   * for (const part of server.sendParts(new BytesMessage({ data: file }))) socket.write(part);
   * socket.uncork();
   * ```
   */
  sendParts(event: Event): Uint8Array[] {
    const moving = this.#lifecycle.authorize(sendEventType(event), event);
    let parts: Uint8Array[];
    if (event.type === "BytesMessage") {
      const { messageFinished, compress } = event as BytesMessage;
      parts = this.#frames.encodeBinaryParts(binaryData(event as BytesMessage), this.#lifecycle.sending, messageFinished, compress);
    } else {
      parts = [this.#encode(event)];
    }
    if (moving !== null) this.#lifecycle.move(moving);
    return parts;
  }

  /** The frame for an event the lifecycle allows now. */
  #encode(event: Event): Uint8Array {
    const frames = this.#frames;
    switch (event.type) {
      case "BytesMessage": {
        const { messageFinished, compress } = event as BytesMessage;
        return frames.encodeData(binaryData(event as BytesMessage), this.#lifecycle.sending, messageFinished, compress);
      }
      case "TextMessage": {
        const { data, messageFinished, compress } = event as TextMessage;
        if (typeof data !== "string") throw new LocalProtocolError("TextMessage.data must be a string; use BytesMessage for bytes.");
        return frames.encodeData(data, this.#lifecycle.sending, messageFinished, compress);
      }
      case "Ping":
        return frames.encodePing((event as Ping).payload);
      case "Pong":
        return frames.encodePong((event as Pong).payload);
      case "CloseConnection":
        return frames.encodeClose((event as CloseConnection).code, (event as CloseConnection).reason);
      default:
        // The machine allowed a handshake event here: that is WSConnection's business.
        throw new LocalProtocolError(`Event ${event.type} cannot be sent on a Connection: the handshake is WSConnection's.`);
    }
  }

  #nextEvent(): ConnectionEvent | null {
    const lifecycle = this.#lifecycle;
    const event = this.#frames.nextEvent();
    if (event !== null) {
      switch (event.type) {
        case "TextMessage":
        case "BytesMessage":
          if (event.messageFinished) {
            if (lifecycle.receiving !== null) lifecycle.fire("INBOUND_MESSAGE_FINISHED");
          } else if (lifecycle.receiving === null) {
            lifecycle.fire(event.type === "TextMessage" ? "INBOUND_TEXT_STARTED" : "INBOUND_BINARY_STARTED");
          }
          break;
        case "CloseConnection":
          lifecycle.fire(this.#frames.failed ? "PROTOCOL_FAILED" : "CLOSE_RECEIVED");
          break;
      }
      return event;
    }
    if (this.#eofPending) {
      this.#eofPending = false;
      if (lifecycle.state === ConnectionState.CLOSED) return null;
      lifecycle.fire("EOF");
      return new CloseConnection({ code: 1006 });
    }
    return null;
  }

  #dispatchAll(listeners: Listeners): void {
    while (listeners.active) {
      const event = this.#nextEvent();
      if (event === null) return;
      listeners.dispatch(event);
    }
  }
}
