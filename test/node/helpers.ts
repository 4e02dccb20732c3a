/**
 * Helpers for the Node adapter tests: servers and peers on 127.0.0.1 that are always
 * closed after each test, waiting with generous deadlines, and raw frames.
 */
import type { EventEmitter } from "node:events";
import type { Server as HttpServer } from "node:http";
import type { Server as HttpsServer } from "node:https";
import { connect as tcpConnect, createServer as createTcpServer, type AddressInfo, type Server, type Socket } from "node:net";
import { afterEach } from "vitest";
import { WebSocketServer as WsServer } from "ws";
import { ConnectionType } from "../../src/constants.js";
import { AcceptConnection, Request, type AnyEvent } from "../../src/events.js";
import { WSConnection } from "../../src/ws-connection.js";
import { createWebSocketServer, type WebSocketServer, type WebSocketServerOptions } from "../../src/node/index.js";

const cleanups: Array<() => unknown> = [];

/** Runs `cleanup` after the current test (last registered, first run). */
export function afterTest(cleanup: () => unknown): void {
  cleanups.push(cleanup);
}

afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

/** A deadline that only stops a broken test from hanging; never a timing assertion. */
const DEADLINE = 10_000;

/**
 * The arguments of the next `name` event; rejects after a generous deadline. Unlike
 * `events.once` it does not listen for `error`, so it never changes whether one is emitted.
 */
export function next<T extends unknown[] = unknown[]>(emitter: EventEmitter, name: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      emitter.off(name, listener);
      reject(new Error(`no ${name} event within ${DEADLINE} ms`));
    }, DEADLINE);
    const listener = (...args: unknown[]) => {
      clearTimeout(timer);
      resolve(args as T);
    };
    emitter.once(name, listener);
  });
}

/** Resolves once `condition()` holds, checking after each turn of the event loop. */
export async function until(condition: () => boolean, what = "the condition"): Promise<void> {
  const deadline = Date.now() + DEADLINE;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`${what} did not come true within ${DEADLINE} ms`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

function portOf(server: { address(): AddressInfo | string | null }): number {
  return (server.address() as AddressInfo).port;
}

/** A wstate server on its own port; closed after the test. */
export async function startServer(options: Partial<WebSocketServerOptions> = {}): Promise<{ wss: WebSocketServer; url: string; port: number }> {
  const wss = createWebSocketServer({ allowAnyOrigin: true, ...options, port: 0 } as WebSocketServerOptions);
  afterTest(() => wss.close());
  await next(wss, "listening");
  const port = portOf(wss);
  return { wss, url: `ws://127.0.0.1:${port}`, port };
}

/** A wstate server on the given HTTP(S) server, which listens on its own port; both closed after the test. */
export async function startOnServer(
  server: HttpServer | HttpsServer,
  options: Partial<WebSocketServerOptions> = {},
): Promise<{ wss: WebSocketServer; port: number }> {
  const wss = createWebSocketServer({ allowAnyOrigin: true, ...options, server } as WebSocketServerOptions);
  afterTest(() => new Promise((resolve) => server.close(resolve)));
  afterTest(() => wss.close());
  server.listen(0, "127.0.0.1");
  await next(server, "listening");
  return { wss, port: portOf(server) };
}

/** A `ws` server on its own port; closed (terminating its clients) after the test. */
export async function startWsServer(options: ConstructorParameters<typeof WsServer>[0] = {}): Promise<{ server: WsServer; url: string; port: number }> {
  const server = new WsServer({ host: "127.0.0.1", port: 0, ...options });
  afterTest(
    () =>
      new Promise<void>((resolve) => {
        for (const client of server.clients) client.terminate();
        server.close(() => resolve());
      }),
  );
  await next(server, "listening");
  const port = portOf(server);
  return { server, url: `ws://127.0.0.1:${port}`, port };
}

/** A plain TCP server whose sockets are handed to `onSocket`; everything closed after the test. */
export async function startTcpServer(onSocket: (socket: Socket) => void): Promise<{ server: Server; port: number }> {
  const sockets = new Set<Socket>();
  const server = createTcpServer((socket) => {
    sockets.add(socket);
    socket.on("error", () => {});
    socket.on("close", () => sockets.delete(socket));
    onSocket(socket);
  });
  afterTest(
    () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  );
  server.listen(0, "127.0.0.1");
  await next(server, "listening");
  return { server, port: portOf(server) };
}

/** A TCP connection to 127.0.0.1; destroyed after the test. */
export async function tcp(port: number): Promise<Socket> {
  const socket = tcpConnect({ host: "127.0.0.1", port });
  socket.on("error", () => {});
  afterTest(() => socket.destroy());
  await next(socket, "connect");
  return socket;
}

/**
 * A hand-driven client: the engine on a raw socket, so a test controls every byte after
 * the handshake. `events` collects what the engine made of the server's bytes.
 */
export interface RawClient {
  readonly socket: Socket;
  readonly engine: WSConnection;
  readonly events: AnyEvent[];
  /** Resolves once an event matching `test` was received. */
  waitFor(test: (event: AnyEvent) => boolean): Promise<AnyEvent>;
}

export async function rawClient(port: number, target = "/", extraHeaders: Array<[string, string]> = []): Promise<RawClient> {
  const socket = await tcp(port);
  const engine = new WSConnection(ConnectionType.CLIENT);
  const events: AnyEvent[] = [];
  const waiters: Array<{ test: (event: AnyEvent) => boolean; resolve: (event: AnyEvent) => void }> = [];
  const deliver = (event: AnyEvent) => {
    events.push(event);
    for (const waiter of [...waiters]) {
      if (waiter.test(event)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(event);
      }
    }
  };
  socket.on("data", (chunk) => {
    if (engine.state === "CLOSED") return;
    engine.receiveData(chunk);
    for (const event of engine.events()) deliver(event);
  });
  socket.on("end", () => {
    if (engine.state === "CLOSED") return;
    engine.receiveData(null);
    for (const event of engine.events()) deliver(event);
  });
  const client: RawClient = {
    socket,
    engine,
    events,
    waitFor(test) {
      const found = events.find(test);
      if (found !== undefined) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        waiters.push({ test, resolve });
        AbortSignal.timeout(DEADLINE).addEventListener("abort", () => reject(new Error("no such event in time")));
      });
    },
  };
  socket.write(engine.send(new Request({ host: `127.0.0.1:${port}`, target, extraHeaders })));
  await client.waitFor((event) => event instanceof AcceptConnection);
  return client;
}

