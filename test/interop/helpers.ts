/**
 * Drives wstate over real loopback TCP (`node:net`) for the interop tests, without the
 * Node adapter: the loop of DESIGN.md written out. Socket data goes to `receiveData`, the
 * events that come out are logged, queued for the test and (optionally) answered, and
 * what `send` returns is written to the socket; EOF is `receiveData(null)`.
 *
 * Also: an awaitable queue, a view of a `ws` socket as such a queue, payload generators,
 * a byte-exact comparison that stays readable for 16 MiB, a registry that closes
 * everything a test opened, and the check every test ends with (`expectNoErrors`).
 */
import { concatBytes } from "../../src/bytes.js";
import net from "node:net";
import type { AddressInfo } from "node:net";
import type { Duplex } from "node:stream";
import { afterEach, expect } from "vitest";
import type { RawData, WebSocket } from "ws";
import {
  AcceptConnection,
  BytesMessage,
  CloseConnection,
  ConnectionState,
  ConnectionType,
  RemoteProtocolError,
  Request,
  TextMessage,
  WSConnection,
  type AnyEvent,
  type Event,
  type RequestInit,
  type WSConnectionOptions,
} from "../../src/index.js";

export const LOOPBACK = "127.0.0.1";
export const MiB = 1024 * 1024;

// ---------------------------------------------------------------------------------------
// Cleanup

/** Teardown steps registered while a test runs; `run()` (in `afterEach`) undoes them all. */
export class Resources {
  #steps: Array<() => unknown> = [];

  add(step: () => unknown): void {
    this.#steps.push(step);
  }

  async run(): Promise<void> {
    const steps = this.#steps.reverse();
    this.#steps = [];
    const failures: unknown[] = [];
    for (const step of steps) {
      try {
        await step();
      } catch (error) {
        failures.push(error);
      }
    }
    if (failures.length > 0) throw new AggregateError(failures, "teardown failed");
  }
}

/** A test file's registry: what each test opens is closed after it. */
export function useResources(): Resources {
  const resources = new Resources();
  afterEach(() => resources.run());
  return resources;
}

// ---------------------------------------------------------------------------------------
// An awaitable queue

/**
 * Items in arrival order; `next(predicate)` takes the first matching one, waiting for it
 * if needed. Unmatched items stay for later takers. Once ended, a taker that finds
 * nothing is rejected with the reason (never left hanging).
 */
export class AsyncQueue<T> {
  readonly #items: T[] = [];
  readonly #takers: Array<{ match: (item: T) => boolean; resolve: (item: T) => void; reject: (error: Error) => void }> = [];
  #ended: Error | null = null;
  readonly #describe: (item: T) => string;

  constructor(describe: (item: T) => string) {
    this.#describe = describe;
  }

  push(item: T): void {
    const index = this.#takers.findIndex((taker) => taker.match(item));
    if (index >= 0) this.#takers.splice(index, 1)[0].resolve(item);
    else this.#items.push(item);
  }

