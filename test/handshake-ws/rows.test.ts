/**
 * Hardening §5.1 (server) and §5.2 (client) through `WSConnection`: every row fed whole,
 * byte by byte and in random splits gives the same typed outcome (I1, I4, I5).
 *
 * A server row ends in a `Request` answered by `send(AcceptConnection)` (101, and the
 * frames the client sent early: DESIGN deviation 1), or in a `RemoteProtocolError` whose
 * `eventHint` `send` turns into that HTTP status, leaving the state CLOSED. A client row
 * ends OPEN (`AcceptConnection`), with a `RejectConnection` (+ `RejectData`), or in a
 * `RemoteProtocolError` with the state CLOSED.
 *
 * The inputs are those of test/handshake/{server,client}.test.ts, whose row tables are not
 * exported (see the report); the expectations here are the façade's.
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
  TextMessage,
  WSConnection,
  type AnyEvent,
} from "../../src/index.js";
import { chunkings, splitAt } from "../handshake/helpers.js";
import {
  ACCEPT,
  BASE,
  KEY,
  OK_101,
  bytes,
  feedAll,
  header,
  parseResponse,
  remoteError,
  replaceHeader,
  runClient,
  runServer,
  sampleNonceFill,
  withHeaders,
  withoutHeader,
  type ClientOutcome,
  type ClientRun,
  type ServerOutcome,
  type ServerRun,
} from "./drive.js";

const plus = (...lines: string[]): string => withHeaders(BASE, lines);
const minus = (name: string): string => withoutHeader(BASE, name);
const replace = (name: string, line: string): string => replaceHeader(BASE, name, line);
const PMD = (params: string): string => plus(`Sec-WebSocket-Extensions: permessage-deflate${params}`);
const FRAME_HI = "\x81\x82\x00\x00\x00\x00\x68\x69";

interface ServerRow {
  id: string;
  input: string;
  /** 101 = a Request, accepted; another number = the status of the eventHint; "failed" = no hint. */
  status: number | "failed";
  /** For refused rows: a part of the message, so the row is refused for its own reason. */
  why?: string;
  /** For 101 rows: the negotiated Sec-WebSocket-Extensions (null = none). */
  extensions?: string | null;
  /** For 101 rows: the events after the Request (default none) and the state (default OPEN). */
  events?: AnyEvent[];
  state?: ConnectionState;
  run?: ServerRun;
  check?: (outcome: ServerOutcome) => void;
}

const NO_PMD = { extensions: null } as const;
const request = (o: ServerOutcome): Request => (o.outcome === "accepted" ? o.request : expect.fail(`${o.outcome}`));
const hintHeaders = (o: ServerOutcome) => (o.outcome === "refused" ? o.hintHeaders : expect.fail(o.outcome));
const VERSION_13 = [["Sec-WebSocket-Version", "13"]];

