/**
 * `NodeWebSocket`: a `WSConnection` driven over a Node stream (a `net.Socket`, a
 * `tls.TLSSocket`, or the socket of an HTTP `upgrade`). It pumps bytes both ways, assembles
 * whole messages, answers Pings and Closes, runs the handshake and closing deadlines and
 * closes the transport when the WebSocket connection is closed.
 */
import { EventEmitter } from "node:events";
import type { Socket } from "node:net";
import type { Duplex } from "node:stream";
import { CloseReason, ConnectionState, ConnectionType } from "../constants.js";
import { LocalProtocolError, RemoteProtocolError } from "../errors.js";
import {
  AcceptConnection,
  BytesMessage,
  CloseConnection,
  Ping,
  Pong,
  RejectConnection,
  TextMessage,
  type AnyEvent,
  type Event,
  type Headers,
  type RejectData,
  type Request,
} from "../events.js";
import type { Extension } from "../extensions/extension.js";
import { WSConnection, type WSConnectionOptions } from "../ws-connection.js";
import { ConnectionRejectedError, HandshakeTimeoutError, REJECTION_BODY_LIMIT } from "./errors.js";
import { MessageAssembler, type WholeMessage } from "./message-assembler.js";
import type { AdapterSettings, ConnectionObserver } from "./options.js";

/** How a connection ended, as the `close` event reports it. */
export interface CloseInfo {
  /**
   * The code of the peer's Close (1005 when it had none), the code of the protocol
   * failure this side reported, or 1006 when the transport ended without a Close.
   */
  readonly code: number;
  /** The reason that came with the code. */
  readonly reason: string;
  /** True when both Close frames were exchanged and no protocol failure happened. */
  readonly wasClean: boolean;
}

/** The events of a {@link NodeWebSocket}. */
export interface NodeWebSocketEvents {
  /** A whole message: text as a string, binary as a Buffer. */
  message: [data: WholeMessage];
  /** A Ping arrived (already answered when `autoPong` is on). */
  ping: [payload: Buffer];
  /** A Pong arrived. */
  pong: [payload: Buffer];
  /** The peer sent a Close (already answered when `autoCloseReply` is on). */
  closing: [close: CloseConnection];
  /** The transport is closed; always the last event. */
  close: [info: CloseInfo];
  /**
   * The peer broke the protocol (a `RemoteProtocolError`; the connection is being failed
   * with its close code) or the transport failed. Emitted only when a listener is
   * registered, so an unhandled error never crashes the process; `close` follows anyway.
   */
  error: [error: Error];
  /** The socket's write buffer emptied after `send` returned false. */
  drain: [];
}

/** A request an HTTP server already parsed (its `upgrade` event). */
export interface UpgradeRequest {
  readonly headers: Headers;
  readonly target: string;
  /** The bytes that followed the request head. */
  readonly head: Uint8Array;
  /** The request head re-serialized, shown to the observer as the bytes read. */
  readonly requestHead: () => Uint8Array;
}

/**
 * What a {@link NodeWebSocket} needs from its owner and tells it: one object per server,
 * shared by all its connections (so nothing of it is copied per connection), or one per
 * `connect` call. Internal to `connect` and `WebSocketServer`.
 */
export interface NodeWebSocketHost {
  readonly role: "client" | "server";
  readonly settings: AdapterSettings;
  /** The engine's options: the limits, and a server's `checkOrigin` (a refusal is answered 403). */
  readonly engineOptions: WSConnectionOptions;
  /** Server: decides on a valid request: accept, or refuse with the rejection to send and the reason. */
  answer?(request: Request): AcceptConnection | RemoteProtocolError;
  /** The handshake succeeded; the socket is handed to the application now. */
  onOpen(socket: NodeWebSocket, request: Request): void;
  /** The handshake failed; the transport is being closed. Called at most once, never after `onOpen`. */
  onHandshakeFailure(error: Error, socket: NodeWebSocket): void;
  /** The transport closed before the handshake completed, or `close` is about to be emitted. */
  onClose?(socket: NodeWebSocket): void;
}

/** What one connection starts from; none of it is kept once the handshake started. */
export interface NodeWebSocketStart {
  /** Client: the Request to send. */
  readonly request?: Request;
  /** Server: the request, when an HTTP server parsed it already. */
  readonly upgrade?: UpgradeRequest;
  readonly observer?: ConnectionObserver;
}

