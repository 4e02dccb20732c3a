/**
 * wsproto's test/test_client.py (spec §9.2, 22 items) ported to `WSConnection` in the
 * client role. wsproto's peer is an h11 server; here the server's side is wstate's own
 * head parser reading the request, and hand-written response bytes, each fed whole, byte
 * by byte and in random splits.
 *
 * Adapted to DESIGN.md: the request says `Upgrade: websocket` (deviation 6) and repeated
 * `Sec-WebSocket-Extensions` headers merge (deviation 9).
 */
import { describe, expect, it } from "vitest";
import {
  AcceptConnection,
  CloseConnection,
  ConnectionState,
  ConnectionType,
  LocalProtocolError,
  RejectConnection,
  RejectData,
  RemoteProtocolError,
  Request,
  WSConnection,
  type Extension,
} from "../../src/index.js";
import { isValidNonce } from "../../src/handshake/accept.js";
import { HttpHeadParser, type RequestHead } from "../../src/handshake/http-head.js";
import { ACCEPT } from "../fixtures/handshake-rows.js";
import { FakeExtension } from "../handshake/fake-extension.js";
import { chunkings } from "../handshake/helpers.js";
import { bytes, remoteError, runClient, sampleNonceFill, type ClientOutcome, type ClientRun } from "./drive.js";

/** wsproto's `_make_connection_request`: the client sends `request`; the server parses it. */
function makeConnectionRequest(request: Request): { head: RequestHead; headers: Map<string, string> } {
  const client = new WSConnection(ConnectionType.CLIENT);
  const wire = client.send(request);
  expect(client.state).toBe(ConnectionState.CONNECTING);
  const parsed = HttpHeadParser.request().feed(wire);
  if (parsed.status !== "complete") throw new Error("the client's request does not parse");
  expect(parsed.trailing.length).toBe(0);
  const headers = new Map<string, string>();
  for (const [name, value] of parsed.head.headers) {
    expect(headers.has(name), `header ${name} sent twice`).toBe(false);
    headers.set(name, value);
  }
  return { head: parsed.head, headers };
}

/** The response a server would send: status line, `headers`, and (by default) the right accept token. */
function response(status: number, headers: string[], autoAcceptKey = true): string {
  const reason = status === 101 ? "Switching Protocols" : "";
  const lines = autoAcceptKey ? [...headers, `Sec-WebSocket-Accept: ${ACCEPT}`] : headers;
  return `HTTP/1.1 ${status} ${reason}\r\n` + lines.map((l) => l + "\r\n").join("") + "\r\n";
}

/**
 * wsproto's `_make_handshake`: the client's outcome for `wire`, the same in every
 * chunking. The client offers `run.extensions` (none by default) and `run.subprotocols`.
 */
function makeHandshake(wire: string, run: ClientRun = {}): ClientOutcome {
  const outcomes = chunkings(bytes(wire)).map(([, chunks]) => runClient(chunks, { extensions: () => [], ...run }));
  for (const outcome of outcomes) {
    expect(outcome.state).not.toBe(ConnectionState.CONNECTING);
    // Extension objects differ per run: compare them by name.
    const { accept, ...rest } = outcome as { accept?: AcceptConnection };
    const { accept: firstAccept, ...firstRest } = outcomes[0] as { accept?: AcceptConnection };
    expect(rest).toEqual(firstRest);
    expect(accept?.extensions.map((e) => e.name)).toEqual(firstAccept?.extensions.map((e) => e.name));
    expect(accept?.subprotocol).toEqual(firstAccept?.subprotocol);
  }
  return outcomes[0];
}

/** The failure message of `wire`, the same in every chunking. */
function handshakeFailure(wire: string, run: ClientRun = {}): string {
  const outcome = makeHandshake(wire, run);
  if (outcome.outcome !== "failed") return expect.fail(`expected a failure, got ${outcome.outcome}`);
  expect(outcome.state).toBe(ConnectionState.CLOSED);
  return outcome.message;
}

