/**
 * The event classes: the whole vocabulary between wstate and its user.
 *
 * Every event is immutable, is built from one options object, and carries a `type`
 * discriminant equal to its class name, so both `instanceof` and `switch (event.type)`
 * work. Fields are `readonly`; the handshake events are also frozen at run time, while the
 * data-plane events (messages, pings, pongs, closes) are not: `Object.freeze` would cost
 * about as much as parsing a small frame.
 */
import type { Extension } from "./extensions/extension.js";

/** HTTP headers as `[name, value]` pairs in order. Received names are lower-case. */
export type Headers = ReadonlyArray<readonly [name: string, value: string]>;

const EMPTY_BYTES = new Uint8Array(0);
const EMPTY: readonly never[] = Object.freeze([]);

function frozenHeaders(headers: Headers | undefined): Headers {
  if (headers === undefined || headers.length === 0) return EMPTY;
  // A pair that is already a frozen [name, value] (as the parser makes them) is kept as it is.
  return Object.freeze(headers.map((h) => (h.length === 2 && Object.isFrozen(h) ? h : Object.freeze([h[0], h[1]] as const))));
}

function frozenList<T>(list: readonly T[] | undefined): readonly T[] {
  if (list === undefined || list.length === 0) return EMPTY;
  return Object.freeze(list.slice());
}

/** Base class of every event. Sending a bare `Event` is a `LocalProtocolError`. */
export abstract class Event {
  /** The class name, for `switch (event.type)`. */
  abstract readonly type: EventType;
}

/** Options of {@link Request}. */
export interface RequestInit {
  /** The `Host` header value (non-ASCII names are sent as punycode). */
  host: string;
  /** The request target, e.g. `/chat?room=1`. */
  target: string;
  /** Subprotocols offered, in order of preference. */
  subprotocols?: readonly string[];
  /**
   * Client side: the extensions to offer. Server side (received): the offers as they
   * appeared in `Sec-WebSocket-Extensions`, one string per offer.
   */
  extensions?: ReadonlyArray<Extension | string>;
  /** Further headers; on receipt every header not represented by another field. */
  extraHeaders?: Headers;
}

/**
 * The opening handshake request. A client sends it; a server receives it.
 *
 * @example
 * ```ts
 * const client = new WSConnection(ConnectionType.CLIENT);
 * socket.write(client.send(new Request({ host: "example.com", target: "/chat", subprotocols: ["chat"] })));
 * ```
 */
export class Request extends Event {
  readonly type = "Request";
  readonly host: string;
  readonly target: string;
  readonly subprotocols: readonly string[];
  readonly extensions: ReadonlyArray<Extension | string>;
  readonly extraHeaders: Headers;

  constructor(init: RequestInit) {
    super();
    this.host = init.host;
    this.target = init.target;
    this.subprotocols = frozenList(init.subprotocols);
    this.extensions = frozenList(init.extensions);
    this.extraHeaders = frozenHeaders(init.extraHeaders);
    Object.freeze(this);
  }
}

/** Options of {@link AcceptConnection}. */
export interface AcceptConnectionInit {
  /** The subprotocol chosen (server) or that the server chose (client); `null` for none. */
  subprotocol?: string | null;
  /** Server: the extensions it supports (negotiated against the offer). Client: those accepted. */
  extensions?: readonly Extension[];
  /** Further headers to send (server) or the response's other headers (client). */
  extraHeaders?: Headers;
}

/**
 * Acceptance of the opening handshake. A server sends it; a client receives it.
 *
 * @example
 * ```ts
 * if (event instanceof Request) socket.write(ws.send(new AcceptConnection({ subprotocol: "chat" })));
 * ```
 */
export class AcceptConnection extends Event {
  readonly type = "AcceptConnection";
  readonly subprotocol: string | null;
  readonly extensions: readonly Extension[];
  readonly extraHeaders: Headers;

  constructor(init: AcceptConnectionInit = {}) {
    super();
    this.subprotocol = init.subprotocol ?? null;
    this.extensions = frozenList(init.extensions);
    this.extraHeaders = frozenHeaders(init.extraHeaders);
    Object.freeze(this);
  }
}

/** Options of {@link RejectConnection}. */
export interface RejectConnectionInit {
  /** HTTP status code; 400 by default. */
  statusCode?: number;
  /** Response headers. */
  headers?: Headers;
  /** Whether `RejectData` events follow with a body. */
  hasBody?: boolean;
}

/**
 * Refusal of the opening handshake with an HTTP response. A server sends it; a client
 * receives it for any final response other than 101.
 *
 * @example
 * ```ts
 * socket.end(ws.send(new RejectConnection({ statusCode: 403 })));
 * ```
 */
export class RejectConnection extends Event {
  readonly type = "RejectConnection";
  readonly statusCode: number;
  readonly headers: Headers;
  readonly hasBody: boolean;

  constructor(init: RejectConnectionInit = {}) {
    super();
    this.statusCode = init.statusCode ?? 400;
    this.headers = frozenHeaders(init.headers);
    this.hasBody = init.hasBody ?? false;
    Object.freeze(this);
  }
}

/** Options of {@link RejectData}. */
export interface RejectDataInit {
  data: Uint8Array;
  /** Whether this is the last piece of the body; true by default. */
  bodyFinished?: boolean;
}

/**
 * A piece of the body of a rejection response.
 *
 * @example
 * ```ts
 * socket.write(ws.send(new RejectConnection({ statusCode: 403, hasBody: true })));
 * socket.end(ws.send(new RejectData({ data: new TextEncoder().encode("forbidden") })));
 * ```
 */