/** The observer of a connection nobody observes: one for all of them. */
const UNOBSERVED: ConnectionObserver = Object.freeze({});
const NO_EXTENSIONS: readonly Extension[] = Object.freeze([]);

/**
 * The engine's options for one connection: the host's — which unmask the socket's chunks
 * in place, as ws does: each `"data"` chunk is a fresh buffer nobody else reads — with the
 * observer's inspector (the statechart's actor runs only when someone watches it), and
 * copying unmasked payloads instead when an observer sees the raw bytes and may keep them.
 */
function engineOptionsFor(host: NodeWebSocketHost, observer: ConnectionObserver): WSConnectionOptions {
  if (observer.inspect === undefined && observer.bytesIn === undefined) return host.engineOptions;
  return { ...host.engineOptions, inspect: observer.inspect, unmaskInPlace: observer.bytesIn === undefined };
}

/**
 * Binary payloads from this size are written apart from their header, uncopied. Measured
 * on loopback (Node 20, CPU per message): copying into one frame is cheaper below 1 KiB,
 * the two are level around 1–4 KiB, and the writev wins clearly from 16 KiB.
 */
const PAYLOAD_APART_FROM = 4096;

/** The socket's listeners find their connection here (one property, no closure per connection). */
const OWNER = Symbol("wstate.NodeWebSocket");
type OwnedSocket = Duplex & { [OWNER]: NodeWebSocket };

function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function toBytes(data: string | Uint8Array | ArrayBuffer | ArrayBufferView, what: string): Uint8Array {
  if (typeof data === "string") return Buffer.from(data, "utf8");
  if (data instanceof Uint8Array) return data;
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  throw new LocalProtocolError(`${what} takes a string, a Uint8Array (Buffer), an ArrayBuffer or a typed array; got ${typeof data}.`);
}

/**
 * A WebSocket over a Node socket, for either role. Get one from {@link connect} (client)
 * or from a {@link WebSocketServer}'s `connection` event (server); it is open then.
 *
 * Messages arrive whole (`message`), Pings are answered and the peer's Close is echoed
 * by default (`autoPong`, `autoCloseReply`), and `close` reports how it ended. `send`
 * returns what `socket.write` returns: when it is false, wait for `drain`.
 *
 * @example
 * ```ts
 * const ws = await connect("ws://127.0.0.1:8080/echo");
 * ws.on("message", (data) => console.log(typeof data === "string" ? data : `${data.length} bytes`));
 * ws.on("close", ({ code, reason, wasClean }) => console.log(code, reason, wasClean));
 * if (!ws.send("hello")) ws.once("drain", () => console.log("buffer emptied"));
 * ws.close(1000, "done");
 * ```
 */
export class NodeWebSocket extends EventEmitter<NodeWebSocketEvents> {
  /** The transport. */
  readonly socket: Duplex;
  /** The sans-I/O engine; its `actor` runs the lifecycle statechart. */
  readonly engine: WSConnection;
  readonly #host: NodeWebSocketHost;
  readonly #observer: ConnectionObserver;
  /** Made for the first message that arrives in pieces. */
  #assembler: MessageAssembler | null = null;
  /** Client: the Request sent. A server hands the one it received to `onOpen` and keeps nothing of it. */
  #request: Request | null = null;
  #protocol: string | null = null;
  #extensions = NO_EXTENSIONS;
  /** The handshake ended: opened or failed. */
  #settled = false;
  #opened = false;
  /** Events are handed out; false between the open and the application's first chance to listen. */
  #flowing = true;
  #socketClosed = false;
  #closeEmitted = false;
  #closeSent = false;
  #ending = false;
  #peerClose: CloseConnection | null = null;
  #failure: CloseConnection | null = null;
  #socketError: Error | null = null;
  #rejection: { statusCode: number; headers: Headers; body: Buffer[]; size: number } | null = null;
  /** The deadline running: the opening handshake's until it settled, then the closing handshake's. */
  #timer: NodeJS.Timeout | null = null;

