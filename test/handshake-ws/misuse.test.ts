/**
 * Misuse of `WSConnection` around the opening handshake: the legality of every `send` in
 * every stage of both roles (spec §2.2, with wstate's messages, which name the event and
 * the state), and hardening G03 (EOF mid-handshake), G10 (CR/LF/NUL in what the
 * application gives), G13 (sending after a Close).
 *
 * A refused `send` throws a `LocalProtocolError`, returns no bytes and leaves the
 * statechart exactly where it was.
 */
import { describe, expect, it } from "vitest";
import {
  AcceptConnection,
  BytesMessage,
  CloseConnection,
  ConnectionState,
  ConnectionType,
  Event,
  LocalProtocolError,
  Ping,
  Pong,
  RejectConnection,
  RejectData,
  Request,
  TextMessage,
  WSConnection,
  type EventType,
  type Headers,
} from "../../src/index.js";
import { ACCEPT, BASE, KEY, OK_101 } from "../fixtures/handshake-rows.js";
import { FakeExtension } from "../handshake/fake-extension.js";
import { chunkings } from "../handshake/helpers.js";
import { bytes, feedAll, parseResponse, remoteError, sampleNonceFill, text } from "./drive.js";

/** An event class wstate does not know. */
class Foreign extends Event {
  readonly type = "Foreign" as EventType;
}

const SENDS = {
  Request: () => new Request({ host: "localhost", target: "/" }),
  AcceptConnection: () => new AcceptConnection(),
  RejectConnection: () => new RejectConnection({ statusCode: 403 }),
  "RejectConnection with body": () => new RejectConnection({ statusCode: 403, hasBody: true }),
  "RejectData, more to come": () => new RejectData({ data: bytes("no"), bodyFinished: false }),
  "RejectData, last": () => new RejectData({ data: bytes("no") }),
  TextMessage: () => new TextMessage({ data: "x" }),
  "TextMessage fragment": () => new TextMessage({ data: "x", messageFinished: false }),
  BytesMessage: () => new BytesMessage({ data: Uint8Array.of(1) }),
  Ping: () => new Ping(),
  Pong: () => new Pong(),
  CloseConnection: () => new CloseConnection({ code: 1000 }),
  "a foreign Event": () => new Foreign(),
} satisfies Record<string, () => Event>;
type Send = keyof typeof SENDS;

const { CONNECTING, OPEN, LOCAL_CLOSING, REMOTE_CLOSING, CLOSED, REJECTING } = ConnectionState;
const client = () => new WSConnection(ConnectionType.CLIENT, { randomFill: sampleNonceFill });
const server = () => new WSConnection(ConnectionType.SERVER);

function requested(): WSConnection {
  const ws = client();
  ws.send(SENDS.Request());
  return ws;
}
function withRequest(): WSConnection {
  const ws = server();
  ws.receiveData(bytes(BASE));
  expect([...ws.events()].map((e) => e.type)).toEqual(["Request"]);
  return ws;
}
/** An open client or server (its peer played by bytes). */
function opened(role: "client" | "server"): WSConnection {
  if (role === "server") {
    const ws = withRequest();
    ws.send(new AcceptConnection());
    return ws;
  }
  const ws = requested();
  ws.receiveData(bytes(OK_101));
  expect([...ws.events()].map((e) => e.type)).toEqual(["AcceptConnection"]);
  return ws;
}
/** The peer's Close, as it would arrive (masked when it comes from a client). */
const peerClose = (role: "client" | "server") =>
  role === "client" ? Uint8Array.of(0x88, 0x02, 0x03, 0xe8) : Uint8Array.of(0x88, 0x82, 0, 0, 0, 0, 0x03, 0xe8);
function remoteClosing(role: "client" | "server"): WSConnection {
  const ws = opened(role);
  ws.receiveData(peerClose(role));
  expect([...ws.events()].map((e) => e.type)).toEqual(["CloseConnection"]);
  return ws;
}

