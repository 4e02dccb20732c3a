/**
 * `WSConnection`: the opening handshake, then the connection (wsproto's façade), with one
 * `state`, one `events()` stream and one `send` for the whole lifecycle.
 */
import type { Actor } from "xstate";
import type { ConnectionMachine } from "../machines/connection.machine.js";
import { concatBytes } from "./bytes.js";
import { ConnectionState, ConnectionType } from "./constants.js";
import { Connection, type ConnectionOptions } from "./connection.js";
import { LocalProtocolError, RemoteProtocolError } from "./errors.js";
import {
  RejectConnection,
  RejectData,
  Request,
  type AcceptConnection,
  type AnyEvent,
  type Event,
  type EventByType,
  type EventType,
  type Headers,
} from "./events.js";
import type { Extension } from "./extensions/extension.js";
import { resolveLimits } from "./frame/limits.js";
import { generateNonce } from "./handshake/accept.js";
import { buildRequest, responseHeadFailure, validateResponse, type ClientOffer } from "./handshake/client.js";
import { RejectBodyReader, type RejectBodyWriter } from "./handshake/http-body.js";
import { DEFAULT_HEAD_LIMITS, HttpHeadParser, type HeadLimits, type RequestHead, type ResponseHead } from "./handshake/http-head.js";
import {
  buildAcceptResponse,
  buildRejectResponse,
  requestHeadFailure,
  upgradeRequestHead,
  validateRequest,
} from "./handshake/server.js";
import { Lifecycle, sendEventType } from "./lifecycle.js";
import { Listeners, type Listener } from "./listeners.js";

/** Options of {@link WSConnection}: the connection's, plus the handshake's limits and policy. */
export interface WSConnectionOptions extends Omit<ConnectionOptions, "extensions" | "trailingData">, Partial<HeadLimits> {
  /**
   * Server: decides from the `Origin` header (`null` when absent) whether the request may
   * connect; `false` turns the request into a `RemoteProtocolError` whose hint is a 403.
   * Browsers send cookies on cross-site WebSocket handshakes (CWE-1385): set this when
   * you authenticate by cookie.
   */
  checkOrigin?: (origin: string | null) => boolean;
}

const EMPTY = new Uint8Array(0);

/**
 * A WebSocket connection from the first byte of the opening handshake to the end.
 *
 * @example
 * ```ts
 * import { WSConnection, ConnectionType, Request, AcceptConnection, TextMessage, Ping, CloseConnection } from "wstate";
 *
 * // `net` is Node's node:net here; any byte stream works the same way.
 * net.createServer((socket) => {
 *   const ws = new WSConnection(ConnectionType.SERVER);
 *   socket.on("data", (chunk) => {
 *     ws.receiveData(chunk);
 *     for (const event of ws.events()) {
 *       if (event instanceof Request) socket.write(ws.send(new AcceptConnection()));
 *       else if (event instanceof TextMessage) socket.write(ws.send(new TextMessage({ data: "Echo: " + event.data })));
 *       else if (event instanceof Ping) socket.write(ws.send(event.response()));
 *       else if (event instanceof CloseConnection) socket.end(ws.send(event.response()));
 *     }
 *   });
 * }).listen(8080, "127.0.0.1");
 * ```
 */
export class WSConnection {
  /** True when this side is the client. */
  readonly client: boolean;
  readonly #options: WSConnectionOptions;
  readonly #lifecycle: Lifecycle;
  readonly #headLimits: HeadLimits;
  #connection: Connection | null = null;
  #requestParser: HttpHeadParser<RequestHead> | null = null;
  #responseParser: HttpHeadParser<ResponseHead> | null = null;
  /** Handshake events not taken yet; dropped when empty (its backing store outlives a shift). */
  #pending: AnyEvent[] | null = null;
  /** Server: the request received. */
  #request: Request | null = null;
  #requestIsHttp10 = false;
  /** Client: what was offered, to check the response against. */
  #offer: ClientOffer | null = null;
  /** Bytes that followed the handshake head: frames, once the connection opens. */
  #trailing: Uint8Array = EMPTY;
  #bodyReader: RejectBodyReader | null = null;
  #bodyWriter: RejectBodyWriter | null = null;
  #listeners: Listeners | null = null;
  #flushing = false;