/** Hardening §5.1, one row each (plus H18b, H33/H52 at two limits, H66b). */
const SERVER_ROWS: ServerRow[] = [
  { id: "H01 valid baseline", input: BASE, status: 101, ...NO_PMD },
  { id: "H02 missing Upgrade", why: "Upgrade: WebSocket", input: minus("Upgrade"), status: 400 },
  { id: "H03 Upgrade: h2c", why: "Upgrade: WebSocket", input: replace("Upgrade", "Upgrade: h2c"), status: 400 },
  { id: "H04 Upgrade: WebSocket", input: replace("Upgrade", "Upgrade: WebSocket"), status: 101 },
  { id: "H05 Connection: keep-alive", why: "Connection: Upgrade", input: replace("Connection", "Connection: keep-alive"), status: 400 },
  { id: "H06 Connection: keep-alive, Upgrade", input: replace("Connection", "Connection: keep-alive, Upgrade"), status: 101 },
  { id: "H07 missing key", why: "Missing header, 'Sec-WebSocket-Key'", input: minus("Sec-WebSocket-Key"), status: 400 },
  { id: "H08 key not base64", why: "Invalid Sec-WebSocket-Key", input: replace("Sec-WebSocket-Key", "Sec-WebSocket-Key: test"), status: 400 },
  { id: "H09 key of 15 bytes", why: "Invalid Sec-WebSocket-Key", input: replace("Sec-WebSocket-Key", "Sec-WebSocket-Key: eHh4eHh4eHh4eHh4eHh4"), status: 400 },
  { id: "H10 duplicate key", why: "Duplicate header 'Sec-WebSocket-Key'", input: plus("Sec-WebSocket-Key: eXl5eXl5eXl5eXl5eXl5eQ=="), status: 400 },
  {
    id: "H11 version 8",
    why: "Sec-WebSocket-Version",
    input: replace("Sec-WebSocket-Version", "Sec-WebSocket-Version: 8"),
    status: 426,
    check: (o) => expect(hintHeaders(o)).toEqual(VERSION_13),
  },
  { id: "H12 missing version", why: "Sec-WebSocket-Version", input: minus("Sec-WebSocket-Version"), status: 400 },
  { id: "H13 version 013", why: "Sec-WebSocket-Version", input: replace("Sec-WebSocket-Version", "Sec-WebSocket-Version: 013"), status: 400 },
  { id: "H14 duplicate version 13 + 8", why: "Duplicate header 'Sec-WebSocket-Version'", input: plus("Sec-WebSocket-Version: 8"), status: 400 },
  {
    id: "H15 POST",
    why: "Request method must be GET",
    input: "POST" + BASE.slice(3),
    status: 405,
    check: (o) => expect(hintHeaders(o)).toEqual([["Allow", "GET"]]),
  },
  { id: "H16 HTTP/1.0", why: "HTTP/1.0", input: BASE.replace("HTTP/1.1", "HTTP/1.0"), status: 505 },
  { id: "H17 HTTP/1.2", why: "HTTP/1.2", input: BASE.replace("HTTP/1.1", "HTTP/1.2"), status: 505 },
  {
    id: "H18 absolute-form http:// target",
    input: BASE.replace("/chat", "http://example.com/chat"),
    status: 101,
    check: (o) => expect([request(o).host, request(o).target]).toEqual(["example.com", "http://example.com/chat"]),
  },
  { id: "H18b absolute-form naming another host", why: "does not match the Host", input: BASE.replace("/chat", "http://evil.example/chat"), status: 400 },
  { id: "H19 asterisk-form", why: "Invalid request target", input: BASE.replace("/chat", "*"), status: 400 },
  { id: "H20 missing Host", why: "Missing header, 'Host'", input: minus("Host"), status: 400 },
  { id: "H21 duplicate Host", why: "Duplicate header 'Host'", input: plus("Host: evil.example"), status: 400 },
  { id: "H22 bare LF", why: "bare LF", input: BASE.replaceAll("\r\n", "\n"), status: 400 },
  { id: "H23 bare CR in a value", why: "control character 0x0d", input: plus("X-A: a\rSec-WebSocket-Protocol: injected"), status: 400 },
  { id: "H24 NUL in a value", why: "control character 0x00", input: plus("X-A: a\x00b"), status: 400 },
  { id: "H25 obs-fold", why: "obs-fold", input: plus("X-A: a", " folded"), status: 400 },
  { id: "H26 space before colon", why: "whitespace between", input: replace("Upgrade", "Upgrade : websocket"), status: 400 },
  { id: "H27 invalid name character", why: "header name", input: plus("X(A): b"), status: 400 },
  { id: "H28 64 KiB request line", why: "start line longer", input: BASE.replace("/chat", "/" + "a".repeat(65536)), status: 414 },
  { id: "H29 1 MiB header value", why: "head larger", input: plus("X-Big: " + "a".repeat(1 << 20)), status: 431 },
  {
    id: "H30 2000 headers",
    why: "maxHeaders",
    input: plus(...Array.from({ length: 2000 }, (_, i) => `X-${String(i).padStart(4, "0")}: x`)),
    status: 431,
  },
  { id: "H31 Content-Length body", why: "Content-Length", input: plus("Content-Length: 5") + "hello", status: 400 },
  { id: "H32 Transfer-Encoding: chunked", why: "Transfer-Encoding", input: plus("Transfer-Encoding: chunked") + "0\r\n\r\n", status: 400 },
  { id: "H33 ReDoS shape, default limit", why: "head larger", input: plus("Sec-WebSocket-Protocol: b" + " ".repeat(30000) + "x"), status: 431 },
  {
    id: "H33 ReDoS shape, 64 KiB limit",
    why: "is not a token",
    input: plus("Sec-WebSocket-Protocol: b" + " ".repeat(30000) + "x"),
    status: 400,
    run: { options: { maxHandshakeSize: 65536 } },
  },
  { id: "H34 empty subprotocol element", why: "empty element", input: plus("Sec-WebSocket-Protocol: chat, , superchat"), status: 400 },
  { id: "H35 duplicate subprotocol", why: "duplicate subprotocol chat", input: plus("Sec-WebSocket-Protocol: chat, chat"), status: 400 },
  { id: "H36 non-token subprotocol", why: "not a token", input: plus("Sec-WebSocket-Protocol: ch@t"), status: 400 },
  {
    id: "H37 extensions named constructor / __proto__",
    input: plus("Sec-WebSocket-Extensions: constructor, __proto__; hasOwnProperty"),
    status: 101,
    ...NO_PMD,
    check: (o) => expect(request(o).extensions).toEqual(["constructor", "__proto__; hasOwnProperty"]),
  },
  { id: "H38 extension syntax error", why: "Sec-WebSocket-Extensions", input: PMD(";;"), status: 400 },
  { id: "H39 unterminated quote", why: "Sec-WebSocket-Extensions", input: PMD('; server_max_window_bits="10'), status: 400 },
  { id: "H40 server_max_window_bits=7", input: PMD("; server_max_window_bits=7"), status: 101, ...NO_PMD },
  { id: "H41 server_max_window_bits=16", input: PMD("; server_max_window_bits=16"), status: 101, ...NO_PMD },
  { id: "H42 server_max_window_bits=08", input: PMD("; server_max_window_bits=08"), status: 101, ...NO_PMD },
  { id: "H43 server_max_window_bits=abc", input: PMD("; server_max_window_bits=abc"), status: 101, ...NO_PMD },
  { id: "H44 server_max_window_bits without value", input: PMD("; server_max_window_bits"), status: 101, ...NO_PMD },
  { id: "H45 duplicate parameter", input: PMD("; server_no_context_takeover; server_no_context_takeover"), status: 101, ...NO_PMD },
  { id: "H46 unknown parameter", input: PMD("; foo=1"), status: 101, ...NO_PMD },
  { id: "H47 prefix-matching parameter name", input: PMD("; client_max_window_bitsX=10"), status: 101, ...NO_PMD },
  { id: "H48 client_max_window_bits=16", input: PMD("; client_max_window_bits=16"), status: 101, ...NO_PMD },
  {
    id: "H49 quoted server_max_window_bits",
    input: PMD('; server_max_window_bits="10"'),
    status: 101,
    extensions: "permessage-deflate; server_max_window_bits=10",
  },
  { id: "H50 bad offer then plain offer", input: PMD("; server_max_window_bits=7, permessage-deflate"), status: 101, extensions: "permessage-deflate" },
  { id: "H51 value on a value-less parameter", input: PMD("; client_no_context_takeover=1"), status: 101, ...NO_PMD },
  { id: "H52 10,000 extension offers, default limit", why: "head larger", input: plus("Sec-WebSocket-Extensions: " + "x, ".repeat(10000)), status: 431 },
  {
    id: "H52 10,000 extension offers, 64 KiB limit",
    input: plus("Sec-WebSocket-Extensions: " + "x, ".repeat(10000)),
    status: 101,
    ...NO_PMD,
    run: { options: { maxHandshakeSize: 65536 } },
    check: (o) => expect(request(o).extensions.length).toBe(10000),
  },
  { id: "H53 duplicate Origin", why: "Duplicate header 'Origin'", input: plus("Origin: https://a.example", "Origin: https://b.example"), status: 400 },
  { id: "H54 non-ASCII Host", why: "Invalid Host", input: replace("Host", "Host: \xff\xfe"), status: 400 },
  {
    id: "H55 Host label over 63 characters",
    input: replace("Host", `Host: ${"a".repeat(64)}.example`),
    status: 101,
    check: (o) => expect(request(o).host).toBe(`${"a".repeat(64)}.example`),
  },
  // DESIGN deviation 1: wsproto drops these bytes; wstate parses them once accepted.
  { id: "H56 frames pipelined after the request", input: BASE + FRAME_HI, status: 101, ...NO_PMD, events: [new TextMessage({ data: "hi" })] },
  {
    id: "H57 second request pipelined: 1002 once accepted",
    input: BASE + BASE,
    status: 101,
    ...NO_PMD,
    state: ConnectionState.REMOTE_CLOSING,
    check: (o) => {
      const events = o.outcome === "accepted" ? o.events : [];
      expect(events).toHaveLength(1);
      expect(events[0]).toBeInstanceOf(CloseConnection);
      expect((events[0] as CloseConnection).code).toBe(1002);
    },
  },
  { id: "H58 lower-case header names", input: BASE.replace(/\r\n([A-Za-z-]+):/g, (_m, name: string) => `\r\n${name.toLowerCase()}:`), status: 101 },
  {
    id: "H59 __proto__ and constructor headers",
    input: plus("__proto__: x", "constructor: y"),
    status: 101,
    check: (o) => {
      expect(request(o).extraHeaders.slice(-2)).toEqual([
        ["__proto__", "x"],
        ["constructor", "y"],
      ]);
      expect(Object.prototype).not.toHaveProperty("x");
    },
  },
  {
    id: "H60 version list 13, 8",
    why: "Sec-WebSocket-Version",
    input: replace("Sec-WebSocket-Version", "Sec-WebSocket-Version: 13, 8"),
    status: 426,
    check: (o) => expect(hintHeaders(o)).toEqual(VERSION_13),
  },
  { id: "H61 Upgrade: websocket, h2c", input: replace("Upgrade", "Upgrade: websocket, h2c"), status: 101 },
  { id: "H62 8 KiB head", input: plus("X-Pad: " + "p".repeat(8192 - BASE.length - 9)), status: 101 },
  { id: "H63 endless header lines", why: "maxHeaders", input: "GET / HTTP/1.1\r\n" + "X-a: b\r\n".repeat(3000), status: 431 },
  { id: "H64 empty lines before the request line", why: "empty line before", input: "\r\n\r\n" + BASE, status: 400 },
  { id: "H65 EOF inside the head", why: "Bad HTTP message", input: BASE.slice(0, 70), status: "failed", run: { eof: true } },
  {
    id: "H66 Origin outside the allowlist",
    why: "Origin not allowed",
    input: plus("Origin: https://evil.example"),
    status: 403,
    run: { options: { checkOrigin: (origin) => origin === "https://example.com" } },
  },
  {
    id: "H66b Origin in the allowlist",
    input: plus("Origin: https://example.com"),
    status: 101,
    run: { options: { checkOrigin: (origin) => origin === "https://example.com" } },
  },
  { id: "H67 key with surrounding OWS", input: replace("Sec-WebSocket-Key", `Sec-WebSocket-Key:   ${KEY}  \t`), status: 101 },
  {
    id: "H68 extensions over two header lines",
    input: plus("Sec-WebSocket-Extensions: permessage-deflate", "Sec-WebSocket-Extensions: x-foo"),
    status: 101,
    extensions: "permessage-deflate",
    check: (o) => expect(request(o).extensions).toEqual(["permessage-deflate", "x-foo"]),
  },
  { id: "H69 method get (lower case)", why: "Request method must be GET", input: "get" + BASE.slice(3), status: 405 },
];