describe("test_client.py: the request the client sends", () => {
  it("test_connection_request", () => {
    const { head, headers } = makeConnectionRequest(new Request({ host: "localhost", target: "/" }));
    expect([head.httpVersion, head.method, head.target]).toEqual(["1.1", "GET", "/"]);
    expect(headers.get("connection")).toBe("Upgrade");
    expect(headers.get("host")).toBe("localhost");
    expect(headers.get("sec-websocket-version")).toBe("13");
    // wsproto 1.2 sends "WebSocket"; wstate sends the RFC's lower case (DESIGN deviation 6).
    expect(headers.get("upgrade")).toBe("websocket");
    expect(isValidNonce(headers.get("sec-websocket-key")!)).toBe(true);
  });

  it("test_connection_request_additional_headers", () => {
    const { headers } = makeConnectionRequest(
      new Request({ host: "localhost", target: "/", extraHeaders: [["X-Foo", "Bar"], ["X-Bar", "Foo"]] }),
    );
    expect(headers.get("x-foo")).toBe("Bar");
    expect(headers.get("x-bar")).toBe("Foo");
  });

  it("test_connection_request_simple_extension", () => {
    const extension = new FakeExtension({ offerResponse: true });
    const { headers } = makeConnectionRequest(new Request({ host: "localhost", target: "/", extensions: [extension] }));
    expect(headers.get("sec-websocket-extensions")).toBe("fake");
  });

  it("test_connection_request_simple_extension_no_offer", () => {
    const extension = new FakeExtension({ offerResponse: false });
    const { headers } = makeConnectionRequest(new Request({ host: "localhost", target: "/", extensions: [extension] }));
    expect(headers.has("sec-websocket-extensions")).toBe(false);
  });

  it("test_connection_request_parametrised_extension", () => {
    const extension = new FakeExtension({ offerResponse: "parameter1=value1; parameter2=value2" });
    const { headers } = makeConnectionRequest(new Request({ host: "localhost", target: "/", extensions: [extension] }));
    expect(headers.get("sec-websocket-extensions")).toBe("fake; parameter1=value1; parameter2=value2");
  });

  it("test_connection_request_subprotocols", () => {
    const { headers } = makeConnectionRequest(new Request({ host: "localhost", target: "/", subprotocols: ["one", "two"] }));
    expect(headers.get("sec-websocket-protocol")).toBe("one, two");
  });

  it("test_connection_send_state", () => {
    for (const [how, chunks] of chunkings(bytes(response(101, ["Connection: Upgrade", "Upgrade: WebSocket"])))) {
      const client = new WSConnection(ConnectionType.CLIENT, { randomFill: sampleNonceFill });
      expect(client.state).toBe(ConnectionState.CONNECTING);
      client.send(new Request({ host: "localhost", target: "/" }));
      expect(client.state).toBe(ConnectionState.CONNECTING);
      const events = [];
      for (const chunk of chunks) {
        client.receiveData(chunk);
        events.push(...client.events());
      }
      expect(events, how).toEqual([new AcceptConnection()]);
      expect(client.state).toBe(ConnectionState.OPEN);
      expect(() => client.send(new Request({ host: "localhost", target: "/" }))).toThrow(LocalProtocolError);
      // "foobar" is a frame with RSV bits set and a reserved opcode: one failure event.
      client.receiveData(bytes("foobar"));
      const after = [...client.events()];
      expect(after).toHaveLength(1);
      expect(after[0]).toBeInstanceOf(CloseConnection);
      expect((after[0] as CloseConnection).code).toBe(1002);
    }
  });
});