export class RejectData extends Event {
  readonly type = "RejectData";
  readonly data: Uint8Array;
  readonly bodyFinished: boolean;

  constructor(init: RejectDataInit) {
    super();
    this.data = init.data;
    this.bodyFinished = init.bodyFinished ?? true;
    Object.freeze(this);
  }
}

/** Options of {@link CloseConnection}. */
export interface CloseConnectionInit {
  /** The close code; see {@link CloseReason}. 1005 means "no code" (an empty Close). */
  code: number;
  /** The reason text (at most 123 UTF-8 bytes on the wire). */
  reason?: string;
}

/**
 * A Close: sent to start or answer the closing handshake; received when the peer closes,
 * when the peer broke the protocol (code 1002/1007/1008/1009, reason = diagnostic), or
 * when the transport ended without a Close (code 1006).
 *
 * @example
 * ```ts
 * if (event instanceof CloseConnection) socket.end(ws.send(event.response()));
 * ```
 */
export class CloseConnection extends Event {
  readonly type = "CloseConnection";
  readonly code: number;
  readonly reason: string;

  constructor(init: CloseConnectionInit) {
    super();
    this.code = init.code;
    this.reason = init.reason ?? "";
  }

  /** The Close to send back: same code and reason (RFC 6455 §5.5.1). */
  response(): CloseConnection {
    return new CloseConnection({ code: this.code, reason: this.reason });
  }
}

/** Options of {@link TextMessage}. */
export interface TextMessageInit {
  data: string;
  /** Received: whether this chunk completes its frame. Ignored when sending. */
  frameFinished?: boolean;
  /** Whether this chunk completes the message; `false` sends a fragment. */
  messageFinished?: boolean;
  /**
   * Sending only: `false` sends this message uncompressed, `true` compresses it even when
   * small; unset lets a compressing extension decide (permessage-deflate: `threshold`).
   * Give it on a message's first fragment.
   */
  compress?: boolean;
}

/**
 * Text data. Received text arrives in chunks as bytes arrive: a message is complete at
 * the event whose `messageFinished` is true.
 *
 * @example
 * ```ts
 * socket.write(ws.send(new TextMessage({ data: "hello" })));
 * ```
 */
export class TextMessage extends Event {
  readonly type = "TextMessage";
  readonly data: string;
  readonly frameFinished: boolean;
  readonly messageFinished: boolean;
  /** Sending only: the compression wish (see the init option). */
  readonly compress: boolean | undefined;

  constructor(init: TextMessageInit) {
    super();
    this.data = init.data;
    this.frameFinished = init.frameFinished ?? true;
    this.messageFinished = init.messageFinished ?? true;
    this.compress = init.compress;
  }
}

/** Options of {@link BytesMessage}. */
export interface BytesMessageInit {
  data: Uint8Array;
  /** Received: whether this chunk completes its frame. Ignored when sending. */
  frameFinished?: boolean;
  /** Whether this chunk completes the message; `false` sends a fragment. */
  messageFinished?: boolean;
  /**
   * Sending only: `false` sends this message uncompressed, `true` compresses it even when
   * small; unset lets a compressing extension decide (permessage-deflate: `threshold`).
   * Give it on a message's first fragment.
   */
  compress?: boolean;
}

/**
 * Binary data. Received data arrives in chunks as bytes arrive: a message is complete at
 * the event whose `messageFinished` is true. Received `data` may be a view of the bytes
 * given to `receiveData`.
 *
 * @example
 * ```ts
 * socket.write(ws.send(new BytesMessage({ data: new Uint8Array([1, 2, 3]) })));
 * ```
 */
export class BytesMessage extends Event {
  readonly type = "BytesMessage";
  readonly data: Uint8Array;
  readonly frameFinished: boolean;
  readonly messageFinished: boolean;
  /** Sending only: the compression wish (see the init option). */
  readonly compress: boolean | undefined;

  constructor(init: BytesMessageInit) {
    super();
    this.data = init.data;
    this.frameFinished = init.frameFinished ?? true;
    this.messageFinished = init.messageFinished ?? true;
    this.compress = init.compress;
  }
}

/**
 * A Ping. wstate never answers by itself: send `event.response()`.
 *
 * @example
 * ```ts
 * if (event instanceof Ping) socket.write(ws.send(event.response()));
 * ```
 */
export class Ping extends Event {
  readonly type = "Ping";
  readonly payload: Uint8Array;

  constructor(init: { payload?: Uint8Array } = {}) {
    super();
    this.payload = init.payload ?? EMPTY_BYTES;
  }

  /** The Pong that answers this Ping (same payload, RFC 6455 §5.5.3). */
  response(): Pong {
    return new Pong({ payload: this.payload });
  }
}

/**
 * A Pong: the answer to a Ping, or an unsolicited heartbeat.
 *
 * @example
 * ```ts
 * socket.write(ws.send(new Pong()));
 * ```
 */
export class Pong extends Event {
  readonly type = "Pong";
  readonly payload: Uint8Array;

  constructor(init: { payload?: Uint8Array } = {}) {
    super();
    this.payload = init.payload ?? EMPTY_BYTES;
  }
}

/** Either data event. */
export type Message = TextMessage | BytesMessage;

/** Every concrete event, as a discriminated union on `type`. */
export type AnyEvent =
  | Request
  | AcceptConnection
  | RejectConnection
  | RejectData
  | CloseConnection
  | TextMessage
  | BytesMessage
  | Ping
  | Pong;

/** The `type` discriminants. */
export type EventType = AnyEvent["type"];

/** Maps each `type` discriminant to its event class. */
export type EventByType = { [E in AnyEvent as E["type"]]: E };