function checkServerRow(row: ServerRow, outcome: ServerOutcome, how: string): void {
  if (row.status === 101) {
    if (outcome.outcome !== "accepted") return expect.fail(`${how}: ${outcome.outcome} ${"message" in outcome ? outcome.message : ""}`);
    expect(outcome.response, how).toMatch(/^HTTP\/1\.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n/);
    expect(outcome.response, how).toContain(`\r\nSec-WebSocket-Accept: ${ACCEPT}\r\n`);
    if (row.extensions !== undefined) expect(outcome.extensions, how).toBe(row.extensions);
    if (row.check === undefined || row.events !== undefined) expect(outcome.events, how).toEqual(row.events ?? []);
    expect(outcome.state, how).toBe(row.state ?? ConnectionState.OPEN);
  } else if (row.status === "failed") {
    expect(outcome.outcome, how).toBe("failed");
    expect(outcome.state, how).toBe(ConnectionState.CLOSED);
  } else {
    if (outcome.outcome !== "refused") return expect.fail(`${how}: ${outcome.outcome}`);
    expect(outcome.statusCode, `${how}: ${outcome.message}`).toBe(row.status);
    expect(outcome.requestSeen, how).toBe(false);
    expect(outcome.stateBeforeAnswer, how).toBe(ConnectionState.CONNECTING);
    expect(outcome.response.statusCode, how).toBe(row.status);
    expect(outcome.response.httpVersion, how).toBe("1.1");
    for (const [name, value] of outcome.hintHeaders) expect(outcome.response.headers, how).toContainEqual([name.toLowerCase(), value]);
    expect(header(outcome.response.headers, "content-length"), how).toBe("0");
    expect(outcome.state, how).toBe(ConnectionState.CLOSED);
  }
  if (row.why !== undefined && "message" in outcome) expect(outcome.message, how).toContain(row.why);
  row.check?.(outcome);
}