  constructor(type: ConnectionType, options: WSConnectionOptions = {}) {
    if (type !== ConnectionType.CLIENT && type !== ConnectionType.SERVER) {
      throw new TypeError(`Connection type must be ConnectionType.CLIENT or ConnectionType.SERVER, got ${String(type)}`);
    }
    this.client = type === ConnectionType.CLIENT;
    resolveLimits(options); // a bad limit throws now, not when the handshake completes
    this.#options = options;
    this.#headLimits =
      options.maxHandshakeSize === undefined && options.maxHeaders === undefined
        ? DEFAULT_HEAD_LIMITS
        : {
            maxHandshakeSize: options.maxHandshakeSize ?? DEFAULT_HEAD_LIMITS.maxHandshakeSize,
            maxHeaders: options.maxHeaders ?? DEFAULT_HEAD_LIMITS.maxHeaders,
          };
    if (this.client) this.#responseParser = HttpHeadParser.response(this.#headLimits);
    else this.#requestParser = HttpHeadParser.request(this.#headLimits);
    this.#lifecycle = new Lifecycle(type, { opened: false, inspect: options.inspect });
  }

  /** The current `ConnectionState`. */
  get state(): ConnectionState {
    return this.#lifecycle.state;
  }

  /** The connection once the handshake succeeded, else `null`. */
  get connection(): Connection | null {
    return this.#connection;
  }

  /** True once the peer broke the protocol after the handshake (see `Connection.failed`). */
  get failed(): boolean {
    return this.#connection?.failed ?? false;
  }

  /** The XState actor running this connection's lifecycle statechart. */
  get actor(): Actor<ConnectionMachine> {
    return this.#lifecycle.actor;
  }

  /**
   * Server only: starts from a request that an HTTP layer already parsed (a Node
   * `upgrade` event, a framework's router). Every check of a received request applies;
   * a `Request` event follows, or the `RemoteProtocolError` is thrown.
   *
   * @example
   * ```ts
   * httpServer.on("upgrade", (req, socket, head) => {
   *   const ws = new WSConnection(ConnectionType.SERVER);
   *   ws.initiateUpgradeConnection(Object.entries(req.headersDistinct).flatMap(([k, vs]) => vs!.map((v) => [k, v] as const)), req.url!);
   *   ws.receiveData(head);
   * });
   * ```
   */
  initiateUpgradeConnection(headers: Headers, path: string): void {
    if (this.client) {
      throw new LocalProtocolError("Cannot initiate an upgrade connection when acting as the client: a client sends a Request.");
    }
    if (!this.#lifecycle.allows("REQUEST_RECEIVED")) {
      throw new LocalProtocolError(`initiateUpgradeConnection is for a server that has not received a request yet; the state is ${this.state}.`);
    }
    const head = upgradeRequestHead(headers, path);
    this.#requestParser = null;
    this.#acceptRequestHead(head);
    this.#flushListeners();
  }