  /**
   * Internal: use {@link connect} or {@link createWebSocketServer}, which hand out open
   * sockets. Takes over `socket` at once.
   */
  constructor(socket: Duplex, host: NodeWebSocketHost, start: NodeWebSocketStart = {}) {
    super();
    this.socket = socket;
    this.#host = host;
    const observer = (this.#observer = start.observer ?? UNOBSERVED);
    this.engine = new WSConnection(host.role === "client" ? ConnectionType.CLIENT : ConnectionType.SERVER, engineOptionsFor(host, observer));
    if (host.role === "client") {
      const request = start.request!;
      // A bad Request (header, subprotocol) throws here, before any byte is written.
      const bytes = this.engine.send(request);
      this.#request = request;
      observer.eventOut?.(request);
      this.#write(bytes);
    }
    (socket as Partial<Socket>).setNoDelay?.(true);
    (socket as Partial<Socket>).setTimeout?.(0);
    (socket as OwnedSocket)[OWNER] = this;
    socket.on("data", NodeWebSocket.#onSocketData);
    socket.on("end", NodeWebSocket.#onSocketEnd);
    socket.on("error", NodeWebSocket.#onSocketError);
    socket.on("close", NodeWebSocket.#onSocketClose);
    socket.on("drain", NodeWebSocket.#onSocketDrain);
    const deadline = host.settings.handshakeTimeout;
    if (deadline > 0) this.#timer = setTimeout(() => this.#handshakeTimedOut(), deadline);
    if (start.upgrade !== undefined) this.#startFromUpgrade(start.upgrade);
  }

  // Every socket shares these listeners (`this` is the socket): closures made per
  // connection would cost heap on every idle connection.
  static #onSocketData(this: OwnedSocket, chunk: Buffer): void {
    this[OWNER].#onData(chunk);
  }

  static #onSocketEnd(this: OwnedSocket): void {
    this[OWNER].#onEnd();
  }

  static #onSocketError(this: OwnedSocket, error: Error): void {
    this[OWNER].#onError(error);
  }

  static #onSocketClose(this: OwnedSocket): void {
    this[OWNER].#onClose();
  }

  static #onSocketDrain(this: OwnedSocket): void {
    this[OWNER].emit("drain");
  }

  /** The connection's `ConnectionState` (OPEN, LOCAL_CLOSING, REMOTE_CLOSING, CLOSED …). */
  get state(): ConnectionState {
    return this.engine.state;
  }

  /**
   * Client: the opening handshake's Request, as sent. Null on a server's connection: the
   * Request it received is the second argument of the server's `connection` event and is
   * not kept (about 0.5 KiB per idle connection; ws dropped its `upgradeReq` for the
   * same reason), so keep what you need of it there.
   */
  get request(): Request | null {
    return this.#request;
  }

  /** The subprotocol agreed in the handshake, or null. */
  get protocol(): string | null {
    return this.#protocol;
  }

  /** The extensions agreed in the handshake (e.g. a `PerMessageDeflate`). */
  get extensions(): readonly Extension[] {
    return this.#extensions.filter((extension) => extension.enabled());
  }

  /** Bytes written but not yet handed to the operating system (`socket.writableLength`). */
  get bufferedAmount(): number {
    return this.socket.writableLength;
  }

  /**
   * Sends a message: a string as text, bytes as binary. Returns `socket.write`'s answer:
   * false means the write buffer is full, so wait for `drain` before sending more. Once
   * the closing handshake began the message is dropped and false is returned (as a
   * browser's WebSocket drops it), since the peer's Close can arrive at any moment.
   * Bytes are handed to the socket as they are, not copied (as `socket.write` does): do
   * not change them until they are written (`bufferedAmount` back to 0, or `drain`).
   *
   * @example
   * ```ts
   * ws.send("text");
   * ws.send(new Uint8Array([1, 2, 3]));
   * ```
   */
  send(data: string | Uint8Array | ArrayBuffer | ArrayBufferView): boolean {
    const event =
      typeof data === "string" ? new TextMessage({ data }) : new BytesMessage({ data: toBytes(data, "send") });
    if (!this.#mayTalk("send", [ConnectionState.OPEN])) return false;
    return this.#sendEvent(event);
  }

  /**
   * Sends a Ping (payload at most 125 bytes). Returns false, sending nothing, once the
   * closing handshake began.
   *
   * @example
   * ```ts
   * ws.ping("heartbeat");
   * ws.once("pong", (payload) => console.log(payload.toString()));
   * ```
   */
  ping(payload: string | Uint8Array = new Uint8Array(0)): boolean {
    const event = new Ping({ payload: toBytes(payload, "ping") });
    if (!this.#mayTalk("ping", [ConnectionState.OPEN])) return false;
    return this.#sendEvent(event);
  }

  /**
   * Sends a Pong (an answer when `autoPong` is off, or an unsolicited heartbeat). Allowed
   * until the peer's Close arrives.
   *
   * @example
   * ```ts
   * ws.on("ping", (payload) => ws.pong(payload)); // with autoPong: false
   * ```
   */
  pong(payload: string | Uint8Array = new Uint8Array(0)): boolean {
    const event = new Pong({ payload: toBytes(payload, "pong") });
    if (!this.#mayTalk("pong", [ConnectionState.OPEN, ConnectionState.LOCAL_CLOSING])) return false;
    return this.#sendEvent(event);
  }

  /**
   * Starts the closing handshake (RFC 6455 §7.1.2) with `code` (default 1000) and
   * `reason`, or answers the peer's Close when `autoCloseReply` is off (by default with
   * the peer's code). The transport is closed once both Closes were exchanged, or after
   * `closeTimeout`. Does nothing when the closing handshake is already under way.
   *
   * @throws {LocalProtocolError} for a code that may not be sent (1005, 1006, 1015, < 1000 …)
   *   or a reason longer than 123 UTF-8 bytes.
   * @example
   * ```ts
   * ws.close(1000, "bye");
   * ws.once("close", ({ code, wasClean }) => console.log(code, wasClean)); // 1000 true
   * ```
   */
  close(code?: number, reason?: string): void {
    const state = this.engine.state;
    if (state === ConnectionState.OPEN) {
      this.#sendEvent(new CloseConnection({ code: code ?? CloseReason.NORMAL_CLOSURE, reason }));
    } else if (state === ConnectionState.REMOTE_CLOSING) {
      const reply = code === undefined ? this.#peerClose!.response() : new CloseConnection({ code, reason });
      this.#sendEvent(reply);
    } else if (state === ConnectionState.CONNECTING) {
      this.terminate();
    }
  }

  /** Destroys the transport at once, without a closing handshake (`close` reports 1006). */
  terminate(): void {
    this.socket.destroy();
  }

  #mayTalk(method: string, states: readonly ConnectionState[]): boolean {
    const state = this.engine.state;
    if (state === ConnectionState.CONNECTING || state === ConnectionState.REJECTING) {
      throw new LocalProtocolError(`Cannot ${method} in state ${state}: wait until the connection is open.`);
    }
    return states.includes(state);
  }

  #sendEvent(event: Event): boolean {
    // A large binary payload is written as it is after its header (one writev), not copied.
    const apart = event.type === "BytesMessage" && (event as BytesMessage).data.length >= PAYLOAD_APART_FROM;
    const parts = apart ? this.engine.sendParts(event) : [this.engine.send(event)];
    if (event.type === "CloseConnection") this.#closeSent = !this.socket.destroyed && !this.socket.writableEnded;
    this.#observer.eventOut?.(event);
    const written = parts.length === 1 ? this.#write(parts[0]) : this.#writeParts(parts);
    this.#afterStateChange();
    return written;
  }

  #write(bytes: Uint8Array): boolean {
    const socket = this.socket;
    if (socket.destroyed || socket.writableEnded) return false;
    this.#observer.bytesOut?.(bytes);
    return socket.write(bytes);
  }

  /**
   * The parts in one `writev`. Answers as `socket.write` does for one buffer: whether the
   * socket's buffer is below its high-water mark once the parts were handed over. (A
   * corked `write` answers before anything is flushed, so it says false for any message
   * over the mark; when that happened `drain` is due, so a false here is always followed
   * by `drain`.)
   */
  #writeParts(parts: readonly Uint8Array[]): boolean {
    const socket = this.socket;
    if (socket.destroyed || socket.writableEnded) return false;
    socket.cork();
    for (const part of parts) {
      this.#observer.bytesOut?.(part);
      socket.write(part);
    }
    socket.uncork();
    return socket.writableLength < socket.writableHighWaterMark;
  }