interface Stage {
  name: string;
  make: () => WSConnection;
  state: ConnectionState;
  /** The sends allowed here, and the state each leads to; every other send is refused. */
  legal: Partial<Record<Send, ConnectionState>>;
}

const FRAMES: Partial<Record<Send, ConnectionState>> = {
  TextMessage: OPEN,
  "TextMessage fragment": OPEN,
  BytesMessage: OPEN,
  Ping: OPEN,
  Pong: OPEN,
  CloseConnection: LOCAL_CLOSING,
};

const STAGES: Stage[] = [
  // Handshake: spec §2.2, first table.
  { name: "client, nothing sent", make: client, state: CONNECTING, legal: { Request: CONNECTING } },
  { name: "client, Request sent", make: requested, state: CONNECTING, legal: {} },
  {
    name: "client, reading a rejection body",
    make: () => {
      const ws = requested();
      ws.receiveData(bytes("HTTP/1.1 403 Forbidden\r\ncontent-length: 5\r\n\r\nab"));
      return ws;
    },
    state: REJECTING,
    legal: {},
  },
  {
    name: "client, rejected",
    make: () => {
      const ws = requested();
      ws.receiveData(bytes("HTTP/1.1 403 Forbidden\r\ncontent-length: 0\r\n\r\n"));
      return ws;
    },
    state: CLOSED,
    legal: {},
  },
  {
    name: "client, failed handshake",
    make: () => {
      const ws = requested();
      remoteError(() => ws.receiveData(bytes(OK_101.replace(ACCEPT, KEY))));
      return ws;
    },
    state: CLOSED,
    legal: {},
  },
  {
    // h11 lets a server answer before any request; so does wstate.
    name: "server, no request yet",
    make: server,
    state: CONNECTING,
    legal: { RejectConnection: CLOSED, "RejectConnection with body": REJECTING },
  },
  {
    name: "server, Request received",
    make: withRequest,
    state: CONNECTING,
    legal: { AcceptConnection: OPEN, RejectConnection: CLOSED, "RejectConnection with body": REJECTING },
  },
  {
    name: "server, bad request received",
    make: () => {
      const ws = server();
      remoteError(() => ws.receiveData(bytes(BASE.replace("Version: 13", "Version: 8"))));
      return ws;
    },
    state: CONNECTING,
    legal: { RejectConnection: CLOSED, "RejectConnection with body": REJECTING },
  },
  {
    name: "server, sending a rejection body",
    make: () => {
      const ws = withRequest();
      ws.send(SENDS["RejectConnection with body"]());
      return ws;
    },
    state: REJECTING,
    legal: { "RejectData, more to come": REJECTING, "RejectData, last": CLOSED },
  },
  {
    name: "server, rejected",
    make: () => {
      const ws = withRequest();
      ws.send(SENDS.RejectConnection());
      return ws;
    },
    state: CLOSED,
    legal: {},
  },
  // After the handshake: spec §2.2, second table, with DESIGN deviation 8 (Pong while closing).
  ...(["client", "server"] as const).flatMap((role): Stage[] => [
    { name: `${role}, open`, make: () => opened(role), state: OPEN, legal: FRAMES },
    {
      name: `${role}, sending a fragmented text`,
      make: () => {
        const ws = opened(role);
        ws.send(SENDS["TextMessage fragment"]());
        return ws;
      },
      state: OPEN,
      legal: { TextMessage: OPEN, "TextMessage fragment": OPEN, Ping: OPEN, Pong: OPEN, CloseConnection: LOCAL_CLOSING },
    },
    {
      name: `${role}, Close sent`,
      make: () => {
        const ws = opened(role);
        ws.send(SENDS.CloseConnection());
        return ws;
      },
      state: LOCAL_CLOSING,
      legal: { Pong: LOCAL_CLOSING },
    },
    { name: `${role}, Close received`, make: () => remoteClosing(role), state: REMOTE_CLOSING, legal: { CloseConnection: CLOSED } },
    {
      name: `${role}, closed`,
      make: () => {
        const ws = remoteClosing(role);
        ws.send(SENDS.CloseConnection());
        return ws;
      },
      state: CLOSED,
      legal: {},
    },
  ]),
];

