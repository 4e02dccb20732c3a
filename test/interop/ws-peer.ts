/**
 * The `ws` package as the peer: a client that connects to a wstate server and a
 * server that wstate clients connect to, both on 127.0.0.1, both closed by `Resources`.
 */
import type { IncomingMessage } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { WebSocket, WebSocketServer, type ClientOptions, type ServerOptions } from "ws";
import { AsyncQueue, LOOPBACK, wsInbox, type Resources, type WsInbox } from "./helpers.js";

/** An open ws socket and what it receives. */
export interface WsPeer {
  readonly socket: WebSocket;
  readonly inbox: WsInbox;
  /** The TCP socket under ws, to write bytes ws itself would never send. */
  readonly raw: Socket;
}

function peerOf(socket: WebSocket): WsPeer {
  return { socket, inbox: wsInbox(socket), raw: (socket as unknown as { _socket: Socket })._socket };
}

/** A ws client connected (handshake done) to `url`, with the 101 response it got. */
export async function openWs(
  resources: Resources,
  url: string,
  protocols: string[] = [],
  options: ClientOptions = {},
): Promise<WsPeer & { response: IncomingMessage }> {
  const socket = new WebSocket(url, protocols, { perMessageDeflate: false, ...options });
  resources.add(() => socket.terminate());
  // Attach the inbox first: wstate may send right after its 101.
  const inbox = wsInbox(socket);
  let response: IncomingMessage | null = null;
  socket.once("upgrade", (message) => (response = message));
  await new Promise<void>((resolve, reject) => {
    socket.once("open", resolve);
    socket.once("error", reject);
  });
  return { socket, inbox, raw: (socket as unknown as { _socket: Socket })._socket, response: response! };
}

/** What a ws client got instead of a 101. */
export interface WsRejection {
  readonly statusCode: number;
  readonly headers: IncomingMessage["headers"];
  readonly body: string;
}

/** Connects a ws client expecting a non-101 answer (its `unexpected-response` event). */
export async function wsRejection(resources: Resources, url: string): Promise<WsRejection> {
  const socket = new WebSocket(url, { perMessageDeflate: false });
  resources.add(() => socket.terminate());
  return new Promise((resolve, reject) => {
    socket.once("open", () => reject(new Error("the handshake was accepted")));
    socket.once("error", reject);
    socket.once("unexpected-response", (request, response) => {
      const chunks: Buffer[] = [];
      response.on("data", (chunk: Buffer) => chunks.push(chunk));
      response.once("error", reject);
      response.once("end", () => {
        request.destroy();
        resolve({ statusCode: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks).toString("utf8") });
      });
    });
  });
}

/** A connection a ws server accepted. */
export type WsConnection = WsPeer & { request: IncomingMessage; responseHead: string[] };

/** A ws server on 127.0.0.1 and the connections it accepted. */
export interface WsServer {
  readonly port: number;
  readonly server: WebSocketServer;
  /** The next connection, with the HTTP request that opened it and the response head lines ws wrote. */
  nextConnection(): Promise<WsConnection>;
}

/**
 * A ws server; with `echo`, every message goes straight back with its type. Its sockets
 * are terminated and the server closed by `resources`.
 */
export async function listenWs(resources: Resources, options: ServerOptions & { echo?: boolean } = {}): Promise<WsServer> {
  const { echo = false, ...serverOptions } = options;
  const server = new WebSocketServer({ perMessageDeflate: false, ...serverOptions, host: LOOPBACK, port: 0 });
  const connections = new AsyncQueue<WsConnection>(() => "connection");
  const heads = new WeakMap<IncomingMessage, string[]>();
  server.on("headers", (lines, request) => heads.set(request, lines.slice()));
  server.on("connection", (socket, request) => {
    const peer = peerOf(socket);
    if (echo) socket.on("message", (data, isBinary) => socket.send(data as Buffer, { binary: isBinary }));
    connections.push({ ...peer, request, responseHead: heads.get(request) ?? [] });
  });
  resources.add(
    () =>
      new Promise<void>((resolve) => {
        for (const client of server.clients) client.terminate();
        server.close(() => resolve());
      }),
  );
  await new Promise<void>((resolve) => server.once("listening", resolve));
  return { port: (server.address() as AddressInfo).port, server, nextConnection: () => connections.next() };
}
