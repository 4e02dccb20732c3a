/**
 * Hardening §5.1 (server) and §5.2 (client) through `WSConnection`: every row of
 * test/fixtures/handshake-rows.ts fed whole, byte by byte and in random splits gives the
 * same typed outcome (I1, I4, I5).
 *
 * A server row ends in a `Request` answered by `send(AcceptConnection)` (101, and the
 * frames the client sent early: DESIGN deviation 1), or in a `RemoteProtocolError` whose
 * `eventHint` `send` turns into that HTTP status, leaving the state CLOSED. A client row
 * ends OPEN (`AcceptConnection`), with a `RejectConnection` (+ `RejectData`), or in a
 * `RemoteProtocolError` with the state CLOSED.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  AcceptConnection,
  CloseConnection,
  ConnectionState,
  LocalProtocolError,
  ConnectionType,
  PerMessageDeflate,
  RejectConnection,
  RejectData,
  Request,
  WSConnection,
  type AnyEvent,
} from "../../src/index.js";
import {
  ACCEPT,
  BASE,
  CLIENT_ROWS,
  FRAME_HI,
  OK_101,
  SERVER_ROWS,
  prototypeUntouched,
  type ClientRow,
  type Rejection,
  type ServerRow,
} from "../fixtures/handshake-rows.js";
import { chunkings, splitAt } from "../handshake/helpers.js";
import {
  bytes,
  feedAll,
  header,
  parseResponse,
  remoteError,
  runClient,
  runServer,
  sampleNonceFill,
  type ClientOutcome,
  type ClientRun,
  type ServerOutcome,
  type ServerRun,
} from "./drive.js";

/** How a server application runs a row. */
const serverRun = (row: ServerRow): ServerRun => ({ options: row.options, eof: row.eof });

function checkServerRow(row: ServerRow, outcome: ServerOutcome, how: string): void {
  if (row.status === 101) {
    if (outcome.outcome !== "accepted") return expect.fail(`${how}: ${outcome.outcome} ${outcome.message}`);
    expect(outcome.response, how).toMatch(/^HTTP\/1\.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n/);
    expect(outcome.response, how).toContain(`\r\nSec-WebSocket-Accept: ${ACCEPT}\r\n`);
    expect(outcome.extensions, how).toBe(row.extensions ?? null);
    expect(outcome.request, how).toMatchObject(row.request ?? {});
    expect(outcome.events, how).toEqual(row.events ?? []);
    expect(outcome.state, how).toBe(row.state ?? ConnectionState.OPEN);
    return;
  }
  if (outcome.outcome === "accepted") return expect.fail(`${how}: accepted`);
  expect(outcome.message, how).toContain(row.why);
  if (row.status === "no answer") {
    expect(outcome.outcome, how).toBe("failed");
    expect(outcome.state, how).toBe(ConnectionState.CLOSED);
    return;
  }
  if (outcome.outcome !== "refused") return expect.fail(`${how}: ${outcome.outcome} ${outcome.message}`);
  expect(outcome.statusCode, `${how}: ${outcome.message}`).toBe(row.status);
  expect(outcome.hintHeaders, how).toEqual(row.hintHeaders ?? []);
  expect(outcome.requestSeen, how).toBe(false);
  expect(outcome.stateBeforeAnswer, how).toBe(ConnectionState.CONNECTING);
  expect(outcome.response.statusCode, how).toBe(row.status);
  expect(outcome.response.httpVersion, how).toBe("1.1");
  for (const [name, value] of outcome.hintHeaders) expect(outcome.response.headers, how).toContainEqual([name.toLowerCase(), value]);
  expect(header(outcome.response.headers, "content-length"), how).toBe("0");
  expect(outcome.state, how).toBe(ConnectionState.CLOSED);
}

