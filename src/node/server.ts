/**
 * The server side: a `WebSocketServer` that accepts WebSocket connections from an HTTP
 * server's `upgrade` event, from raw TCP/TLS sockets, or on a port of its own.
 */
import { EventEmitter } from "node:events";
import { createServer, type IncomingMessage, type Server as HttpServer } from "node:http";
import type { Server as HttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import type { Duplex } from "node:stream";
import { ConnectionType } from "../constants.js";
import { RemoteProtocolError } from "../errors.js";
import { AcceptConnection, RejectConnection, RejectData, type Headers, type Request } from "../events.js";
import { PerMessageDeflate, type PerMessageDeflateOptions } from "../extensions/permessage-deflate.js";
import { WSConnection } from "../ws-connection.js";
import {
  allocateUnsafe,
  deflateOptions,
  engineLimits,
  resolveAdapterSettings,
  type ConnectionObserver,
  type SocketOptions,
} from "./options.js";
import { resolveOriginPolicy, type OriginPolicyOptions } from "./origin.js";
import { NodeWebSocket, type NodeWebSocketHost, type UpgradeRequest } from "./web-socket.js";

/**
 * Options of {@link createWebSocketServer}. Exactly one Origin policy (`allowedOrigins`,
 * `checkOrigin` or `allowAnyOrigin: true`) is required.
 */
export interface WebSocketServerOptions extends SocketOptions, OriginPolicyOptions {
  /**
   * Attach to this HTTP(S) server's `upgrade` event (one WebSocketServer per server). Its
   * own `headersTimeout` bounds how long a request head may take to arrive.
   */
  server?: HttpServer | HttpsServer;
  /** Listen on this port (0: any free one) with an HTTP server of its own. */
  port?: number;
  /** The address to listen on with `port`; default `127.0.0.1`. */
  host?: string;
  /** Only this path is accepted (the query is ignored); others are answered 404. */
  path?: string;
  /**
   * Picks the subprotocol from the client's offer (in its order of preference), or null
   * for none. Without it no subprotocol is chosen.
   */
  handleProtocols?: (offered: readonly string[], request: Request) => string | null;
  /** Called with each incoming connection's transport, before its handshake, to observe it. */
  observe?: (socket: Duplex) => ConnectionObserver | undefined;
}

/** The events of a {@link WebSocketServer}. */
export interface WebSocketServerEvents {
  /** A handshake succeeded; `socket` is open. */
  connection: [socket: NodeWebSocket, request: Request];
  /**
   * A handshake failed: a bad or refused request (a `RemoteProtocolError`, already
   * answered with its HTTP status), a `HandshakeTimeoutError`, or a transport error.
   */
  handshakeError: [error: Error, socket: Duplex];
  /** The server of its own (`port`) is listening. */
  listening: [];
  /** The server of its own (`port`) failed, e.g. `EADDRINUSE`. */
  error: [error: Error];
}

/** The request's headers for the engine: names lower-case, as the engine keeps them. */
function requestHeaders(rawHeaders: readonly string[]): Headers {
  const pairs: Array<readonly [string, string]> = [];
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) pairs.push([rawHeaders[i].toLowerCase(), rawHeaders[i + 1]]);
  return pairs;
}

/** The request head as it was (near enough) on the wire, for observers. */
function requestHeadBytes(req: IncomingMessage): Uint8Array {
  let text = `${req.method} ${req.url} HTTP/${req.httpVersion}\r\n`;
  const raw = req.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) text += `${raw[i]}: ${raw[i + 1]}\r\n`;
  return Buffer.from(text + "\r\n", "latin1");
}

function pathnameOf(target: string): string {
  if (target.startsWith("/")) {
    const query = target.indexOf("?");
    return query < 0 ? target : target.slice(0, query);
  }
  return new URL(target).pathname;
}

/**
 * Answers an upgrade request that no WebSocket server takes with an HTTP error and
 * closes the socket (use it in your own `upgrade` handler when routing).
 *
 * @example
 * ```ts
 * httpServer.on("upgrade", (req, socket, head) => {
 *   if (req.url?.startsWith("/chat")) chat.handleUpgrade(req, socket, head);
 *   else rejectUpgrade(socket, 404, { body: "no WebSocket here" });
 * });
 * ```
 */
