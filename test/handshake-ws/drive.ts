/**
 * Drives a `WSConnection` through an opening handshake as an application would, and
 * reduces what happened to a summary that `toEqual` can compare across chunkings.
 *
 * The peer is played by bytes: hand-written HTTP, or wstate's own parser reading what the
 * connection wrote.
 */
import { expect } from "vitest";
import {
  AcceptConnection,
  BytesMessage,
  ConnectionState,
  ConnectionType,
  PerMessageDeflate,
  RejectConnection,
  RejectData,
  RemoteProtocolError,
  Request,
  TextMessage,
  WSConnection,
  type AnyEvent,
  type Extension,
  type Headers,
  type WSConnectionOptions,
} from "../../src/index.js";
import { concatBytes } from "../../src/bytes.js";
import { HttpHeadParser, type ResponseHead } from "../../src/handshake/http-head.js";
import { KEY } from "../fixtures/handshake-rows.js";
import { bytes, text } from "../handshake/helpers.js";

/** A `randomFill` that repeats "the sample nonce": a client using it sends {@link KEY}. */
export function sampleNonceFill(buffer: Uint8Array): void {
  const source = bytes("the sample nonce");
  for (let i = 0; i < buffer.length; i++) buffer[i] = source[i % source.length];
}

/** Parses a whole response head (what a server wrote) with wstate's own parser. */
export function parseResponse(wire: Uint8Array): { head: ResponseHead; rest: string } {
  const parsed = HttpHeadParser.response().feed(wire);
  if (parsed.status !== "complete") throw new Error(`not a complete response head: ${text(wire).slice(0, 200)}`);
  return { head: parsed.head, rest: text(parsed.trailing) };
}

/** The value of header `name` (lower-case) in a parsed head, or null. */
export function header(headers: Headers, name: string): string | null {
  const found = headers.filter(([n]) => n === name);
  expect(found.length, `header ${name} appears more than once`).toBeLessThanOrEqual(1);
  return found.length === 0 ? null : found[0][1];
}

/**
 * Events with the pieces a chunking cuts apart put back together: consecutive text or
 * binary chunks of one message become one event, the body chunks of a rejection one
 * `RejectData` (the final empty one stays, as wsproto emits it). What remains does not
 * depend on how the input was split.
 */
export function joinPieces(events: readonly AnyEvent[]): AnyEvent[] {
  const out: AnyEvent[] = [];
  let text: string | null = null;
  let binary: Uint8Array[] | null = null;
  let body: Uint8Array[] | null = null;
  for (const event of events) {
    if (event instanceof TextMessage) {
      text = (text ?? "") + event.data;
      if (event.messageFinished) {
        out.push(new TextMessage({ data: text }));
        text = null;
      }
      continue;
    }
    if (event instanceof BytesMessage) {
      (binary ??= []).push(event.data);
      if (event.messageFinished) {
        out.push(new BytesMessage({ data: concatBytes(binary) }));
        binary = null;
      }
      continue;
    }
    if (event instanceof RejectData && !event.bodyFinished) {
      (body ??= []).push(event.data);
      continue;
    }
    if (body !== null) {
      out.push(new RejectData({ data: concatBytes(body), bodyFinished: false }));
      body = null;
    }
    out.push(event);
  }
  if (text !== null) out.push(new TextMessage({ data: text, messageFinished: false }));
  if (binary !== null) out.push(new BytesMessage({ data: concatBytes(binary), messageFinished: false }));
  if (body !== null) out.push(new RejectData({ data: concatBytes(body), bodyFinished: false }));
  return out;
}

/**
 * The next chunks of the input after a failure, at most 64 of them: enough to see that
 * further input is ignored or refused (I5) without walking a 1 MiB input byte by byte.
 */
function someMore(iterator: Iterator<Uint8Array>): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  for (let next = iterator.next(); !next.done && chunks.length < 64; next = iterator.next()) {
    if (next.value.length > 0) chunks.push(next.value);
  }
  return chunks;
}

