/**
 * wsproto's test/test_server.py (spec §9.3, 18 items) ported to `WSConnection` in the
 * server role. wsproto's peer is an h11 client; here it is hand-written request bytes
 * (fed whole, byte by byte and in random splits) and wstate's own parser reading the
 * response, or a wstate client.
 *
 * Adapted to DESIGN.md and the handshake layer's documented choices: the 101 is
 * `HTTP/1.1 101 Switching Protocols` with `Upgrade: websocket` (deviation 6), the key
 * must be base64 of 16 bytes (deviation 6), POST gets 405 with `Allow: GET`, a malformed
 * version 400 (a well-formed other version 426), and rejection responses carry a reason
 * phrase.
 */
import { describe, expect, it } from "vitest";
import {
  AcceptConnection,
  ConnectionState,
  ConnectionType,
  LocalProtocolError,
  RejectConnection,
  RejectData,
  RemoteProtocolError,
  Request,
  WSConnection,
  acceptToken,
  generateNonce,
  type Extension,
  type Headers,
} from "../../src/index.js";
import { GOOD_HEADERS, GOOD_REQUEST } from "../fixtures/wsproto-requests.js";
import { FakeExtension } from "../handshake/fake-extension.js";
import { chunkings } from "../handshake/helpers.js";
import { bytes, feedAll, parseResponse, remoteError, text } from "./drive.js";

function requestBytes(headers: Headers, method = "GET"): Uint8Array {
  return bytes(`${method} / HTTP/1.1\r\n` + headers.map(([n, v]) => `${n}: ${v}\r\n`).join("") + "\r\n");
}

/** wsproto's `_make_connection_request`: the server's first event, the same in every chunking. */
function makeConnectionRequest(headers: Headers, method = "GET"): Request {
  const requests = chunkings(requestBytes(headers, method)).map(([how, chunks]) => {
    const server = new WSConnection(ConnectionType.SERVER);
    const events = feedAll(server, chunks);
    expect(events, how).toHaveLength(1);
    expect(server.state).toBe(ConnectionState.CONNECTING);
    return events[0];
  });
  expect(requests[0]).toBeInstanceOf(Request);
  for (const request of requests) expect(request).toEqual(requests[0]);
  return requests[0] as Request;
}

/** The error the request makes the server raise, the same in every chunking. */
function requestError(headers: Headers, method = "GET"): RemoteProtocolError {
  const errors = chunkings(requestBytes(headers, method)).map(([, chunks]) => {
    const server = new WSConnection(ConnectionType.SERVER);
    const error = remoteError(() => feedAll(server, chunks));
    expect(server.state).toBe(ConnectionState.CONNECTING);
    // The hint is the answer: sending it ends the handshake.
    const { head } = parseResponse(server.send(error.eventHint!));
    expect(head.statusCode).toBe((error.eventHint as RejectConnection).statusCode);
    expect(server.state).toBe(ConnectionState.CLOSED);
    return error;
  });
  for (const error of errors) {
    expect(error.message).toBe(errors[0].message);
    expect(error.eventHint).toEqual(errors[0].eventHint);
  }
  return errors[0];
}