  // ---- input --------------------------------------------------------------------------

  #onData(chunk: Buffer): void {
    this.#observer.bytesIn?.(chunk);
    this.#receive(chunk);
  }

  #onEnd(): void {
    this.#receive(null);
    // An HTTP server's sockets allow half-open connections: end our side too.
    this.#endSocket();
  }

  #onError(error: Error): void {
    this.#socketError ??= error;
    if (!this.#settled) this.#failHandshake(error);
    else if (this.listenerCount("error") > 0) this.emit("error", error);
  }

  #onClose(): void {
    this.#socketClosed = true;
    this.#clearTimer();
    if (!this.#opened) this.#host.onClose?.(this);
    if (!this.#settled) this.#failHandshake(this.#socketError ?? new Error("The connection closed before the WebSocket handshake completed"));
    if (!this.#opened) return;
    // Before the application could listen, the rest waits for the deferred start.
    if (this.#flowing) this.#finish();
  }

  #receive(data: Uint8Array | null): void {
    if (this.engine.state === ConnectionState.CLOSED) return;
    try {
      this.engine.receiveData(data);
    } catch (error) {
      // Only the handshake throws on peer input (the engine turns frame errors into Closes).
      if (this.#settled) this.socket.destroy(error as Error);
      else this.#failHandshake(error as Error);
      return;
    }
    this.#drain();
  }

  #drain(): void {
    if (!this.#flowing) return;
    for (const event of this.engine.events()) {
      this.#observer.eventIn?.(event);
      this.#handle(event);
      if (!this.#flowing) break;
    }
    this.#afterStateChange();
  }

  #handle(event: AnyEvent): void {
    switch (event.type) {
      case "Request":
        return this.#answer(event);
      case "AcceptConnection":
        return this.#open(event, this.#request!);
      case "RejectConnection":
        this.#rejection = { statusCode: event.statusCode, headers: event.headers, body: [], size: 0 };
        if (!event.hasBody) this.#rejected();
        return;
      case "RejectData":
        return this.#rejectionBody(event);
      case "TextMessage":
      case "BytesMessage": {
        const message = (this.#assembler ??= new MessageAssembler()).push(event);
        if (message !== null) this.emit("message", message);
        return;
      }
      case "Ping": {
        const state = this.engine.state;
        if (this.#host.settings.autoPong && (state === ConnectionState.OPEN || state === ConnectionState.LOCAL_CLOSING)) {
          this.#sendEvent(event.response());
        }
        this.emit("ping", toBuffer(event.payload));
        return;
      }
      case "Pong":
        this.emit("pong", toBuffer(event.payload));
        return;
      case "CloseConnection":
        return this.#closeReceived(event);
    }
  }

  #closeReceived(event: CloseConnection): void {
    if (this.engine.failed && this.#failure === null) {
      // Failing the connection (RFC 6455 §7.1.7) is not optional: send the Close at once.
      this.#failure = event;
      if (this.engine.state === ConnectionState.REMOTE_CLOSING) this.#sendEvent(event.response());
      if (this.listenerCount("error") > 0) this.emit("error", new RemoteProtocolError(event.reason || `protocol error (${event.code})`));
      return;
    }
    if (event.code === CloseReason.ABNORMAL_CLOSURE) return; // the transport ended without a Close
    this.#peerClose = event;
    if (this.#host.settings.autoCloseReply && this.engine.state === ConnectionState.REMOTE_CLOSING) {
      this.#sendEvent(event.response());
    }
    this.emit("closing", event);
  }

  /** Arms the close deadline once closing began; closes the transport once CLOSED. */
  #afterStateChange(): void {
    const state = this.engine.state;
    if (state === ConnectionState.OPEN || state === ConnectionState.CONNECTING || !this.#opened) return;
    if (this.#timer === null && !this.#socketClosed) this.#armCloseTimer();
    if (state !== ConnectionState.CLOSED) return;
    // RFC 6455 §7.1.1: the server closes the TCP connection first; a client waits for it
    // (under the close deadline) unless the connection ended some other way.
    if (!this.engine.client || this.engine.failed || this.#peerClose === null || !this.#closeSent) this.#endSocket();
  }

  #armCloseTimer(): void {
    const deadline = this.#host.settings.closeTimeout;
    if (deadline > 0) this.#timer = setTimeout(() => this.socket.destroy(), deadline);
  }

  #endSocket(): void {
    if (this.#ending) return;
    this.#ending = true;
    this.socket.end();
    if (this.#timer === null && !this.#socketClosed) this.#armCloseTimer();
  }

  #clearTimer(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
  }

  /** The transport is closed: tell the engine (EOF) if it does not know yet, then `close`. */
  #finish(): void {
    if (this.#closeEmitted) return;
    if (this.engine.state !== ConnectionState.CLOSED) this.#receive(null);
    this.#closeEmitted = true;
    this.#host.onClose?.(this);
    const source = this.#failure ?? this.#peerClose;
    this.emit("close", {
      code: source?.code ?? CloseReason.ABNORMAL_CLOSURE,
      reason: source?.reason ?? "",
      wasClean: this.#failure === null && this.#peerClose !== null && this.#closeSent,
    });
  }

  // ---- handshake ----------------------------------------------------------------------

  #startFromUpgrade(upgrade: UpgradeRequest): void {
    if (this.#observer.bytesIn !== undefined) this.#observer.bytesIn(upgrade.requestHead());
    try {
      this.engine.initiateUpgradeConnection(upgrade.headers, upgrade.target);
    } catch (error) {
      this.#failHandshake(error as Error);
      return;
    }
    // Bytes that came with the request are held by the engine and parsed as frames once accepted.
    if (upgrade.head.length > 0) this.#onData(toBuffer(upgrade.head));
    else this.#drain();
  }

  #answer(request: Request): void {
    let answer: AcceptConnection | RemoteProtocolError;
    let bytes: Uint8Array;
    try {
      answer = this.#host.answer!(request);
      if (answer instanceof RemoteProtocolError) return this.#failHandshake(answer);
      bytes = this.engine.send(answer);
    } catch (error) {
      // The application's choice could not be sent (an unoffered subprotocol, a bad header).
      const failure = new RemoteProtocolError(
        `The server could not accept the handshake: ${(error as Error).message}`,
        new RejectConnection({ statusCode: 500 }),
      );
      failure.cause = error;
      return this.#failHandshake(failure);
    }
    this.#observer.eventOut?.(answer);
    this.#write(bytes);
    this.#open(answer, request);
  }

  #open(accept: AcceptConnection, request: Request): void {
    if (this.#settled) return;
    this.#settled = this.#opened = true;
    this.#protocol = accept.subprotocol;
    this.#extensions = accept.extensions;
    this.#clearTimer();
    // Let the application attach its listeners before any message is handed out.
    this.#flowing = false;
    setImmediate(() => {
      this.#flowing = true;
      this.#drain();
      if (this.#socketClosed) this.#finish();
    });
    this.#host.onOpen(this, request);
  }

  #rejectionBody(event: RejectData): void {
    const rejection = this.#rejection!;
    const room = REJECTION_BODY_LIMIT - rejection.size;
    const piece = toBuffer(event.data.length > room ? event.data.subarray(0, room) : event.data);
    rejection.body.push(piece);
    rejection.size += piece.length;
    if (event.bodyFinished || rejection.size >= REJECTION_BODY_LIMIT) this.#rejected();
  }

  #rejected(): void {
    const { statusCode, headers, body } = this.#rejection!;
    this.#failHandshake(new ConnectionRejectedError(statusCode, headers, Buffer.concat(body)));
  }

  #handshakeTimedOut(): void {
    this.#timer = null;
    this.#failHandshake(new HandshakeTimeoutError(this.#host.settings.handshakeTimeout));
  }

  /**
   * The handshake failed: a server sends the engine's suggested rejection (400, 403, …)
   * and closes; a client just closes. Reported once.
   */
  #failHandshake(error: Error): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#clearTimer();
    const hint = error instanceof RemoteProtocolError ? error.eventHint : null;
    if (!this.engine.client && hint instanceof RejectConnection && !this.socket.destroyed) {
      try {
        const bytes = this.engine.send(hint);
        this.#observer.eventOut?.(hint);
        this.#write(bytes);
      } catch {
        // The engine cannot reject in this state: closing is answer enough.
      }
      this.#endSocket();
    } else {
      this.socket.destroy();
    }
    this.#host.onHandshakeFailure(error, this);
  }
}