/** What a server application saw and did. */
export type ServerOutcome =
  | {
      outcome: "accepted";
      request: Request;
      /** The 101 as written. */
      response: string;
      /** The negotiated `Sec-WebSocket-Extensions` of the 101, or null. */
      extensions: string | null;
      /** Events after the Request (frames the client sent early), pieces joined. */
      events: AnyEvent[];
      state: ConnectionState;
    }
  | {
      outcome: "refused";
      message: string;
      statusCode: number;
      hintHeaders: Headers;
      /** Whether a Request event came before the error (only for bytes held too long). */
      requestSeen: boolean;
      /** The state while the bad request waits for its answer. */
      stateBeforeAnswer: ConnectionState;
      /** The status line and headers `send(eventHint)` wrote, as parsed back. */
      response: ResponseHead;
      state: ConnectionState;
    }
  | { outcome: "failed"; message: string; state: ConnectionState };

/** How a server application is run. */
export interface ServerRun {
  options?: WSConnectionOptions;
  /** Answer the Request as soon as it is seen (default) or after all input was fed. */
  acceptWhen?: "request" | "end";
  /** Feed EOF after the input. */
  eof?: boolean;
  /** The answer to a Request; by default AcceptConnection offering PerMessageDeflate. */
  accept?: () => AcceptConnection;
}

const defaultAccept = (): AcceptConnection => new AcceptConnection({ extensions: [new PerMessageDeflate()] });

/**
 * A server application: feeds the chunks, answers the `Request` with `run.accept()`, or,
 * when `receiveData` throws, checks it is a `RemoteProtocolError` (never anything else:
 * hardening I1), feeds the rest of the input (which must change nothing: I5) and sends
 * the error's `eventHint`.
 */
export function runServer(chunks: Iterable<Uint8Array>, run: ServerRun = {}): ServerOutcome {
  const ws = new WSConnection(ConnectionType.SERVER, run.options);
  const accept = run.accept ?? defaultAccept;
  let request: Request | null = null;
  let response: Uint8Array | null = null;
  const after: AnyEvent[] = [];
  const drain = (): void => {
    for (const event of ws.events()) {
      if (event instanceof Request) {
        expect(request, "a second Request event").toBeNull();
        request = event;
        if (run.acceptWhen !== "end") response = ws.send(accept());
      } else {
        expect(request, `${event.type} before the Request`).not.toBeNull();
        after.push(event);
      }
    }
  };
  const iterator = chunks[Symbol.iterator]();
  try {
    for (let next = iterator.next(); !next.done; next = iterator.next()) {
      ws.receiveData(next.value);
      drain();
    }
    if (run.eof === true) {
      ws.receiveData(null);
      drain();
    }
  } catch (error) {
    if (!(error instanceof RemoteProtocolError)) throw error;
    // A Request the failing call had queued (the head was fine, the bytes after it were
    // not) still comes out; anything else must not.
    for (const event of ws.events()) {
      expect(event, "events queued by the failing call").toBeInstanceOf(Request);
      expect(request, "a second Request event").toBeNull();
      request = event as Request;
    }
    const stateBeforeAnswer = ws.state;
    for (const chunk of someMore(iterator)) {
      ws.receiveData(chunk);
      expect([...ws.events()], "events after the failure").toEqual([]);
      expect(ws.state).toBe(stateBeforeAnswer);
    }
    const hint = error.eventHint;
    if (hint === null) return { outcome: "failed", message: error.message, state: ws.state };
    expect(hint).toBeInstanceOf(RejectConnection);
    const reject = hint as RejectConnection;
    const { head } = parseResponse(ws.send(reject));
    return {
      outcome: "refused",
      message: error.message,
      statusCode: reject.statusCode,
      hintHeaders: reject.headers,
      requestSeen: request !== null,
      stateBeforeAnswer,
      response: head,
      state: ws.state,
    };
  }
  if (request === null) throw new Error("the input made no Request and no error");
  if (run.acceptWhen === "end") {
    response = ws.send(accept());
    drain();
  }
  const { head } = parseResponse(response!);
  return {
    outcome: "accepted",
    request,
    response: text(response!),
    extensions: header(head.headers, "sec-websocket-extensions"),
    events: joinPieces(after),
    state: ws.state,
  };
}