describe("test_server.py: the server reads the request", () => {
  it("test_connection_request", () => {
    const request = makeConnectionRequest(GOOD_HEADERS);
    expect(request).toEqual(GOOD_REQUEST);
    for (const name of ["host", "sec-websocket-extensions", "sec-websocket-protocol"]) {
      expect(request.extraHeaders.map(([n]) => n)).not.toContain(name);
    }
  });

  it("test_connection_request_bad_method", () => {
    const error = requestError(GOOD_HEADERS, "POST");
    expect(error.message).toBe("Request method must be GET");
    // wsproto hints a bare 400; wstate answers 405 with Allow: GET (RFC 9110 §15.5.6).
    expect(error.eventHint).toEqual(new RejectConnection({ statusCode: 405, headers: [["Allow", "GET"]] }));
  });

  it("test_connection_request_bad_connection_header", () => {
    const error = requestError(GOOD_HEADERS.map(([n, v]) => [n, n === "Connection" ? "Keep-Alive, No-Upgrade" : v] as const));
    expect(error.message).toBe("Missing header, 'Connection: Upgrade'");
    expect(error.eventHint).toEqual(new RejectConnection());
  });

  it("test_connection_request_bad_upgrade_header", () => {
    const error = requestError(GOOD_HEADERS.map(([n, v]) => [n, n === "Upgrade" ? "h2c" : v] as const));
    expect(error.message).toBe("Missing header, 'Upgrade: WebSocket'");
    expect(error.eventHint).toEqual(new RejectConnection());
  });

  it.each([
    ["12", 426],
    // wsproto answers 426 here too; a version that is not a number is 400 in wstate (hardening H13).
    ["not-a-digit", 400],
  ])("test_connection_request_bad_version_header %s", (version, status) => {
    const error = requestError(GOOD_HEADERS.map(([n, v]) => [n, n === "Sec-WebSocket-Version" ? version : v] as const));
    expect(error.message).toBe("Missing header, 'Sec-WebSocket-Version'");
    expect(error.eventHint).toEqual(new RejectConnection({ headers: [["Sec-WebSocket-Version", "13"]], statusCode: status }));
  });

  it("test_connection_request_key_header", () => {
    const error = requestError(GOOD_HEADERS.filter(([n]) => n !== "Sec-WebSocket-Key"));
    expect(error.message).toBe("Missing header, 'Sec-WebSocket-Key'");
    expect(error.eventHint).toEqual(new RejectConnection());
  });

  it("test_upgrade_request", () => {
    const server = new WSConnection(ConnectionType.SERVER);
    server.initiateUpgradeConnection(GOOD_HEADERS, "/");
    expect([...server.events()]).toEqual([GOOD_REQUEST]);
    expect(server.state).toBe(ConnectionState.CONNECTING);
    // The connection goes on from there: the 101, then the client's frames.
    expect(text(server.send(new AcceptConnection()))).toMatch(/^HTTP\/1\.1 101 Switching Protocols\r\n/);
    server.receiveData(Uint8Array.of(0x81, 0x82, 0, 0, 0, 0, 0x68, 0x69));
    expect([...server.events()].map((e) => e.type)).toEqual(["TextMessage"]);
  });

  it("test_protocol_error", () => {
    for (const [how, chunks] of chunkings(bytes("broken nonsense\r\n\r\n"))) {
      const server = new WSConnection(ConnectionType.SERVER);
      const error = remoteError(() => feedAll(server, chunks));
      expect(error.message, how).toMatch(/^Bad HTTP message/);
      expect(error.eventHint).toEqual(new RejectConnection());
      expect(server.state).toBe(ConnectionState.CONNECTING);
      server.send(error.eventHint!);
      expect(server.state).toBe(ConnectionState.CLOSED);
    }
  });
});

/**
 * wsproto's `_make_handshake`: a request with `requestHeaders` added, accepted with
 * `accept`; returns the 101 as the client's parser reads it, and the nonce.
 */
function makeHandshake(requestHeaders: Headers, accept: AcceptConnection) {
  const nonce = generateNonce();
  const server = new WSConnection(ConnectionType.SERVER);
  const events = feedAll(server, [
    requestBytes([
      ["Host", "localhost"],
      ["Connection", "Keep-Alive, Upgrade"],
      ["Upgrade", "WebSocket"],
      ["Sec-WebSocket-Version", "13"],
      ["Sec-WebSocket-Key", nonce],
      ...requestHeaders,
    ]),
  ]);
  expect(events.map((e) => e.type)).toEqual(["Request"]);
  const wire = server.send(accept);
  expect(server.state).toBe(ConnectionState.OPEN);
  const { head, rest } = parseResponse(wire);
  expect(rest).toBe("");
  return { head, wire: text(wire), nonce, sorted: [...head.headers].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)) };
}