describe("send() legality in every stage (spec §2.2)", () => {
  const cases = STAGES.flatMap((stage) => (Object.keys(SENDS) as Send[]).map((send) => [stage.name, send, stage] as const));

  it.each(cases)("%s: %s", (_name, send, stage) => {
    const ws = stage.make();
    expect(ws.state).toBe(stage.state);
    const event = SENDS[send]();
    const next = stage.legal[send];
    if (next !== undefined) {
      const wire = ws.send(event);
      expect(wire.length).toBeGreaterThan(0);
      expect(ws.state).toBe(next);
      return;
    }
    const before = JSON.stringify(ws.actor.getSnapshot().value);
    let thrown: unknown;
    try {
      ws.send(event);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(LocalProtocolError);
    // The message names the event and the state, then says what to do.
    expect((thrown as Error).message).toMatch(new RegExp(`^Event ${event.type} cannot be sent in state ${stage.state}: \\S`));
    expect(JSON.stringify(ws.actor.getSnapshot().value)).toBe(before);
  });
});

describe("G13: sending after a Close", () => {
  it.each(["client", "server"] as const)("%s: after sending Close only a Pong goes out; the peer's Close ends it", (role) => {
    const ws = opened(role);
    ws.send(new CloseConnection({ code: 1000, reason: "bye" }));
    for (const event of [new TextMessage({ data: "late" }), new BytesMessage({ data: Uint8Array.of(1) }), new Ping(), new CloseConnection({ code: 1000 })]) {
      expect(() => ws.send(event)).toThrow(/a Close was already sent/);
    }
    // DESIGN deviation 8: a Ping that arrives after our Close may still be answered.
    expect(ws.send(new Pong()).length).toBeGreaterThan(0);
    ws.receiveData(peerClose(role));
    expect([...ws.events()]).toEqual([new CloseConnection({ code: 1000 })]);
    expect(ws.state).toBe(CLOSED);
    for (const event of [new TextMessage({ data: "late" }), new Pong(), new CloseConnection({ code: 1000 })]) {
      expect(() => ws.send(event)).toThrow(/the connection is closed/);
    }
  });

  it.each(["client", "server"] as const)("%s: after receiving Close only the answering Close goes out", (role) => {
    const ws = remoteClosing(role);
    for (const event of [new TextMessage({ data: "late" }), new BytesMessage({ data: Uint8Array.of(1) }), new Ping(), new Pong()]) {
      expect(() => ws.send(event)).toThrow(/the peer sent a Close/);
    }
    const reply = ws.send(new CloseConnection({ code: 1000 }));
    expect([...reply.subarray(0, 2)]).toEqual(role === "server" ? [0x88, 0x02] : [0x88, 0x82]);
    expect(ws.state).toBe(CLOSED);
    expect(() => ws.send(new CloseConnection({ code: 1000 }))).toThrow(LocalProtocolError);
  });
});

describe("G10: CR, LF and NUL never reach the wire", () => {
  const requests: Array<[string, ConstructorParameters<typeof Request>[0]]> = [
    ["CR LF in the target", { host: "h", target: "/a\r\nX-Injected: 1" }],
    ["NUL in the target", { host: "h", target: "/a\x00" }],
    ["a space in the target", { host: "h", target: "/a b" }],
    ["CR LF in the host", { host: "h\r\nX-Injected: 1", target: "/" }],
    ["NUL in the host", { host: "h\x00", target: "/" }],
    ["CR LF in a subprotocol", { host: "h", target: "/", subprotocols: ["a\r\nX-Injected: 1"] }],
    ["NUL in a subprotocol", { host: "h", target: "/", subprotocols: ["a\x00"] }],
    ["a space in a subprotocol", { host: "h", target: "/", subprotocols: ["a b"] }],
    ["a comma in a subprotocol", { host: "h", target: "/", subprotocols: ["a,b"] }],
    ["CR LF in a header value", { host: "h", target: "/", extraHeaders: [["X-A", "1\r\nX-Injected: 1"]] }],
    ["a bare CR in a header value", { host: "h", target: "/", extraHeaders: [["X-A", "1\r2"]] }],
    ["a bare LF in a header value", { host: "h", target: "/", extraHeaders: [["X-A", "1\n2"]] }],
    ["NUL in a header value", { host: "h", target: "/", extraHeaders: [["X-A", "1\x002"]] }],
    ["CR LF in a header name", { host: "h", target: "/", extraHeaders: [["X-A\r\nX-Injected", "1"]] }],
    ["CR LF in an extension offer", { host: "h", target: "/", extensions: [new FakeExtension({ offerResponse: "a=1\r\nX-Injected: 1" })] }],
  ];

  it.each(requests)("client Request with %s: refused, nothing sent, still able to connect", (_name, init) => {
    const ws = client();
    const before = JSON.stringify(ws.actor.getSnapshot().value);
    expect(() => ws.send(new Request(init))).toThrow(LocalProtocolError);
    expect(JSON.stringify(ws.actor.getSnapshot().value)).toBe(before);
    expect(ws.state).toBe(CONNECTING);
    // Nothing was committed: a good Request and the server's 101 still open the connection.
    expect(text(ws.send(new Request({ host: "h", target: "/" })))).toMatch(/^GET \/ HTTP\/1\.1\r\n/);
    expect(feedAll(ws, [bytes(OK_101)])).toEqual([new AcceptConnection()]);
    expect(ws.state).toBe(OPEN);
  });

  const answers: Array<[string, () => AcceptConnection | RejectConnection]> = [
    ["CR LF in an AcceptConnection header value", () => new AcceptConnection({ extraHeaders: [["X-A", "1\r\nSet-Cookie: x=1"]] })],
    ["NUL in an AcceptConnection header value", () => new AcceptConnection({ extraHeaders: [["X-A", "1\x00"]] })],
    ["CR LF in an AcceptConnection header name", () => new AcceptConnection({ extraHeaders: [["X-A\r\nSet-Cookie", "x=1"]] })],
    ["CR LF in the subprotocol", () => new AcceptConnection({ subprotocol: "chat\r\nSet-Cookie: x=1" })],
    ["NUL in the subprotocol", () => new AcceptConnection({ subprotocol: "chat\x00" })],
    ["a comma in the subprotocol", () => new AcceptConnection({ subprotocol: "chat,x" })],
    ["CR LF in an extension's answer", () => new AcceptConnection({ extensions: [new FakeExtension({ acceptResponse: "a=1\r\nX: y" })] })],
    ["CR LF in a RejectConnection header value", () => new RejectConnection({ headers: [["X-A", "1\r\nSet-Cookie: x=1"]] })],
    ["NUL in a RejectConnection header value", () => new RejectConnection({ headers: [["X-A", "1\x00"]] })],
    ["a bare LF in a RejectConnection header name", () => new RejectConnection({ headers: [["X-A\nB", "1"]] })],
  ];

  it.each(answers)("server answer with %s: refused, nothing sent, still able to answer", (_name, answer) => {
    const ws = server();
    ws.receiveData(bytes(BASE.replace("\r\n\r\n", "\r\nSec-WebSocket-Protocol: chat\r\nSec-WebSocket-Extensions: fake\r\n\r\n")));
    expect([...ws.events()].map((e) => e.type)).toEqual(["Request"]);
    const before = JSON.stringify(ws.actor.getSnapshot().value);
    expect(() => ws.send(answer())).toThrow(LocalProtocolError);
    expect(JSON.stringify(ws.actor.getSnapshot().value)).toBe(before);
    expect(ws.state).toBe(CONNECTING);
    const { head } = parseResponse(ws.send(new AcceptConnection({ subprotocol: "chat" })));
    expect(head.statusCode).toBe(101);
    expect(ws.state).toBe(OPEN);
  });

  it.each<[string, Headers, string]>([
    ["CR LF in a header value", [["Host", "h\r\nX-Injected: 1"]], "/"],
    ["NUL in a header value", [["Host", "h"], ["X-A", "\x00"]], "/"],
    ["CR LF in the path", [["Host", "h"]], "/a\r\nX-Injected: 1"],
    ["NUL in the path", [["Host", "h"]], "/\x00"],
  ])("initiateUpgradeConnection with %s: refused, no event, state unchanged", (_name, headers, path) => {
    const ws = server();
    expect(() => ws.initiateUpgradeConnection(headers, path)).toThrow(LocalProtocolError);
    expect([...ws.events()]).toEqual([]);
    expect(ws.state).toBe(CONNECTING);
    // The bytes of a real request are still read.
    expect(feedAll(ws, [bytes(BASE)]).map((e) => e.type)).toEqual(["Request"]);
  });
});

describe("G03: EOF during the handshake", () => {
  it("server: EOF before any byte closes quietly (wsproto stays CONNECTING)", () => {
    const ws = server();
    ws.receiveData(null);
    expect([...ws.events()]).toEqual([]);
    expect(ws.state).toBe(CLOSED);
    expect(() => ws.send(new RejectConnection())).toThrow(LocalProtocolError);
  });

  // Each prefix whole and byte by byte (the prefixes themselves are the many cuts).
  it("server: EOF after every proper prefix of the request is a RemoteProtocolError without hint, CLOSED", () => {
    const wire = bytes(BASE);
    for (let cut = 1; cut < wire.length; cut++) {
      for (const [how, chunks] of chunkings(wire.slice(0, cut)).slice(0, 2)) {
        const ws = server();
        expect(feedAll(ws, chunks)).toEqual([]);
        const error = remoteError(() => ws.receiveData(null));
        expect(error.message, `${cut} bytes, ${how}`).toMatch(/^Bad HTTP message: /);
        expect(error.eventHint).toBeNull();
        expect(ws.state).toBe(CLOSED);
        expect([...ws.events()]).toEqual([]);
      }
    }
  });

  it("server: EOF after the Request, before the answer, closes; no answer can follow", () => {
    const ws = withRequest();
    ws.receiveData(null);
    expect([...ws.events()]).toEqual([]);
    expect(ws.state).toBe(CLOSED);
    expect(() => ws.send(new AcceptConnection())).toThrow(/Event AcceptConnection cannot be sent in state CLOSED/);
  });

  it("server: EOF while sending a rejection body closes", () => {
    const ws = withRequest();
    ws.send(new RejectConnection({ hasBody: true }));
    ws.receiveData(null);
    expect(ws.state).toBe(CLOSED);
    expect(() => ws.send(new RejectData({ data: bytes("late") }))).toThrow(LocalProtocolError);
  });

  it("client: EOF before sending the Request closes quietly", () => {
    const ws = client();
    ws.receiveData(null);
    expect(ws.state).toBe(CLOSED);
    expect(() => ws.send(SENDS.Request())).toThrow(LocalProtocolError);
  });

  it("client: EOF after every proper prefix of the 101 is a RemoteProtocolError, CLOSED", () => {
    const wire = bytes(OK_101);
    for (let cut = 0; cut < wire.length; cut++) {
      for (const [how, chunks] of chunkings(wire.slice(0, cut)).slice(0, 2)) {
        const ws = requested();
        expect(feedAll(ws, chunks)).toEqual([]);
        const error = remoteError(() => ws.receiveData(null));
        expect(error.message, `${cut} bytes, ${how}`).toMatch(/^Bad HTTP message: /);
        expect(error.eventHint).toEqual(new RejectConnection());
        expect(ws.state).toBe(CLOSED);
      }
    }
  });

  it.each([
    ["a Content-Length body", "HTTP/1.1 403 Forbidden\r\ncontent-length: 5\r\n\r\nabc", "connection closed before the end of the response body"],
    ["a chunked body", "HTTP/1.1 403 Forbidden\r\ntransfer-encoding: chunked\r\n\r\n5\r\nabc", "connection closed before the end of the response body"],
  ])("client: EOF inside %s is a RemoteProtocolError after the data that came, CLOSED", (_name, response, message) => {
    for (const [how, chunks] of chunkings(bytes(response))) {
      const ws = requested();
      const events = feedAll(ws, chunks);
      expect(events, how).toEqual([
        expect.any(RejectConnection),
        new RejectData({ data: bytes("abc"), bodyFinished: false }),
      ]);
      expect(ws.state).toBe(REJECTING);
      expect(remoteError(() => ws.receiveData(null)).message).toBe(`Bad HTTP message: ${message}`);
      expect(ws.state).toBe(CLOSED);
    }
  });

  it("client: EOF ends a close-delimited body", () => {
    for (const [how, chunks] of chunkings(bytes("HTTP/1.1 403 Forbidden\r\n\r\nabc"))) {
      const ws = requested();
      const events = feedAll(ws, chunks);
      ws.receiveData(null);
      expect([...events, ...ws.events()], how).toEqual([
        new RejectConnection({ statusCode: 403, hasBody: true }),
        new RejectData({ data: bytes("abc"), bodyFinished: false }),
        new RejectData({ data: new Uint8Array(0), bodyFinished: true }),
      ]);
      expect(ws.state).toBe(CLOSED);
    }
  });

  it.each(["client", "server"] as const)("%s: EOF once open is a CloseConnection 1006, CLOSED, nothing to send", (role) => {
    const ws = opened(role);
    ws.receiveData(null);
    expect([...ws.events()]).toEqual([new CloseConnection({ code: 1006 })]);
    expect(ws.state).toBe(CLOSED);
    expect(() => ws.send(new CloseConnection({ code: 1000 }))).toThrow(LocalProtocolError);
  });
});

describe("receiveData misuse and input after the end (spec §2.3)", () => {
  it.each(["client", "server"] as const)("%s: an empty chunk is no input, not EOF (wsproto reads b'' as EOF)", (role) => {
    const ws = role === "client" ? requested() : server();
    ws.receiveData(new Uint8Array(0));
    expect([...ws.events()]).toEqual([]);
    expect(ws.state).toBe(CONNECTING);
    const events = feedAll(ws, [bytes(role === "client" ? OK_101 : BASE)]);
    expect(events.map((e) => e.type)).toEqual([role === "client" ? "AcceptConnection" : "Request"]);
  });

  it.each(["client", "server"] as const)("%s: a non-bytes argument is a LocalProtocolError", (role) => {
    const ws = role === "client" ? requested() : server();
    expect(() => ws.receiveData("GET / HTTP/1.1\r\n" as unknown as Uint8Array)).toThrow(LocalProtocolError);
    expect(ws.state).toBe(CONNECTING);
  });

  it("server: after a rejection, bytes and EOF are ignored (as in wsproto)", () => {
    const ws = withRequest();
    ws.send(new RejectConnection());
    ws.receiveData(bytes(BASE));
    ws.receiveData(Uint8Array.of(0x81, 0x80, 0, 0, 0, 0));
    ws.receiveData(null);
    expect([...ws.events()]).toEqual([]);
    expect(ws.state).toBe(CLOSED);
  });

  it("client: after a complete rejection, bytes are ignored (as in wsproto)", () => {
    const ws = requested();
    ws.receiveData(bytes("HTTP/1.1 403 Forbidden\r\ncontent-length: 0\r\n\r\n"));
    expect([...ws.events()].map((e) => e.type)).toEqual(["RejectConnection"]);
    ws.receiveData(bytes("HTTP/1.1 101 Switching Protocols\r\n\r\n"));
    expect([...ws.events()]).toEqual([]);
    expect(ws.state).toBe(CLOSED);
  });

  it("server: bytes after a bad request, before its answer, are ignored", () => {
    const ws = server();
    remoteError(() => ws.receiveData(bytes("broken nonsense\r\n\r\n")));
    ws.receiveData(bytes(BASE));
    expect([...ws.events()]).toEqual([]);
    expect(ws.state).toBe(CONNECTING);
  });
});