  /** No more items will come: pending and later takers without a match fail with `reason`. */
  end(reason: string): void {
    if (this.#ended !== null) return;
    this.#ended = new Error(reason);
    for (const taker of this.#takers.splice(0)) taker.reject(this.#failure());
  }

  next(match: (item: T) => boolean = () => true): Promise<T> {
    const index = this.#items.findIndex(match);
    if (index >= 0) return Promise.resolve(this.#items.splice(index, 1)[0]);
    if (this.#ended !== null) return Promise.reject(this.#failure());
    return new Promise((resolve, reject) => this.#takers.push({ match, resolve, reject }));
  }

  /** Items not taken yet. */
  get pending(): readonly T[] {
    return this.#items;
  }

  #failure(): Error {
    const left = this.#items.map(this.#describe).join(", ") || "none";
    return new Error(`${this.#ended!.message}; untaken items: ${left}`);
  }
}

// ---------------------------------------------------------------------------------------
// Feeding strategies

/** How one socket read is handed to `receiveData`: whole, one byte at a time, or cut at random. */
export type Feed = "whole" | "bytewise" | "random";

/** A small deterministic PRNG (xorshift32), so a failing split can be replayed. */
export function prng(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 2 ** 32;
  };
}

function* pieces(chunk: Uint8Array, feed: Feed, random: () => number): Generator<Uint8Array> {
  if (feed === "whole" || chunk.length <= 1) {
    yield chunk;
  } else if (feed === "bytewise") {
    for (let i = 0; i < chunk.length; i++) yield chunk.subarray(i, i + 1);
  } else {
    const cuts = Array.from({ length: Math.floor(random() * 8) }, () => Math.floor(random() * chunk.length));
    cuts.sort((a, b) => a - b);
    let from = 0;
    for (const cut of cuts) {
      if (cut > from) yield chunk.subarray(from, cut);
      from = Math.max(from, cut);
    }
    yield chunk.subarray(from);
  }
}

// ---------------------------------------------------------------------------------------
// A wstate endpoint on a socket

/** How an endpoint behaves. */
export interface EndpointOptions {
  /** Options of the `WSConnection` (limits…). */
  connection?: WSConnectionOptions;
  /** How each socket read is handed to `receiveData`. Default `"random"`. */
  feed?: Feed;
  /** Seed of the random splits. */
  seed?: number;
  /** Send every received data chunk straight back (fragment for fragment). Pings and Closes are always answered. */
  echo?: boolean;
  /** Server: the events to send in answer to the `Request` (default: a plain accept). */
  onRequest?: RequestHandler;
}

/** A whole received message. */
export type ReceivedMessage = { kind: "text"; data: string } | { kind: "binary"; data: Uint8Array };

function describeEvent(event: AnyEvent): string {
  switch (event.type) {
    case "TextMessage":
    case "BytesMessage":
      return `${event.type}(${event.data.length}${event.messageFinished ? "" : ", more"})`;
    case "CloseConnection":
      return `CloseConnection(${event.code}, ${JSON.stringify(event.reason)})`;
    case "RejectConnection":
      return `RejectConnection(${event.statusCode})`;
    default:
      return event.type;
  }
}

/** What an endpoint drives: a `WSConnection`, or a bare `Connection` (RFC 8441 over HTTP/2). */
export interface Engine {
  readonly client: boolean;
  readonly state: ConnectionState;
  receiveData(data: Uint8Array | null): void;
  events(): IterableIterator<AnyEvent>;
  send(event: Event): Uint8Array;
}

/**
 * One wstate engine on one byte stream (a TCP socket, an HTTP/2 stream). Every event
 * received is appended to `received` (the full log) and to a queue the test takes from
 * with `next`.
 */
export class WstateEndpoint<S extends Duplex = net.Socket> {
  readonly ws: Engine;
  readonly socket: S;
  /** Every event received, in order. */
  readonly received: AnyEvent[] = [];
  /** `RemoteProtocolError`s thrown by `receiveData` (a handshake the peer broke). */
  readonly handshakeErrors: RemoteProtocolError[] = [];
  /** Anything else that escaped wstate: always a bug. */
  readonly unexpectedErrors: unknown[] = [];
  /** Socket errors (a peer's reset). */
  readonly socketErrors: Error[] = [];
  /** The handshake bytes this side sent (request head, or response head and body). */
  readonly handshakeSent: Uint8Array[] = [];
  /** Settles when the socket is fully closed. */
  readonly socketClosed: Promise<void>;
  readonly #queue = new AsyncQueue<AnyEvent>(describeEvent);
  readonly #options: EndpointOptions;
  readonly #random: () => number;
  #eofFed = false;
  #draining = false;

  constructor(socket: S, ws: Engine, options: EndpointOptions = {}) {
    this.socket = socket;
    this.ws = ws;
    this.#options = options;
    this.#random = prng(options.seed ?? 0x5eed);
    socket.on("data", (chunk: Buffer) => this.#onData(chunk));
    socket.on("end", () => this.#onEnd());
    socket.on("error", (error: Error) => this.socketErrors.push(error));
    this.socketClosed = new Promise((resolve) =>
      socket.once("close", () => {
        // A transport torn down without an orderly end (a reset) is an EOF too.
        this.#onEnd();
        this.#queue.end(`the socket closed (state ${this.ws.state})`);
        resolve();
      }),
    );
  }

  /** The next received event matching `match` (by default any). */
  next(match?: (event: AnyEvent) => boolean): Promise<AnyEvent> {
    return this.#queue.next(match);
  }

  /** The next received event of a type. */
  async nextOf<T extends AnyEvent["type"]>(type: T): Promise<Extract<AnyEvent, { type: T }>> {
    return (await this.#queue.next((event) => event.type === type)) as Extract<AnyEvent, { type: T }>;
  }

  /** The next whole message, its chunks joined; other events stay queued. */
  async nextMessage(): Promise<ReceivedMessage> {
    const isData = (event: AnyEvent): boolean => event.type === "TextMessage" || event.type === "BytesMessage";
    const chunks: Array<TextMessage | BytesMessage> = [];
    for (;;) {
      const chunk = (await this.#queue.next(isData)) as TextMessage | BytesMessage;
      chunks.push(chunk);
      if (chunk.messageFinished) break;
    }
    if (chunks.some((chunk) => chunk.type !== chunks[0].type)) {
      throw new Error(`a message mixed text and binary chunks: ${chunks.map(describeEvent).join(", ")}`);
    }
    if (chunks[0].type === "TextMessage") return { kind: "text", data: chunks.map((c) => c.data as string).join("") };
    return { kind: "binary", data: concatBytes(chunks.map((c) => c.data as Uint8Array)) };
  }

  /** Sends an event: its bytes go to the socket, which is ended once the state is CLOSED. */
  send(event: Event): void {
    const bytes = this.ws.send(event);
    const type = (event as AnyEvent).type;
    if (type === "Request" || type === "AcceptConnection" || type === "RejectConnection" || type === "RejectData") {
      this.handshakeSent.push(bytes);
    }
    if (this.socket.writable) this.socket.write(bytes);
    if (this.ws.state === ConnectionState.CLOSED) this.socket.end();
    // Sending can make events ready without new input (an accept opens the connection on
    // frames that came with the request): take them now, as the loop would.
    if (!this.#draining) this.#receive(undefined);
  }

  /** Drops the connection without a closing handshake. */
  abort(): void {
    this.socket.destroy();
  }

  /** Sent handshake head's header values, lower-case name → values (in order). */
  sentHeaders(name: string): string[] {
    const head = new TextDecoder("latin1").decode(concatBytes(this.handshakeSent));
    const end = head.indexOf("\r\n\r\n");
    const lines = head.slice(0, end < 0 ? head.length : end).split("\r\n").slice(1);
    return lines
      .map((line) => [line.slice(0, line.indexOf(":")).toLowerCase(), line.slice(line.indexOf(":") + 1).trim()] as const)
      .filter(([key]) => key === name.toLowerCase())
      .map(([, value]) => value);
  }

  #onData(chunk: Buffer): void {
    for (const piece of pieces(chunk, this.#options.feed ?? "random", this.#random)) {
      // Bytes after the end are the peer's business: a CLOSED connection refuses them.
      if (this.ws.state === ConnectionState.CLOSED) return;
      if (!this.#receive(piece)) return;
    }
  }

  #onEnd(): void {
    if (this.#eofFed) return;
    this.#eofFed = true;
    this.#receive(null);
  }

  /**
   * Feeds wstate (nothing when `data` is undefined) and handles what comes out; false
   * when the connection is given up.
   */
  #receive(data: Uint8Array | null | undefined): boolean {
    this.#draining = true;
    try {
      if (data !== undefined) this.ws.receiveData(data);
      for (const event of this.ws.events()) {
        this.received.push(event);
        this.#queue.push(event);
        this.#react(event);
      }
      return true;
    } catch (error) {
      if (error instanceof RemoteProtocolError) {
        this.handshakeErrors.push(error);
        // A server answers a bad request with the HTTP error response wstate suggests.
        if (!this.ws.client && error.eventHint !== null && error.eventHint !== undefined) {
          try {
            this.send(error.eventHint);
          } catch (sendError) {
            this.unexpectedErrors.push(sendError);
          }
        }
      } else {
        this.unexpectedErrors.push(error);
      }
      this.socket.end();
      return false;
    } finally {
      this.#draining = false;
    }
  }

  /** The automatic part of the loop: echo, Pong, Close reply. */
  #react(event: AnyEvent): void {
    const state = this.ws.state;
    switch (event.type) {
      case "Request":
        for (const answer of (this.#options.onRequest ?? (() => [new AcceptConnection()]))(event, this)) this.send(answer);
        break;
      case "TextMessage":
        if (this.#options.echo === true && state === ConnectionState.OPEN) {
          this.send(new TextMessage({ data: event.data, messageFinished: event.messageFinished }));
        }
        break;
      case "BytesMessage":
        if (this.#options.echo === true && state === ConnectionState.OPEN) {
          this.send(new BytesMessage({ data: event.data, messageFinished: event.messageFinished }));
        }
        break;
      case "Ping":
        if (state === ConnectionState.OPEN || state === ConnectionState.LOCAL_CLOSING) {
          this.send(event.response());
        }
        break;
      case "CloseConnection":
        if (state === ConnectionState.REMOTE_CLOSING) {
          this.send(event.response());
        } else if (state === ConnectionState.CLOSED) {
          this.socket.end();
        }
        break;
    }
  }
}

/** What every endpoint must show after a test: no exception escaped wstate, no handshake error. */
export function expectNoErrors(...endpoints: Array<WstateEndpoint<Duplex>>): void {
  for (const endpoint of endpoints) {
    expect(endpoint.unexpectedErrors).toEqual([]);
    expect(endpoint.handshakeErrors).toEqual([]);
  }
}

// ---------------------------------------------------------------------------------------
// wstate server and client over node:net

/** What a server does with a request: the events to send (an accept, or a rejection). */
export type RequestHandler = (request: Request, endpoint: WstateEndpoint<Duplex>) => Event[];

export type WstateServerOptions = EndpointOptions;

export interface WstateServer {
  readonly port: number;
  /** `ws://127.0.0.1:port` */
  readonly url: string;
  /** The endpoints of connections accepted so far, in order. */
  readonly endpoints: WstateEndpoint[];
  /** The next connection's endpoint (already wired, before its handshake). */
  nextEndpoint(): Promise<WstateEndpoint>;
  close(): Promise<void>;
}

/**
 * A wstate server on 127.0.0.1 (random port): each socket gets a server `WSConnection`
 * that echoes (unless `echo: false`) and answers Pings and Closes.
 */
export async function listenWstate(resources: Resources, options: WstateServerOptions = {}): Promise<WstateServer> {
  const endpoints: WstateEndpoint[] = [];
  const arrivals = new AsyncQueue<WstateEndpoint>(() => "endpoint");
  const server = net.createServer((socket) => {
    const ws = new WSConnection(ConnectionType.SERVER, options.connection);
    const endpoint = new WstateEndpoint(socket, ws, { echo: true, ...options, seed: (options.seed ?? 1) + endpoints.length });
    endpoints.push(endpoint);
    arrivals.push(endpoint);
  });
  await new Promise<void>((resolve) => server.listen(0, LOOPBACK, resolve));
  const port = (server.address() as AddressInfo).port;
  const close = async (): Promise<void> => {
    for (const endpoint of endpoints) endpoint.socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  resources.add(close);
  return { port, url: `ws://${LOOPBACK}:${port}`, endpoints, nextEndpoint: () => arrivals.next(), close };
}

/** Connects a wstate client to 127.0.0.1:port and sends its `Request` (not awaiting the answer). */
export async function connectWstate(
  resources: Resources,
  port: number,
  request: Partial<RequestInit> = {},
  options: EndpointOptions = {},
): Promise<WstateEndpoint> {
  const socket = net.connect(port, LOOPBACK);
  resources.add(() => socket.destroy());
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", resolve);
    socket.once("error", reject);
  });
  const endpoint = new WstateEndpoint(socket, new WSConnection(ConnectionType.CLIENT, options.connection), options);
  endpoint.send(new Request({ host: `${LOOPBACK}:${port}`, target: "/", ...request }));
  return endpoint;
}

/** Connects and waits for the `AcceptConnection`. */
export async function openWstate(
  resources: Resources,
  port: number,
  request: Partial<RequestInit> = {},
  options: EndpointOptions = {},
): Promise<{ endpoint: WstateEndpoint; accept: AcceptConnection }> {
  const endpoint = await connectWstate(resources, port, request, options);
  const first = await endpoint.next();
  if (!(first instanceof AcceptConnection)) throw new Error(`expected AcceptConnection, got ${describeEvent(first)}`);
  return { endpoint, accept: first };
}

/** Sends a Close and waits until the connection is CLOSED and the socket gone. */
export async function closeCleanly(endpoint: WstateEndpoint, code = 1000, reason = ""): Promise<AnyEvent> {
  endpoint.send(new CloseConnection({ code, reason }));
  const reply = await endpoint.nextOf("CloseConnection");
  await endpoint.socketClosed;
  return reply;
}

// ---------------------------------------------------------------------------------------
// A ws socket as a queue

export type WsItem =
  | { kind: "message"; data: Buffer; isBinary: boolean }
  | { kind: "ping"; data: Buffer }
  | { kind: "pong"; data: Buffer };

/** What a `ws` socket received, taken in order; `closed` settles with its close code and reason. */
export interface WsInbox {
  next(kind: WsItem["kind"]): Promise<WsItem>;
  nextMessage(): Promise<{ data: Buffer; isBinary: boolean }>;
  readonly closed: Promise<{ code: number; reason: string }>;
  /** Errors ws reported (it emits one before closing on a protocol error). */
  readonly errors: Error[];
}

function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}

export function wsInbox(socket: WebSocket): WsInbox {
  const queue = new AsyncQueue<WsItem>((item) => `${item.kind}(${item.data.length})`);
  const errors: Error[] = [];
  socket.on("message", (data, isBinary) => queue.push({ kind: "message", data: toBuffer(data), isBinary }));
  socket.on("ping", (data) => queue.push({ kind: "ping", data }));
  socket.on("pong", (data) => queue.push({ kind: "pong", data }));
  socket.on("error", (error) => errors.push(error));
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    socket.once("close", (code, reason) => {
      queue.end(`the ws socket closed with ${code}`);
      resolve({ code, reason: reason.toString("utf8") });
    }),
  );
  return {
    next: (kind) => queue.next((item) => item.kind === kind),
    nextMessage: async () => {
      const item = (await queue.next((i) => i.kind === "message")) as Extract<WsItem, { kind: "message" }>;
      return { data: item.data, isBinary: item.isBinary };
    },
    closed,
    errors,
  };
}

// ---------------------------------------------------------------------------------------
// Payloads and comparison

export { concatBytes };

/** Deterministic incompressible bytes. */
export function randomBytes(size: number, seed = 7): Uint8Array {
  const out = new Uint8Array(size);
  const words = new Uint32Array(out.buffer, 0, size >>> 2);
  let state = seed >>> 0 || 1;
  for (let i = 0; i < words.length; i++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    words[i] = state;
  }
  for (let i = words.length * 4; i < size; i++) out[i] = (state >>> (8 * (i & 3))) & 0xff;
  return out;
}

/** Deterministic, very compressible bytes (numbered log lines). */
export function compressibleBytes(size: number): Uint8Array {
  const out = new Uint8Array(size);
  const encoder = new TextEncoder();
  let at = 0;
  for (let line = 0; at < size; line++) {
    const text = encoder.encode(`${line} GET /api/items?page=${line % 97} 200 OK\n`);
    const take = Math.min(text.length, size - at);
    out.set(text.subarray(0, take), at);
    at += take;
  }
  return out;
}

/** Text with multi-byte characters (so UTF-8 sequences straddle frame and read cuts). */
export function unicodeText(length: number): string {
  const alphabet = "aé€😀ß中\u0000z";
  const out = alphabet.repeat(Math.ceil(length / alphabet.length)).slice(0, length);
  // Do not end on half of a surrogate pair: that is not a string UTF-8 can carry.
  const last = out.charCodeAt(length - 1);
  return last >= 0xd800 && last <= 0xdbff ? out.slice(0, -1) + "x" : out;
}

/**
 * Byte-exact equality with a short failure message (vitest's own diff of a 16 MiB array
 * would be unreadable and slow).
 */
export function firstDifference(actual: Uint8Array, expected: Uint8Array): string | null {
  if (actual.length !== expected.length) return `length ${actual.length}, expected ${expected.length}`;
  const a = Buffer.from(actual.buffer, actual.byteOffset, actual.length);
  const b = Buffer.from(expected.buffer, expected.byteOffset, expected.length);
  if (a.equals(b)) return null;
  let i = 0;
  while (a[i] === b[i]) i++;
  return `first difference at byte ${i}: ${a[i]} instead of ${b[i]}`;
}