describe("test_server.py: the server's 101", () => {
  it("test_handshake", () => {
    const { head, wire, nonce, sorted } = makeHandshake([], new AcceptConnection());
    expect(head.statusCode).toBe(101);
    // wsproto writes "HTTP/1.1 101 \r\n" and "Upgrade: WebSocket" (DESIGN deviation 6).
    expect(wire.startsWith("HTTP/1.1 101 Switching Protocols\r\n")).toBe(true);
    expect(sorted).toEqual([
      ["connection", "Upgrade"],
      ["sec-websocket-accept", acceptToken(nonce)],
      ["upgrade", "websocket"],
    ]);
  });

  it("test_handshake_extra_headers", () => {
    const { sorted, nonce } = makeHandshake([], new AcceptConnection({ extraHeaders: [["X-Foo", "bar"]] }));
    expect(sorted).toEqual([
      ["connection", "Upgrade"],
      ["sec-websocket-accept", acceptToken(nonce)],
      ["upgrade", "websocket"],
      ["x-foo", "bar"],
    ]);
  });

  it.each(["one", "two"])("test_handshake_with_subprotocol %s", (subprotocol) => {
    const { head } = makeHandshake([["Sec-Websocket-Protocol", "one, two"]], new AcceptConnection({ subprotocol }));
    expect(head.headers).toContainEqual(["sec-websocket-protocol", subprotocol]);
  });

  it("test_handshake_with_extension", () => {
    const extension = new FakeExtension({ acceptResponse: true });
    const { head } = makeHandshake([["Sec-WebSocket-Extensions", "fake"]], new AcceptConnection({ extensions: [extension] }));
    expect(head.headers).toContainEqual(["sec-websocket-extensions", "fake"]);
    expect(extension.offered).toEqual(["fake"]);
  });

  it("test_handshake_with_extension_params", () => {
    const offered = "fake; parameter1=value3; parameter2=value4";
    const extension = new FakeExtension({ acceptResponse: "parameter1=value1; parameter2=value2" });
    const { head } = makeHandshake([["Sec-WebSocket-Extensions", offered]], new AcceptConnection({ extensions: [extension] }));
    expect(extension.offered).toEqual([offered]);
    expect(head.headers).toContainEqual(["sec-websocket-extensions", "fake; parameter1=value1; parameter2=value2"]);
  });

  it("test_handshake_with_extra_unaccepted_extension", () => {
    const extensions: Extension[] = [new FakeExtension({ acceptResponse: true })];
    const { head } = makeHandshake([["Sec-WebSocket-Extensions", "pretend, fake"]], new AcceptConnection({ extensions }));
    expect(head.headers).toContainEqual(["sec-websocket-extensions", "fake"]);
  });
});