describe("test_client.py: the client reads the server's response", () => {
  it("test_handshake", () => {
    const outcome = makeHandshake(response(101, ["connection: Upgrade", "upgrade: WebSocket"]));
    expect(outcome).toMatchObject({ outcome: "accepted", accept: new AcceptConnection(), events: [], state: ConnectionState.OPEN });
  });

  it("test_broken_handshake", () => {
    const outcome = makeHandshake(response(102, ["connection: Upgrade", "upgrade: WebSocket"]));
    expect(outcome.outcome).toBe("rejected");
    expect(outcome.events[0]).toBeInstanceOf(RejectConnection);
    expect((outcome.events[0] as RejectConnection).statusCode).toBe(102);
    // A 1xx has no body (wsproto agrees); wstate stops there, CLOSED.
    expect((outcome.events[0] as RejectConnection).hasBody).toBe(false);
    expect(outcome.events).toHaveLength(1);
    expect(outcome.state).toBe(ConnectionState.CLOSED);
  });

  it("test_handshake_extra_accept_headers", () => {
    const outcome = makeHandshake(response(101, ["connection: Upgrade", "upgrade: WebSocket", "X-Foo: bar"]));
    expect(outcome).toMatchObject({ outcome: "accepted", accept: new AcceptConnection({ extraHeaders: [["x-foo", "bar"]] }) });
  });

  it.each([[[] as string[]], [["connection: Keep-Alive"]]])(
    "test_handshake_response_broken_connection_header %j",
    (connection) => {
      expect(handshakeFailure(response(101, [...connection, "upgrade: WebSocket"]))).toBe("Missing header, 'Connection: Upgrade'");
    },
  );

  it.each([[[] as string[]], [["upgrade: h2"]]])("test_handshake_response_broken_upgrade_header %j", (upgrade) => {
    expect(handshakeFailure(response(101, ["connection: Upgrade", ...upgrade]))).toBe("Missing header, 'Upgrade: WebSocket'");
  });

  it("test_handshake_response_missing_websocket_key_header", () => {
    expect(handshakeFailure(response(101, ["connection: Upgrade", "upgrade: WebSocket"], false))).toBe("Bad accept token");
  });

  it("test_handshake_with_subprotocol", () => {
    const outcome = makeHandshake(response(101, ["connection: Upgrade", "upgrade: WebSocket", "sec-websocket-protocol: one"]), {
      subprotocols: ["one", "two"],
    });
    expect(outcome).toMatchObject({ outcome: "accepted", accept: new AcceptConnection({ subprotocol: "one" }) });
  });

  it("test_handshake_bad_subprotocol", () => {
    expect(handshakeFailure(response(101, ["connection: Upgrade", "upgrade: WebSocket", "sec-websocket-protocol: new"]))).toBe(
      "unrecognized subprotocol new",
    );
  });

  it("test_handshake_with_extension", () => {
    const offered: Extension[] = [];
    const outcome = makeHandshake(response(101, ["connection: Upgrade", "upgrade: WebSocket", "sec-websocket-extensions: fake"]), {
      extensions: () => {
        offered.push(new FakeExtension({ offerResponse: true }));
        return [offered.at(-1)!];
      },
    });
    expect(outcome.outcome).toBe("accepted");
    // The very object the client offered, finalized with the server's item.
    const accepted = (outcome as { accept: AcceptConnection }).accept.extensions;
    expect(accepted).toHaveLength(1);
    expect(accepted[0]).toBe(offered[0]);
    expect((offered[0] as FakeExtension).finalized).toEqual(["fake"]);
  });

  it("test_handshake_bad_extension", () => {
    expect(
      handshakeFailure(response(101, ["connection: Upgrade", "upgrade: WebSocket", "sec-websocket-extensions: bad, foo"]), {
        extensions: () => [new FakeExtension({ offerResponse: true })],
      }),
    ).toBe("unrecognized extension bad");
  });

  it("test_protocol_error", () => {
    const message = handshakeFailure("broken nonsense\r\n\r\n");
    expect(message).toMatch(/^Bad HTTP message/);
    const client = new WSConnection(ConnectionType.CLIENT);
    client.send(new Request({ host: "localhost", target: "/" }));
    const error = remoteError(() => client.receiveData(bytes("broken nonsense\r\n\r\n")));
    expect(error.eventHint).toEqual(new RejectConnection());
    expect(client.state).toBe(ConnectionState.CLOSED);
  });

  it("test_handshake_rejection", () => {
    // h11's rejection without a length: close-delimited, ended by EOF (runClient feeds it).
    const outcome = makeHandshake("HTTP/1.1 400 \r\nconnection: close\r\n\r\n");
    expect(outcome).toEqual({
      outcome: "rejected",
      events: [
        new RejectConnection({ headers: [["connection", "close"]], hasBody: true, statusCode: 400 }),
        new RejectData({ bodyFinished: true, data: new Uint8Array(0) }),
      ],
      state: ConnectionState.CLOSED,
    });
  });

  it("test_handshake_rejection_with_body", () => {
    const outcome = makeHandshake("HTTP/1.1 400 \r\ncontent-length: 5\r\n\r\nHello");
    expect(outcome).toEqual({
      outcome: "rejected",
      events: [
        new RejectConnection({ headers: [["content-length", "5"]], hasBody: true, statusCode: 400 }),
        new RejectData({ bodyFinished: false, data: bytes("Hello") }),
        new RejectData({ bodyFinished: true, data: new Uint8Array(0) }),
      ],
      state: ConnectionState.CLOSED,
    });
  });
});

describe("beyond test_client.py", () => {
  it("merges repeated Sec-WebSocket-Extensions headers (DESIGN deviation 9; wsproto keeps the last)", () => {
    const outcome = makeHandshake(
      response(101, ["connection: Upgrade", "upgrade: websocket", "sec-websocket-extensions: b", "sec-websocket-extensions: a; x=1"]),
      { extensions: () => [new FakeExtension({ offerResponse: true, name: "a" }), new FakeExtension({ offerResponse: true, name: "b" })] },
    );
    const accepted = (outcome as { accept: AcceptConnection }).accept.extensions as FakeExtension[];
    expect(accepted.map((e) => [e.name, e.finalized])).toEqual([
      ["b", ["b"]],
      ["a", ["a; x=1"]],
    ]);
  });

  it("turns a throwing finalize() into a RemoteProtocolError, state CLOSED (wsproto lets ValueError escape)", () => {
    const message = handshakeFailure(response(101, ["connection: Upgrade", "upgrade: websocket", "sec-websocket-extensions: fake; x=1"]), {
      extensions: () => [new FakeExtension({ offerResponse: true, throwOnFinalize: true })],
    });
    expect(message).toBe("extension fake refused the server's parameters: fake refuses fake; x=1");
  });

  it("refuses bytes before the Request was sent (spec §4.5: Bad HTTP message)", () => {
    const client = new WSConnection(ConnectionType.CLIENT);
    const error = remoteError(() => client.receiveData(bytes(response(101, []))));
    expect(error).toBeInstanceOf(RemoteProtocolError);
    expect(error.message).toMatch(/^Bad HTTP message/);
  });
});