/** A client frame, masked with a zero key (the payload reads as is), FIN set unless told. */
export function maskedFrame(opcode: number, payload: Uint8Array = new Uint8Array(0), fin = true): Uint8Array {
  if (payload.length > 125) throw new Error("maskedFrame builds short frames only");
  const frame = new Uint8Array(6 + payload.length);
  frame[0] = (fin ? 0x80 : 0) | opcode;
  frame[1] = 0x80 | payload.length;
  frame.set(payload, 6);
  return frame;
}

/** A server frame (unmasked), short payloads only. */
export function serverFrame(opcode: number, payload: Uint8Array = new Uint8Array(0), fin = true): Uint8Array {
  if (payload.length > 125) throw new Error("serverFrame builds short frames only");
  const frame = new Uint8Array(2 + payload.length);
  frame[0] = (fin ? 0x80 : 0) | opcode;
  frame[1] = payload.length;
  frame.set(payload, 2);
  return frame;
}

/** Deterministic bytes: `size` of them, varying. */
export function pattern(size: number, seed = 1): Buffer {
  const out = Buffer.alloc(size);
  let x = seed;
  for (let i = 0; i < size; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

/** Splits `data` into pieces of random lengths (1..max) from a seeded generator. */
export function randomSplit(data: Uint8Array, seed: number, max = 7): Uint8Array[] {
  const parts: Uint8Array[] = [];
  let x = seed;
  for (let at = 0; at < data.length; ) {
    x = (x * 1103515245 + 12345) >>> 0;
    const size = 1 + ((x >>> 16) % max);
    parts.push(data.subarray(at, at + size));
    at += size;
  }
  return parts;
}

/**
 * Writes each piece on its own, flushed, with a millisecond between pieces so that the
 * reader mostly sees them apart (TCP may still merge some; the pieces are what is tested).
 */
export async function writeApart(socket: Socket, pieces: readonly Uint8Array[]): Promise<void> {
  for (const piece of pieces) {
    await new Promise<void>((resolve, reject) => socket.write(piece, (error) => (error ? reject(error) : resolve())));
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}