describe("test_server.py: rejections", () => {
  /** A wstate client's request reaches a server, which rejects it: the bytes it wrote. */
  function rejectPair(reject: (server: WSConnection) => Uint8Array[]) {
    const client = new WSConnection(ConnectionType.CLIENT);
    const server = new WSConnection(ConnectionType.SERVER);
    expect(feedAll(server, [client.send(new Request({ host: "localhost", target: "/" }))]).map((e) => e.type)).toEqual(["Request"]);
    const parts = reject(server);
    expect(server.state).toBe(ConnectionState.CLOSED);
    return { wire: new Uint8Array(parts.flatMap((p) => [...p])) };
  }

  /** What a wstate client makes of `wire`, the same in every chunking. */
  function clientEvents(wire: Uint8Array) {
    const outcomes = chunkings(wire).map(([, chunks]) => {
      const client = new WSConnection(ConnectionType.CLIENT);
      client.send(new Request({ host: "localhost", target: "/" }));
      const events = feedAll(client, chunks);
      expect(client.state).toBe(ConnectionState.CLOSED);
      return events;
    });
    for (const events of outcomes) expect(events).toEqual(outcomes[0]);
    return outcomes[0];
  }

  it("test_handshake_rejection", () => {
    const { wire } = rejectPair((server) => [server.send(new RejectConnection({ statusCode: 400 }))]);
    expect(text(wire)).toBe("HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n");
    const { head, rest } = parseResponse(wire);
    expect([head.statusCode, head.headers, rest]).toEqual([400, [["content-length", "0"]], ""]);
    // wsproto's client reports has_body=True and an empty RejectData (h11 cannot tell);
    // wstate reports that there is no body at all.
    expect(clientEvents(wire)).toEqual([new RejectConnection({ statusCode: 400, headers: [["content-length", "0"]], hasBody: false })]);
  });

  it("test_handshake_rejection_with_body", () => {
    const { wire } = rejectPair((server) => {
      const head = server.send(new RejectConnection({ headers: [["content-length", "5"]], statusCode: 400, hasBody: true }));
      expect(server.state).toBe(ConnectionState.REJECTING);
      return [head, server.send(new RejectData({ data: bytes("Hello") }))];
    });
    const { head, rest } = parseResponse(wire);
    expect([head.statusCode, head.headers, rest]).toEqual([400, [["content-length", "5"]], "Hello"]);
    expect(clientEvents(wire)).toEqual([
      new RejectConnection({ statusCode: 400, headers: [["content-length", "5"]], hasBody: true }),
      new RejectData({ data: bytes("Hello"), bodyFinished: false }),
      new RejectData({ data: new Uint8Array(0), bodyFinished: true }),
    ]);
  });
});

describe("beyond test_server.py", () => {
  it("an extension whose accept() throws makes send a LocalProtocolError and changes nothing (I1)", () => {
    class Throwing extends FakeExtension {
      override accept(): string {
        throw new Error("boom");
      }
    }
    const server = new WSConnection(ConnectionType.SERVER);
    feedAll(server, [requestBytes([...GOOD_HEADERS, ["Sec-WebSocket-Extensions", "fake"]])]);
    const accept = new AcceptConnection({ extensions: [new Throwing()] });
    expect(() => server.send(accept)).toThrow(LocalProtocolError);
    expect(() => server.send(accept)).toThrow("Extension fake: accept() threw (it must decline instead): boom");
    expect(server.state).toBe(ConnectionState.CONNECTING);
    const { head } = parseResponse(server.send(new AcceptConnection({ extensions: [new FakeExtension({ acceptResponse: true })] })));
    expect(head.headers).toContainEqual(["sec-websocket-extensions", "fake"]);
  });

  it("initiateUpgradeConnection: a bad request is a RemoteProtocolError whose hint answers it; a second call is refused", () => {
    const server = new WSConnection(ConnectionType.SERVER);
    const error = remoteError(() => server.initiateUpgradeConnection(GOOD_HEADERS.filter(([n]) => n !== "Upgrade"), "/"));
    expect(error.message).toBe("Missing header, 'Upgrade: WebSocket'");
    expect(() => server.initiateUpgradeConnection(GOOD_HEADERS, "/")).toThrow(LocalProtocolError);
    expect(parseResponse(server.send(error.eventHint!)).head.statusCode).toBe(400);
    expect(server.state).toBe(ConnectionState.CLOSED);

    // wsproto yields one Request for two calls (h11 pauses); wstate refuses the second.
    const twice = new WSConnection(ConnectionType.SERVER);
    twice.initiateUpgradeConnection(GOOD_HEADERS, "/");
    expect(() => twice.initiateUpgradeConnection(GOOD_HEADERS, "/")).toThrow(
      /initiateUpgradeConnection is for a server that has not received a request yet; the state is CONNECTING/,
    );
    expect([...twice.events()]).toEqual([GOOD_REQUEST]);
  });
});