describe("hardening §5.1 through WSConnection (server)", () => {
  it.each(SERVER_ROWS.map((row) => [row.id, row] as const))("%s", (_id, row) => {
    let first: ServerOutcome | undefined;
    for (const [how, chunks] of chunkings(bytes(row.input))) {
      const outcome = runServer(chunks, serverRun(row));
      checkServerRow(row, outcome, how);
      // Every chunking gives the same outcome, message and events (I4).
      if (first === undefined) first = outcome;
      else expect(outcome, how).toEqual(first);
    }
    if (row.status === 101) {
      // Accepting only after every byte arrived: the early bytes were held, not lost.
      const late = runServer([bytes(row.input)], { ...serverRun(row), acceptWhen: "end" });
      checkServerRow(row, late, "accepted at the end");
      expect(late).toEqual(first);
    }
    expect(prototypeUntouched()).toBe(true);
  });

  it("H56: 'hi' comes after the accept, however the client's bytes were split", () => {
    const input = bytes(BASE + FRAME_HI);
    for (const [how, chunks] of chunkings(input)) {
      const ws = new WSConnection(ConnectionType.SERVER);
      const seen: string[] = [];
      for (const chunk of chunks) {
        ws.receiveData(chunk);
        for (const event of ws.events()) {
          seen.push(event.type);
          if (event instanceof Request) ws.send(new AcceptConnection());
          else expect(ws.state, how).toBe(ConnectionState.OPEN);
        }
      }
      expect(seen[0], how).toBe("Request");
      expect(seen.slice(1).every((t) => t === "TextMessage"), how).toBe(true);
    }
  });

  it("H57: the pipelined request fails the connection with 1002, the reply closes it", () => {
    const ws = new WSConnection(ConnectionType.SERVER);
    ws.receiveData(bytes(BASE + BASE));
    expect([...ws.events()].map((e) => e.type)).toEqual(["Request"]);
    ws.send(new AcceptConnection());
    const [close] = [...ws.events()] as CloseConnection[];
    expect(close).toBeInstanceOf(CloseConnection);
    expect(close.code).toBe(1002);
    expect(ws.state).toBe(ConnectionState.REMOTE_CLOSING);
    // DESIGN deviation 2: after the failure, input is ignored (wsproto parses on with a dead parser).
    ws.receiveData(bytes(BASE));
    expect([...ws.events()]).toEqual([]);
    const reply = ws.send(close.response());
    expect([reply[0], reply[1] & 0x7f, (reply[2] << 8) | reply[3]]).toEqual([0x88, reply.length - 2, 1002]);
    expect(ws.state).toBe(ConnectionState.CLOSED);
    expect(() => ws.receiveData(bytes(BASE))).toThrow(LocalProtocolError);
  });

  it("refuses to hold more than maxHandshakeSize bytes sent before the answer (400), however split", () => {
    for (const [how, chunks] of chunkings(bytes(BASE + "x".repeat(300)))) {
      const outcome = runServer(chunks, { acceptWhen: "end", options: { maxHandshakeSize: 256 } });
      expect(outcome, how).toMatchObject({ outcome: "refused", statusCode: 400, requestSeen: true, state: ConnectionState.CLOSED });
    }
  });

  it("refuses to hold more than maxHandshakeSize bytes arriving after the request's chunk (400)", () => {
    const outcome = runServer([bytes(BASE), bytes("x".repeat(200)), bytes("x".repeat(100))], {
      acceptWhen: "end",
      options: { maxHandshakeSize: 256 },
    });
    expect(outcome).toMatchObject({ outcome: "refused", statusCode: 400, requestSeen: true, state: ConnectionState.CLOSED });
    expect(outcome.outcome === "refused" && outcome.message).toBe(
      "The client sent 300 bytes after its request, before the handshake was answered (at most 256 are held)",
    );
  });
});

describe("the server's bytes-held limit and the handshake limits at their boundary", () => {
  it("after refusing to hold more bytes, only the hint may be sent", () => {
    const ws = new WSConnection(ConnectionType.SERVER, { maxHandshakeSize: 256 });
    ws.receiveData(bytes(BASE + FRAME_HI));
    expect([...ws.events()].map((e) => e.type)).toEqual(["Request"]);
    const error = remoteError(() => ws.receiveData(bytes("x".repeat(300))));
    expect(() => ws.send(new AcceptConnection())).toThrow(LocalProtocolError);
    expect(parseResponse(ws.send(error.eventHint!)).head.statusCode).toBe(400);
    expect(ws.state).toBe(ConnectionState.CLOSED);
  });

  it.each([
    ["maxHandshakeSize", BASE.length, 101],
    ["maxHandshakeSize", BASE.length - 1, 431],
    ["maxHeaders", 5, 101],
    ["maxHeaders", 4, 431],
  ] as const)("server with %s %i: %i, in every chunking", (option, value, status) => {
    for (const [how, chunks] of chunkings(bytes(BASE))) {
      const outcome = runServer(chunks, { options: { [option]: value } });
      expect(outcome.outcome === "accepted" ? 101 : outcome.outcome === "refused" && outcome.statusCode, how).toBe(status);
    }
  });

  it.each([
    [OK_101.length, "accepted"],
    [OK_101.length - 1, "failed"],
  ] as const)("client with maxHandshakeSize %i: %s, in every chunking", (maxHandshakeSize, expected) => {
    for (const [how, chunks] of chunkings(bytes(OK_101))) {
      const ws = new WSConnection(ConnectionType.CLIENT, { maxHandshakeSize, randomFill: sampleNonceFill });
      ws.send(new Request({ host: "example.com", target: "/" }));
      if (expected === "accepted") {
        expect(feedAll(ws, chunks), how).toEqual([new AcceptConnection()]);
      } else {
        expect(remoteError(() => feedAll(ws, chunks)).message, how).toMatch(/larger than maxHandshakeSize/);
        expect(ws.state).toBe(ConnectionState.CLOSED);
      }
    }
  });
});