/** What a client application saw. */
export type ClientOutcome =
  | { outcome: "accepted"; accept: AcceptConnection; events: AnyEvent[]; state: ConnectionState }
  | { outcome: "rejected"; events: AnyEvent[]; state: ConnectionState }
  | { outcome: "failed"; message: string; events: AnyEvent[]; state: ConnectionState };

/** How a client application is run. */
export interface ClientRun {
  subprotocols?: readonly string[];
  /** Fresh extension objects for each run (finalize mutates them); default PerMessageDeflate. */
  extensions?: () => Extension[];
}

/**
 * A client application: sends `Request` (key {@link KEY}), feeds the chunks and, while a
 * rejection body is still open, EOF. A `receiveData` that throws must throw a
 * `RemoteProtocolError` leaving the state CLOSED (I1); the events queued before it are
 * still collected; more input is then refused with a typed "closed" error and makes no
 * event (I5).
 */
export function runClient(chunks: Iterable<Uint8Array>, run: ClientRun = {}): ClientOutcome {
  const ws = new WSConnection(ConnectionType.CLIENT, { randomFill: sampleNonceFill });
  const sent = ws.send(
    new Request({
      host: "example.com",
      target: "/chat",
      subprotocols: run.subprotocols,
      extensions: run.extensions?.() ?? [new PerMessageDeflate()],
    }),
  );
  expect(text(sent)).toContain(`\r\nSec-WebSocket-Key: ${KEY}\r\n`);
  const events: AnyEvent[] = [];
  const iterator = chunks[Symbol.iterator]();
  try {
    for (let next = iterator.next(); !next.done; next = iterator.next()) {
      ws.receiveData(next.value);
      events.push(...ws.events());
    }
    if (ws.state === ConnectionState.REJECTING) {
      ws.receiveData(null);
      events.push(...ws.events());
    }
  } catch (error) {
    if (!(error instanceof RemoteProtocolError)) throw error;
    expect(error.eventHint).toBeInstanceOf(RejectConnection);
    expect(ws.state).toBe(ConnectionState.CLOSED);
    // Events the failing call had queued before it threw (a rejection's head) still come out.
    events.push(...ws.events());
    for (const chunk of someMore(iterator)) {
      ws.receiveData(chunk); // ignored after a failed handshake, as in wsproto
      expect([...ws.events()], "events after the failure").toEqual([]);
    }
    ws.receiveData(null);
    expect([...ws.events()], "events after the failure").toEqual([]);
    expect(ws.state).toBe(ConnectionState.CLOSED);
    return { outcome: "failed", message: error.message, events: joinPieces(events), state: ws.state };
  }
  const [first] = events;
  if (first instanceof AcceptConnection) {
    return { outcome: "accepted", accept: first, events: joinPieces(events.slice(1)), state: ws.state };
  }
  expect(first, "no outcome").toBeInstanceOf(RejectConnection);
  return { outcome: "rejected", events: joinPieces(events), state: ws.state };
}

/** The `RemoteProtocolError` `act` throws (failing the test when it throws nothing or something else). */
export function remoteError(act: () => unknown): RemoteProtocolError {
  try {
    act();
  } catch (error) {
    expect(error).toBeInstanceOf(RemoteProtocolError);
    return error as RemoteProtocolError;
  }
  throw new Error("expected a RemoteProtocolError, nothing was thrown");
}

/** Feeds `chunks` and returns every event (pieces joined). */
export function feedAll(ws: WSConnection, chunks: Iterable<Uint8Array>): AnyEvent[] {
  const events: AnyEvent[] = [];
  for (const chunk of chunks) {
    ws.receiveData(chunk);
    events.push(...ws.events());
  }
  return joinPieces(events);
}

export { bytes, text };