export function rejectUpgrade(socket: Duplex, statusCode: number, options: { headers?: Headers; body?: string } = {}): void {
  const engine = new WSConnection(ConnectionType.SERVER);
  const body = options.body === undefined ? null : Buffer.from(options.body, "utf8");
  const head = engine.send(new RejectConnection({ statusCode, headers: options.headers, hasBody: body !== null }));
  socket.on("error", () => socket.destroy());
  socket.once("finish", () => socket.destroy());
  socket.write(head);
  if (body !== null) socket.write(engine.send(new RejectData({ data: body })));
  socket.end();
}

/**
 * Accepts WebSocket connections. Create it with {@link createWebSocketServer}; each
 * accepted connection is a {@link NodeWebSocket}, announced by `connection`.
 *
 * @example
 * ```ts
 * const wss = createWebSocketServer({ port: 8080, allowedOrigins: ["https://example.com"] });
 * wss.on("connection", (ws, request) => {
 *   console.log("connected:", request.target);
 *   ws.on("message", (data) => ws.send(data));
 * });
 * ```
 */
export class WebSocketServer extends EventEmitter<WebSocketServerEvents> {
  /** The HTTP server used: the one given, the one made for `port`, or null. */
  readonly httpServer: HttpServer | HttpsServer | null;
  readonly #options: WebSocketServerOptions;
  /** Shared by every connection of this server. */
  readonly #host: NodeWebSocketHost;
  readonly #deflate: PerMessageDeflateOptions | null;
  readonly #ownsHttpServer: boolean;
  readonly #clients = new Set<NodeWebSocket>();
  readonly #pending = new Set<Duplex>();
  #closed = false;

