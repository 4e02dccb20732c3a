/**
 * `wstate/node`: WebSockets over Node sockets, built on the sans-I/O engine. A client
 * (`connect`), a server (`createWebSocketServer`: on a port, on an HTTP server's
 * `upgrade`, or on raw TCP/TLS sockets), and the socket both hand out (`NodeWebSocket`):
 * whole messages, backpressure, automatic Pong and Close replies, handshake and close
 * deadlines. The only part of wstate that imports `node:` modules.
 *
 * @example
 * ```ts
 * import { connect, createWebSocketServer } from "wstate/node";
 *
 * const wss = createWebSocketServer({ port: 8080, allowAnyOrigin: true });
 * wss.on("connection", (ws) => ws.on("message", (data) => ws.send(data)));
 *
 * const ws = await connect("ws://127.0.0.1:8080/");
 * ws.on("message", (data) => { console.log(data); ws.close(); });
 * ws.send("hello");
 * ```
 *
 * @packageDocumentation
 */
export { connect, type ConnectOptions } from "./client.js";
export { ConnectionRejectedError, HandshakeTimeoutError, REJECTION_BODY_LIMIT } from "./errors.js";
export { formatTransition, lifecycleTransitions, logLifecycle, type LifecycleTransition } from "./lifecycle-log.js";
export type { WholeMessage } from "./message-assembler.js";
export {
  DEFAULT_CLOSE_TIMEOUT,
  DEFAULT_HANDSHAKE_TIMEOUT,
  type ConnectionObserver,
  type SocketOptions,
} from "./options.js";
export type { OriginPolicyOptions } from "./origin.js";
export {
  createWebSocketServer,
  rejectUpgrade,
  WebSocketServer,
  type WebSocketServerEvents,
  type WebSocketServerOptions,
} from "./server.js";
export { NodeWebSocket, type CloseInfo, type NodeWebSocketEvents } from "./web-socket.js";