/** How a client application runs a row. */
const clientRun = (row: ClientRow): ClientRun => ({ subprotocols: row.subprotocols });

/** A rejection's events: its head, its body in one piece and, once read to its end, the final empty piece. */
function rejectionEvents({ statusCode, headers, hasBody, body }: Rejection): AnyEvent[] {
  const events: AnyEvent[] = [new RejectConnection({ statusCode, headers, hasBody })];
  if (body) events.push(new RejectData({ data: bytes(body), bodyFinished: false }));
  if (body !== undefined && hasBody) events.push(new RejectData({ data: new Uint8Array(0), bodyFinished: true }));
  return events;
}

/** The outcome in a form `toEqual` compares across runs (extension objects by name and parameters). */
function comparable(outcome: ClientOutcome): unknown {
  if (outcome.outcome !== "accepted") return outcome;
  const { accept, ...rest } = outcome;
  return {
    ...rest,
    subprotocol: accept.subprotocol,
    extraHeaders: accept.extraHeaders,
    extensions: accept.extensions.map((e) => ({ name: e.name, params: e instanceof PerMessageDeflate ? e.params : null })),
  };
}

function checkClientRow(row: ClientRow, outcome: ClientOutcome, how: string): void {
  expect(outcome.outcome, `${how}: ${"message" in outcome ? outcome.message : ""}`).toBe(row.outcome);
  switch (outcome.outcome) {
    case "accepted":
      expect(comparable(outcome), how).toMatchObject({
        subprotocol: null,
        extraHeaders: row.extraHeaders ?? [],
        extensions: row.extensions ?? [],
      });
      expect(outcome.events, how).toEqual(row.events ?? []);
      expect(outcome.state, how).toBe(row.state ?? ConnectionState.OPEN);
      break;
    case "rejected":
      expect(outcome.events, how).toEqual(rejectionEvents(row.rejection!));
      expect(outcome.state, how).toBe(ConnectionState.CLOSED);
      break;
    case "failed":
      expect(outcome.events, how).toEqual(row.rejection === undefined ? [] : rejectionEvents(row.rejection));
      expect(outcome.state, how).toBe(ConnectionState.CLOSED);
      expect(outcome.message, how).toContain(row.why);
      break;
  }
}

describe("hardening §5.2 through WSConnection (client)", () => {
  it.each(CLIENT_ROWS.map((row) => [row.id, row] as const))("%s", (_id, row) => {
    let first: unknown;
    for (const [how, chunks] of chunkings(bytes(row.input))) {
      const outcome = runClient(chunks, clientRun(row));
      checkClientRow(row, outcome, how);
      if (first === undefined) first = comparable(outcome);
      else expect(comparable(outcome), how).toEqual(first);
    }
  });
});

describe("random splits of every row (fast-check)", () => {
  const small = <R extends { input: string }>(rows: readonly R[]) => rows.filter((row) => row.input.length <= 4096);
  /** Cut points strictly inside the input: no empty chunk (an empty chunk is no input; see misuse.test.ts). */
  const inside = (input: Uint8Array, cuts: number[]) => splitAt(input, cuts.map((c) => 1 + (c % (input.length - 1))));

  it("server rows: any split gives the whole-input outcome", () => {
    const rows = small(SERVER_ROWS);
    const whole = new Map(rows.map((row) => [row, runServer([bytes(row.input)], serverRun(row))]));
    fc.assert(
      fc.property(fc.constantFrom(...rows), fc.array(fc.nat(), { maxLength: 12 }), (row, cuts) => {
        const input = bytes(row.input);
        const outcome = runServer(inside(input, cuts), serverRun(row));
        expect(outcome).toEqual(whole.get(row));
      }),
      { numRuns: 300, seed: 6455 },
    );
  });

  it("client rows: any split gives the whole-input outcome", () => {
    const rows = small(CLIENT_ROWS);
    const whole = new Map(rows.map((row) => [row, comparable(runClient([bytes(row.input)], clientRun(row)))]));
    fc.assert(
      fc.property(fc.constantFrom(...rows), fc.array(fc.nat(), { maxLength: 12 }), (row, cuts) => {
        const input = bytes(row.input);
        const outcome = runClient(inside(input, cuts), clientRun(row));
        expect(comparable(outcome)).toEqual(whole.get(row));
      }),
      { numRuns: 300, seed: 7692 },
    );
  });
});