  /** Internal: use {@link createWebSocketServer}. */
  constructor(options: WebSocketServerOptions) {
    super();
    this.#options = options;
    const checkOrigin = resolveOriginPolicy(options);
    const settings = resolveAdapterSettings(options);
    this.#host = {
      role: "server",
      settings,
      engineOptions: { ...engineLimits(options), checkOrigin, unmaskInPlace: true, allocate: allocateUnsafe },
      answer: (request) => this.#answer(request),
      onOpen: (ws, request) => {
        this.#pending.delete(ws.socket);
        this.#clients.add(ws);
        this.emit("connection", ws, request);
      },
      onHandshakeFailure: (error, ws) => this.emit("handshakeError", error, ws.socket),
      onClose: (ws) => {
        this.#pending.delete(ws.socket);
        this.#clients.delete(ws);
      },
    };
    this.#deflate = deflateOptions(options.perMessageDeflate);
    if (this.#deflate !== null) new PerMessageDeflate(this.#deflate); // validates the options now
    if (options.path !== undefined && (typeof options.path !== "string" || !options.path.startsWith("/"))) {
      throw new TypeError(`path must start with "/"; got ${String(options.path)}`);
    }
    if (options.server !== undefined && options.port !== undefined) {
      throw new TypeError("Give either server (attach to it) or port (listen on a server of its own), not both.");
    }
    if (options.port !== undefined) {
      // Node's HTTP parser reads the request head, so it also enforces the handshake deadline.
      const deadline = settings.handshakeTimeout;
      const timeouts =
        deadline === 0 ? {} : { headersTimeout: deadline, requestTimeout: deadline, connectionsCheckingInterval: Math.min(deadline, 1000) };
      const server = createServer(timeouts, (_req, res) => {
        res.writeHead(426, { "content-type": "text/plain", upgrade: "websocket", connection: "upgrade" });
        res.end("This is a WebSocket endpoint: connect with a WebSocket client.\n");
      });
      server.on("listening", () => this.emit("listening"));
      server.on("error", (error) => this.emit("error", error));
      server.listen(options.port, options.host ?? "127.0.0.1");
      this.httpServer = server;
      this.#ownsHttpServer = true;
    } else {
      this.httpServer = options.server ?? null;
      this.#ownsHttpServer = false;
    }
    this.httpServer?.on("upgrade", this.#onUpgrade);
  }

  /** The open connections. */
  get clients(): ReadonlySet<NodeWebSocket> {
    return this.#clients;
  }

  /** The address of the HTTP server, e.g. `{ address: "127.0.0.1", port: 8080, family: "IPv4" }`. */
  address(): AddressInfo | string | null {
    return this.httpServer?.address() ?? null;
  }

  /**
   * Takes over a socket from an HTTP server's `upgrade` event: the request was parsed
   * there, `head` holds the bytes that followed it (they are not lost). A method other
   * than GET gets 405, HTTP/1.0 gets 505; the rest is the engine's handshake.
   *
   * @example
   * ```ts
   * const wss = createWebSocketServer({ allowAnyOrigin: true });
   * httpServer.on("upgrade", (req, socket, head) => wss.handleUpgrade(req, socket, head));
   * ```
   */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Uint8Array): void {
    if (this.#closed) return rejectUpgrade(socket, 503, { headers: [["Retry-After", "1"]] });
    if (req.method !== "GET") return this.#refuseEarly(socket, 405, "Request method must be GET", [["Allow", "GET"]]);
    if (req.httpVersion !== "1.1") return this.#refuseEarly(socket, 505, `WebSocket requires HTTP/1.1, not HTTP/${req.httpVersion}`);
    this.#adopt(socket, { headers: requestHeaders(req.rawHeaders), target: req.url ?? "/", head, requestHead: () => requestHeadBytes(req) });
  }

  /**
   * Takes over a raw TCP or TLS socket (from `net.createServer` or `tls.createServer`)
   * whose first bytes are the client's opening handshake.
   *
   * @example
   * ```ts
   * const wss = createWebSocketServer({ allowAnyOrigin: true });
   * net.createServer((socket) => wss.handleSocket(socket)).listen(8080, "127.0.0.1");
   * ```
   */
  handleSocket(socket: Duplex): void {
    if (this.#closed) {
      socket.destroy();
      return;
    }
    this.#adopt(socket, undefined);
  }

  /**
   * Stops accepting, closes every connection with 1001 (going away) and resolves once all
   * are closed (each within `closeTimeout`) and the own HTTP server is closed. An HTTP
   * server that was given is left listening.
   *
   * @example
   * ```ts
   * process.on("SIGINT", () => void wss.close().then(() => process.exit(0)));
   * ```
   */
  async close(): Promise<void> {
    // Not events.once: it would listen for `error`, which a closing client may report.
    const closed = [...this.#clients].map((client) => new Promise((resolve) => client.once("close", resolve)));
    if (!this.#closed) {
      this.#closed = true;
      this.httpServer?.off("upgrade", this.#onUpgrade);
      for (const socket of this.#pending) socket.destroy();
      for (const client of this.#clients) client.close(1001, "server shutting down");
    }
    await Promise.all(closed);
    const server = this.httpServer;
    if (this.#ownsHttpServer && server !== null && server.listening) {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  }

  #onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    this.handleUpgrade(req, socket, head);
  };

  #refuseEarly(socket: Duplex, statusCode: number, message: string, headers?: Headers): void {
    rejectUpgrade(socket, statusCode, { headers });
    this.emit("handshakeError", new RemoteProtocolError(message, new RejectConnection({ statusCode, headers })), socket);
  }

  #adopt(socket: Duplex, upgrade: UpgradeRequest | undefined): void {
    this.#pending.add(socket);
    new NodeWebSocket(socket, this.#host, { upgrade, observer: this.#options.observe?.(socket) });
  }

  #answer(request: Request): AcceptConnection | RemoteProtocolError {
    const path = this.#options.path;
    if (path !== undefined && pathnameOf(request.target) !== path) {
      return new RemoteProtocolError(`No WebSocket endpoint at ${request.target}`, new RejectConnection({ statusCode: 404 }));
    }
    const subprotocol = this.#options.handleProtocols?.(request.subprotocols, request) ?? null;
    const extensions = this.#deflate === null ? [] : [new PerMessageDeflate(this.#deflate)];
    return new AcceptConnection({ subprotocol, extensions });
  }
}

/**
 * Creates a WebSocket server. With `port` it listens on an HTTP server of its own
 * (plain HTTP requests get 426); with `server` it takes that server's upgrade requests;
 * with neither, feed it yourself through `handleUpgrade` or `handleSocket`.
 *
 * An Origin policy is required (CWE-1385): `allowedOrigins`, `checkOrigin`, or
 * `allowAnyOrigin: true`; without one this throws.
 *
 * @throws TypeError / RangeError for missing or invalid options.
 * @example
 * ```ts
 * import { createWebSocketServer } from "wstate/node";
 *
 * const wss = createWebSocketServer({ port: 8080, path: "/echo", allowAnyOrigin: true, perMessageDeflate: true });
 * wss.on("connection", (ws) => ws.on("message", (data) => ws.send(data)));
 * ```
 */
export function createWebSocketServer(options: WebSocketServerOptions): WebSocketServer {
  return new WebSocketServer(options);
}