describe("hardening §5.1 through WSConnection (server)", () => {
  it.each(SERVER_ROWS.map((row) => [row.id, row] as const))("%s", (_id, row) => {
    let first: ServerOutcome | undefined;
    for (const [how, chunks] of chunkings(bytes(row.input))) {
      const outcome = runServer(chunks, row.run);
      checkServerRow(row, outcome, how);
      // Every chunking gives the same outcome, message and events (I4).
      if (first === undefined) first = outcome;
      else expect(outcome, how).toEqual(first);
    }
    if (row.status === 101) {
      // Accepting only after every byte arrived: the early bytes were held, not lost.
      const late = runServer([bytes(row.input)], { ...row.run, acceptWhen: "end" });
      checkServerRow(row, late, "accepted at the end");
      expect(late).toEqual(first);
    }
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

interface ClientRow {
  id: string;
  input: string;
  expect: ClientOutcome["outcome"];
  /** For failing rows: a part of the failure message. */
  why?: string;
  /** The events after AcceptConnection, or all events of a rejection (pieces joined). */
  events?: AnyEvent[];
  state?: ConnectionState;
  run?: ClientRun;
  check?: (outcome: ClientOutcome) => void;
}

const OK = (lines: string[], after = ""): string => withHeaders(OK_101, lines, after);
const without = (name: string): string => withoutHeader(OK_101, name);
const swap = (name: string, line: string): string => replaceHeader(OK_101, name, line);
const PMD_101 = (params: string): string => OK([`Sec-WebSocket-Extensions: permessage-deflate${params}`]);
const FAILS = "failed" as const;

/** Hardening §5.2, one row each. The client offered permessage-deflate (and, for C08, `chat`). */
const CLIENT_ROWS: ClientRow[] = [
  {
    id: "C01 200 instead of 101",
    input: "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
    expect: "rejected",
    events: [
      new RejectConnection({ statusCode: 200, headers: [["content-length", "2"]], hasBody: true }),
      new RejectData({ data: bytes("ok"), bodyFinished: false }),
      new RejectData({ data: new Uint8Array(0), bodyFinished: true }),
    ],
  },
  { id: "C02 101 without Upgrade", why: "Upgrade: WebSocket", input: without("Upgrade"), expect: FAILS },
  { id: "C03 101 without Connection", why: "Connection: Upgrade", input: without("Connection"), expect: FAILS },
  { id: "C04 101 without Sec-WebSocket-Accept", why: "Bad accept token", input: without("Sec-WebSocket-Accept"), expect: FAILS },
  { id: "C05 wrong Sec-WebSocket-Accept", why: "Bad accept token", input: swap("Sec-WebSocket-Accept", `Sec-WebSocket-Accept: ${KEY}`), expect: FAILS },
  { id: "C06 duplicate Sec-WebSocket-Accept", why: "Duplicate header 'Sec-WebSocket-Accept'", input: OK([`Sec-WebSocket-Accept: ${ACCEPT}`]), expect: FAILS },
  { id: "C07 Upgrade: h2c", why: "Upgrade: WebSocket", input: swap("Upgrade", "Upgrade: h2c"), expect: FAILS },
  { id: "C07b Upgrade: websocket, h2c", why: "Upgrade: WebSocket", input: swap("Upgrade", "Upgrade: websocket, h2c"), expect: FAILS },
  { id: "C08 subprotocol not offered", why: "unrecognized subprotocol superchat", input: OK(["Sec-WebSocket-Protocol: superchat"]), expect: FAILS, run: { subprotocols: ["chat"] } },
  { id: "C09 extension not offered", why: "unrecognized extension x-unknown", input: OK(["Sec-WebSocket-Extensions: x-unknown"]), expect: FAILS },
  { id: "C10 server_max_window_bits=7", why: "server_max_window_bits=7", input: PMD_101("; server_max_window_bits=7"), expect: FAILS },
  { id: "C11 server_max_window_bits=16", why: "server_max_window_bits=16", input: PMD_101("; server_max_window_bits=16"), expect: FAILS },
  { id: "C12 server_max_window_bits=abc", why: "server_max_window_bits=abc", input: PMD_101("; server_max_window_bits=abc"), expect: FAILS },
  { id: "C13 client_max_window_bits=7", why: "client_max_window_bits=7", input: PMD_101("; client_max_window_bits=7"), expect: FAILS },
  { id: "C14 duplicate parameter", why: "appears twice", input: PMD_101("; server_no_context_takeover; server_no_context_takeover"), expect: FAILS },
  { id: "C15 unknown parameter", why: "unknown parameter foo", input: PMD_101("; foo=1"), expect: FAILS },
  { id: "C16 permessage-deflate accepted twice", why: "accepted twice", input: PMD_101(", permessage-deflate"), expect: FAILS },
  {
    // DESIGN deviation 9: repeated headers are merged, so the repetition is seen.
    id: "C16b permessage-deflate accepted twice, over two header lines",
    why: "accepted twice",
    input: OK(["Sec-WebSocket-Extensions: permessage-deflate", "Sec-WebSocket-Extensions: permessage-deflate"]),
    expect: FAILS,
  },
  { id: "C17 HTTP/1.0 101", why: "must be HTTP/1.1", input: OK_101.replace("HTTP/1.1", "HTTP/1.0"), expect: FAILS },
  { id: "C18 1 MiB response header", why: "larger than maxHandshakeSize", input: OK(["X-Big: " + "a".repeat(1 << 20)]), expect: FAILS },
  { id: "C19 5000 response headers", why: "more than maxHeaders", input: OK(Array.from({ length: 5000 }, (_, i) => `X-${i}: y`)), expect: FAILS },
  { id: "C20 frame right after the 101", input: OK_101 + "\x81\x02hi", expect: "accepted", events: [new TextMessage({ data: "hi" })] },
  {
    id: "C21 masked frame right after the 101: 1002",
    input: OK_101 + "\x81\x82\x00\x00\x00\x00hi",
    expect: "accepted",
    state: ConnectionState.REMOTE_CLOSING,
    check: (o) => {
      expect(o.events).toHaveLength(1);
      expect(o.events[0]).toBeInstanceOf(CloseConnection);
      expect((o.events[0] as CloseConnection).code).toBe(1002);
    },
  },
  {
    id: "C22 quoted server_max_window_bits",
    input: PMD_101('; server_max_window_bits="10"'),
    expect: "accepted",
    check: (o) => {
      const extensions = o.outcome === "accepted" ? o.accept.extensions : [];
      expect(extensions).toHaveLength(1);
      expect((extensions[0] as PerMessageDeflate).params).toMatchObject({ serverMaxWindowBits: 10, clientMaxWindowBits: 15 });
    },
  },
  { id: "C23 accept token in another case", why: "Bad accept token", input: swap("Sec-WebSocket-Accept", `Sec-WebSocket-Accept: ${ACCEPT.toLowerCase()}`), expect: FAILS },
  { id: "C23b accept token with extra padding", why: "Bad accept token", input: swap("Sec-WebSocket-Accept", `Sec-WebSocket-Accept: ${ACCEPT}=`), expect: FAILS },
  { id: "C23c accept token with surrounding OWS", input: swap("Sec-WebSocket-Accept", `Sec-WebSocket-Accept: \t${ACCEPT}  `), expect: "accepted" },
  {
    id: "C24 two subprotocols in the answer",
    why: "unrecognized subprotocol chat, superchat",
    input: OK(["Sec-WebSocket-Protocol: chat, superchat"]),
    expect: FAILS,
    run: { subprotocols: ["chat", "superchat"] },
  },
  {
    id: "C24b Sec-WebSocket-Protocol twice",
    why: "Duplicate header 'Sec-WebSocket-Protocol'",
    input: OK(["Sec-WebSocket-Protocol: chat", "Sec-WebSocket-Protocol: chat"]),
    expect: FAILS,
    run: { subprotocols: ["chat"] },
  },
  {
    id: "C25 101 with Content-Length: 10, then frames",
    input: OK(["Content-Length: 10"], "\x81\x02hi"),
    expect: "accepted",
    events: [new TextMessage({ data: "hi" })],
    check: (o) => expect(o.outcome === "accepted" && o.accept.extraHeaders).toEqual([["content-length", "10"]]),
  },
  {
    id: "C19b endless trailer lines after a chunked rejection body",
    why: "more trailer lines than maxHeaders",
    input: "HTTP/1.1 403 Forbidden\r\ntransfer-encoding: chunked\r\n\r\n0\r\n" + "X: y\r\n".repeat(200) + "\r\n",
    expect: FAILS,
    events: [new RejectConnection({ statusCode: 403, headers: [["transfer-encoding", "chunked"]], hasBody: true })],
  },
  {
    id: "C26 redirect",
    input: "HTTP/1.1 302 Found\r\nLocation: wss://elsewhere.example/\r\nContent-Length: 0\r\n\r\n",
    expect: "rejected",
    events: [
      new RejectConnection({
        statusCode: 302,
        headers: [
          ["location", "wss://elsewhere.example/"],
          ["content-length", "0"],
        ],
        hasBody: false,
      }),
    ],
  },
];

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
  expect(outcome.outcome, `${how}: ${"message" in outcome ? outcome.message : ""}`).toBe(row.expect);
  switch (outcome.outcome) {
    case "accepted":
      expect(outcome.state, how).toBe(row.state ?? ConnectionState.OPEN);
      if (row.check === undefined || row.events !== undefined) expect(outcome.events, how).toEqual(row.events ?? []);
      break;
    case "rejected":
      expect(outcome.events, how).toEqual(row.events);
      expect(outcome.state, how).toBe(ConnectionState.CLOSED);
      break;
    case "failed":
      expect(outcome.events, how).toEqual(row.events ?? []);
      expect(outcome.state, how).toBe(ConnectionState.CLOSED);
      if (row.why !== undefined) expect(outcome.message, how).toContain(row.why);
      break;
  }
  row.check?.(outcome);
}

describe("hardening §5.2 through WSConnection (client)", () => {
  it.each(CLIENT_ROWS.map((row) => [row.id, row] as const))("%s", (_id, row) => {
    let first: unknown;
    for (const [how, chunks] of chunkings(bytes(row.input))) {
      const outcome = runClient(chunks, row.run);
      checkClientRow(row, outcome, how);
      if (first === undefined) first = comparable(outcome);
      else expect(comparable(outcome), how).toEqual(first);
    }
  });
});

describe("random splits of every row (fast-check)", () => {
  const small = <R extends { input: string }>(rows: R[]) => rows.filter((row) => row.input.length <= 4096);
  /** Cut points strictly inside the input: no empty chunk (an empty chunk is no input; see misuse.test.ts). */
  const inside = (input: Uint8Array, cuts: number[]) => splitAt(input, cuts.map((c) => 1 + (c % (input.length - 1))));

  it("server rows: any split gives the whole-input outcome", () => {
    const rows = small(SERVER_ROWS);
    const whole = new Map(rows.map((row) => [row, runServer([bytes(row.input)], row.run)]));
    fc.assert(
      fc.property(fc.constantFrom(...rows), fc.array(fc.nat(), { maxLength: 12 }), (row, cuts) => {
        const input = bytes(row.input);
        const outcome = runServer(inside(input, cuts), row.run);
        expect(outcome).toEqual(whole.get(row));
      }),
      { numRuns: 300, seed: 6455 },
    );
  });

  it("client rows: any split gives the whole-input outcome", () => {
    const rows = small(CLIENT_ROWS);
    const whole = new Map(rows.map((row) => [row, comparable(runClient([bytes(row.input)], row.run))]));
    fc.assert(
      fc.property(fc.constantFrom(...rows), fc.array(fc.nat(), { maxLength: 12 }), (row, cuts) => {
        const input = bytes(row.input);
        const outcome = runClient(inside(input, cuts), row.run);
        expect(comparable(outcome)).toEqual(whole.get(row));
      }),
      { numRuns: 300, seed: 7692 },
    );
  });
});