  /**
   * Feeds bytes read from the transport, or `null` at EOF. During the handshake a peer
   * that breaks it makes this throw a `RemoteProtocolError` (a server can send its
   * `eventHint`, an HTTP error response); afterwards frame-level failures are events.
   */
  receiveData(data: Uint8Array | null): void {
    if (data !== null && !(data instanceof Uint8Array)) {
      throw new LocalProtocolError("receiveData takes a Uint8Array (or null for EOF).");
    }
    try {
      if (this.#connection !== null) this.#connection.receiveData(data);
      else if (this.client) this.#receiveAsClient(data);
      else this.#receiveAsServer(data);
    } finally {
      this.#flushListeners();
    }
  }

  /** Yields the handshake's events, then the connection's (parsed as you iterate). */
  *events(): IterableIterator<AnyEvent> {
    for (let pending = this.#pending; pending !== null; pending = this.#pending) {
      const next = pending.shift()!;
      if (pending.length === 0) this.#pending = null;
      yield next;
    }
    if (this.#connection !== null) yield* this.#connection.events();
  }

  /**
   * Subscribes to events of one type (`"*"` for all); while any listener is registered,
   * `receiveData` delivers events at once. Returns a function that unsubscribes.
   *
   * Frames that arrived with the request are parsed once the server accepts: accepted
   * from within a `Request` listener, they are delivered right after it returns;
   * accepted later, with the next `receiveData` call (or iterate `events()`).
   */
  on<T extends EventType>(type: T, listener: Listener<EventByType[T]>): () => void;
  on(type: "*", listener: Listener<AnyEvent>): () => void;
  on(type: string, listener: Listener<never>): () => void {
    return (this.#listeners ??= new Listeners()).add(type, listener);
  }

  /**
   * {@link WSConnection.send} as a list of arrays to write in order (see
   * `Connection.sendParts`): once open, a server's `BytesMessage` comes back as
   * `[header, payload]` with the payload not copied; anything else is one array.
   *
   * @example
   * ```ts
   * socket.cork();
   * for (const part of ws.sendParts(new BytesMessage({ data }))) socket.write(part);
   * socket.uncork();
   * ```
   */
  sendParts(event: Event): Uint8Array[] {
    if (this.#connection !== null) return this.#connection.sendParts(event);
    return [this.send(event)];
  }

  /**
   * Turns an event into the bytes to write. Throws a `LocalProtocolError` (changing
   * nothing) when the event is not allowed now or is malformed.
   */
  send(event: Event): Uint8Array {
    if (this.#connection !== null) return this.#connection.send(event);
    const lifecycle = this.#lifecycle;
    const moving = lifecycle.authorize(sendEventType(event), event);
    const e = event as AnyEvent;
    let bytes: Uint8Array;
    switch (e.type) {
      case "Request": {
        const nonce = generateNonce(this.#options.randomFill);
        const built = buildRequest(e, nonce);
        this.#offer = {
          nonce,
          subprotocols: e.subprotocols,
          extensions: built.offeredExtensions,
          limits: this.#headLimits,
        };
        bytes = built.bytes;
        break;
      }
      case "AcceptConnection":
        bytes = buildAcceptResponse(this.#request!, e);
        this.#request = null; // its headers are not needed once answered
        if (moving !== null) lifecycle.move(moving);
        this.#open(e.extensions, this.#trailing);
        return bytes;
      case "RejectConnection": {
        const response = buildRejectResponse(e, this.#requestIsHttp10);
        this.#bodyWriter = response.body;
        bytes = response.bytes;
        break;
      }
      case "RejectData":
        bytes = this.#bodyWriter!.write(e.data, e.bodyFinished);
        break;
      default:
        throw new LocalProtocolError(`Event ${e.type} cannot be sent during the handshake.`);
    }
    if (moving !== null) lifecycle.move(moving);
    return bytes;
  }

  #open(extensions: readonly Extension[], trailing: Uint8Array): void {
    const { checkOrigin: _checkOrigin, maxHandshakeSize: _size, maxHeaders: _headers, ...options } = this.#options;
    this.#trailing = EMPTY;
    this.#requestParser = null;
    this.#responseParser = null;
    this.#connection = new Connection(
      this.client ? ConnectionType.CLIENT : ConnectionType.SERVER,
      { ...options, extensions, trailingData: trailing },
      { lifecycle: this.#lifecycle },
    );
  }

  #receiveAsServer(data: Uint8Array | null): void {
    const lifecycle = this.#lifecycle;
    const parser = this.#requestParser;
    if (lifecycle.allows("REQUEST_RECEIVED") && parser !== null) {
      if (data === null) {
        // EOF on an idle connection is no error; inside a head it is a truncated request.
        const idle = parser.bytesReceived === 0;
        const result = parser.end();
        lifecycle.fire("EOF");
        if (!idle && result.status === "failed") throw requestHeadFailure(result.failure);
        return;
      }
      const result = parser.feed(data);
      if (result.status === "incomplete") return;
      if (result.status === "failed") {
        lifecycle.fire("REQUEST_INVALID");
        throw requestHeadFailure(result.failure);
      }
      this.#requestIsHttp10 = result.head.httpVersion === "1.0";
      this.#acceptRequestHead(result.head);
      this.#holdEarlyBytes(result.trailing);
      return;
    }
    if (data === null) {
      lifecycle.fire("EOF");
      return;
    }
    if (lifecycle.allows("SEND_ACCEPT")) this.#holdEarlyBytes(data);
    // After a rejection, or while a bad request awaits its answer: input is ignored.
  }

  /**
   * The client spoke before the 101 (RFC 6455 §4.1 says it must wait): keep a little, to
   * parse as frames once accepted (DESIGN deviation 1), and refuse a flood however it is
   * split.
   */
  #holdEarlyBytes(data: Uint8Array): void {
    if (data.length === 0) return;
    const held = this.#trailing.length + data.length;
    const limit = this.#headLimits.maxHandshakeSize;
    if (held > limit) {
      this.#trailing = EMPTY;
      this.#lifecycle.fire("REQUEST_INVALID");
      throw new RemoteProtocolError(
        `The client sent ${held} bytes after its request, before the handshake was answered (at most ${limit} are held)`,
        new RejectConnection({ statusCode: 400 }),
      );
    }
    this.#trailing = concatBytes([this.#trailing, data]);
  }

  #acceptRequestHead(head: RequestHead): void {
    const outcome = validateRequest(head, { checkOrigin: this.#options.checkOrigin });
    if (outcome instanceof RemoteProtocolError) {
      this.#lifecycle.fire("REQUEST_INVALID");
      throw outcome;
    }
    this.#request = outcome;
    this.#lifecycle.fire("REQUEST_RECEIVED");
    this.#queue(outcome);
  }

  #receiveAsClient(data: Uint8Array | null): void {
    const lifecycle = this.#lifecycle;
    if (lifecycle.state === ConnectionState.REJECTING) return this.#readRejectBody(data);
    // After a rejection or a failed handshake nothing more is read (as in wsproto).
    if (lifecycle.state === ConnectionState.CLOSED) return;
    if (!lifecycle.allows("RESPONSE_ACCEPTED")) {
      if (data === null) return lifecycle.fire("EOF");
      throw new RemoteProtocolError("Bad HTTP message: the server sent bytes before the client sent its Request", new RejectConnection());
    }
    const parser = this.#responseParser!;
    const result = data === null ? parser.end() : parser.feed(data);
    if (result.status === "incomplete") return;
    if (result.status === "failed") {
      lifecycle.fire(data === null ? "EOF" : "RESPONSE_INVALID");
      throw responseHeadFailure(result.failure);
    }
    const outcome = validateResponse(result.head, this.#offer!);
    switch (outcome.type) {
      case "accepted":
        lifecycle.fire("RESPONSE_ACCEPTED");
        this.#queue(outcome.event);
        this.#open((outcome.event as AcceptConnection).extensions, result.trailing);
        return;
      case "rejected":
        this.#queue(outcome.event);
        if (outcome.body === null) {
          lifecycle.fire("RESPONSE_REJECTED_NO_BODY");
          return;
        }
        lifecycle.fire("RESPONSE_REJECTED");
        this.#bodyReader = outcome.body;
        this.#readRejectBody(result.trailing);
        if (data === null) this.#readRejectBody(null);
        return;
      case "failed":
        lifecycle.fire("RESPONSE_INVALID");
        throw outcome.error;
    }
  }

  #readRejectBody(data: Uint8Array | null): void {
    const reader = this.#bodyReader!;
    const result = data === null ? reader.end() : reader.feed(data);
    if (result.status === "failed") {
      this.#lifecycle.fire("EOF");
      throw new RemoteProtocolError(`Bad HTTP message: ${result.message}`, new RejectConnection());
    }
    for (const chunk of result.chunks) {
      if (chunk.length > 0) this.#queue(new RejectData({ data: chunk, bodyFinished: false }));
    }
    if (result.finished) {
      this.#queue(new RejectData({ data: EMPTY, bodyFinished: true }));
      this.#lifecycle.fire("REJECT_BODY_END");
    } else if (data === null) {
      this.#lifecycle.fire("EOF");
    }
  }

  #queue(event: AnyEvent): void {
    (this.#pending ??= []).push(event);
  }

  #flushListeners(): void {
    const listeners = this.#listeners;
    if (listeners === null || this.#flushing) return;
    this.#flushing = true;
    try {
      while (listeners.active) {
        const next = this.events().next();
        if (next.done === true) return;
        listeners.dispatch(next.value);
      }
    } finally {
      this.#flushing = false;
    }
  }
}
