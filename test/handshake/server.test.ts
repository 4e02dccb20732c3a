import { describe, expect, it } from "vitest";
import { concatBytes } from "../../src/bytes.js";
import { LocalProtocolError, RemoteProtocolError } from "../../src/errors.js";
import { AcceptConnection, type Headers, RejectConnection, RejectData, Request } from "../../src/events.js";
import { PerMessageDeflate } from "../../src/extensions/permessage-deflate.js";
import { HttpHeadParser } from "../../src/handshake/http-head.js";
import {
  buildAcceptResponse,
  buildRejectResponse,
  requestHeadFailure,
  upgradeRequestHead,
  validateRequest,
} from "../../src/handshake/server.js";
import { ACCEPT, BASE, KEY, OK_101, SERVER_ROWS, prototypeUntouched, withHeaders, type ServerRow } from "../fixtures/handshake-rows.js";
import { GOOD_HEADERS, GOOD_REQUEST, MULTIPLE_HEADERS_REQUEST, MULTIPLE_HEADERS_WIRE } from "../fixtures/wsproto-requests.js";
import { bytes, chunkings, feedHead, text } from "./helpers.js";
import { FakeExtension } from "./fake-extension.js";

interface ServerSummary {
  status: number | "no answer";
  message?: string;
  hintHeaders?: Headers;
  request?: Request;
  /** The negotiated Sec-WebSocket-Extensions of the 101, or null when none. */
  extensions?: string | null;
  response?: string;
  rest?: string;
}

/** How a server is run: a row's limit, Origin check and EOF. */
type ServerRun = Pick<ServerRow, "options" | "eof">;

/** Parser → validateRequest → buildAcceptResponse (offering PerMessageDeflate), as a summary. */
function runServer(chunks: Iterable<Uint8Array>, run: ServerRun = {}): ServerSummary {
  const parsed = feedHead(HttpHeadParser.request({ maxHandshakeSize: run.options?.maxHandshakeSize }), chunks, run.eof);
  if (parsed.status === "incomplete") throw new Error("the input ended inside the head without EOF: no outcome");
  const outcome =
    parsed.status === "failed"
      ? requestHeadFailure(parsed)
      : validateRequest(parsed.head, { checkOrigin: run.options?.checkOrigin });
  if (outcome instanceof RemoteProtocolError) {
    const hint = outcome.eventHint;
    if (hint === null) return { status: "no answer", message: outcome.message };
    expect(hint).toBeInstanceOf(RejectConnection);
    const reject = hint as RejectConnection;
    return { status: reject.statusCode, message: outcome.message, hintHeaders: reject.headers };
  }
  const response = buildAcceptResponse(outcome, new AcceptConnection({ extensions: [new PerMessageDeflate()] }));
  const head = HttpHeadParser.response().feed(response);
  if (head.status !== "complete") throw new Error("our own 101 does not parse");
  const negotiated = head.head.headers.find(([name]) => name === "sec-websocket-extensions");
  return {
    status: 101,
    request: outcome,
    extensions: negotiated === undefined ? null : negotiated[1],
    response: text(response),
    rest: parsed.status === "complete" ? text(parsed.rest) : undefined,
  };
}

/** The row's expectations that the handshake modules can meet (what comes after the head is the connection's). */
function checkRow(row: ServerRow, summary: ServerSummary, how: string): void {
  expect(summary.status, `${how}: ${summary.message}`).toBe(row.status);
  if (row.status === 101) {
    expect(summary.response, how).toMatch(/^HTTP\/1\.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n/);
    expect(summary.response, how).toContain(`\r\nSec-WebSocket-Accept: ${ACCEPT}\r\n`);
    expect(summary.extensions, how).toBe(row.extensions ?? null);
    expect(summary.request, how).toMatchObject(row.request ?? {});
    expect(summary.rest, how).toBe(row.rest ?? "");
  } else {
    expect(summary.message, how).toContain(row.why);
    if (row.status !== "no answer") expect(summary.hintHeaders, how).toEqual(row.hintHeaders ?? []);
  }
}

describe("hardening §5.1: the server's verdict on each bad request", () => {
  it.each(SERVER_ROWS.map((row) => [row.id, row] as const))("%s", (_id, row) => {
    let first: ServerSummary | undefined;
    for (const [how, chunks] of chunkings(bytes(row.input))) {
      const summary = runServer(chunks, row);
      checkRow(row, summary, how);
      // Every chunking gives the same verdict, message and event (I4).
      if (first === undefined) first = summary;
      else expect(summary, how).toEqual(first);
    }
    expect(prototypeUntouched()).toBe(true);
  });
});

describe("validateRequest (wsproto test_server.py, spec §9.3)", () => {
  function request(headers: string, method = "GET"): Request | RemoteProtocolError {
    const result = HttpHeadParser.request().feed(bytes(`${method} / HTTP/1.1\r\n${headers}\r\n`));
    if (result.status !== "complete") throw new Error("test request does not parse");
    return validateRequest(result.head);
  }
  const GOOD = GOOD_HEADERS.map(([name, value]) => `${name}: ${value}\r\n`).join("");

  it("turns a valid request into a Request event (test_connection_request)", () => {
    expect(request(GOOD)).toEqual(GOOD_REQUEST);
  });

  it.each([
    ["POST", GOOD, "Request method must be GET", 405],
    ["GET", GOOD.replace("Keep-Alive, Upgrade", "Keep-Alive, No-Upgrade"), "Missing header, 'Connection: Upgrade'", 400],
    ["GET", GOOD.replace("Upgrade: WebSocket", "Upgrade: h2c"), "Missing header, 'Upgrade: WebSocket'", 400],
    ["GET", GOOD.replace("Version: 13", "Version: 12"), "Missing header, 'Sec-WebSocket-Version'", 426],
    // wsproto answers 426 here too; a malformed version is 400 in wstate (hardening H13).
    ["GET", GOOD.replace("Version: 13", "Version: not-a-digit"), "Missing header, 'Sec-WebSocket-Version'", 400],
    ["GET", GOOD.replace(`Sec-WebSocket-Key: ${KEY}\r\n`, ""), "Missing header, 'Sec-WebSocket-Key'", 400],
    ["GET", GOOD.replace("Host: localhost\r\n", ""), "Missing header, 'Host'", 400],
  ])("%s with a bad header → wsproto's message", (method, headers, message, status) => {
    const outcome = request(headers, method);
    expect(outcome).toBeInstanceOf(RemoteProtocolError);
    expect((outcome as RemoteProtocolError).message).toBe(message);
    expect((outcome as RemoteProtocolError).eventHint).toMatchObject({ statusCode: status });
  });

  it("reports the version hint as wsproto does (426 + Sec-WebSocket-Version: 13)", () => {
    const outcome = request(GOOD.replace("Version: 13", "Version: 12")) as RemoteProtocolError;
    expect(outcome.eventHint).toEqual(
      new RejectConnection({ statusCode: 426, headers: [["Sec-WebSocket-Version", "13"]] }),
    );
  });

  it("turns 'broken nonsense' into Bad HTTP message (test_protocol_error)", () => {
    const parsed = HttpHeadParser.request().feed(bytes("broken nonsense\r\n\r\n"));
    if (parsed.status !== "failed") throw new Error("expected a failure");
    const error = requestHeadFailure(parsed.failure);
    expect(error.message).toMatch(/^Bad HTTP message/);
    expect(error.eventHint).toEqual(new RejectConnection({ statusCode: 400 }));
  });

  it("merges subprotocols and extensions of repeated headers (test_h11_multiple_headers_handshake)", () => {
    for (const [how, chunks] of chunkings(bytes(MULTIPLE_HEADERS_WIRE))) {
      expect(runServer(chunks).request, how).toMatchObject(MULTIPLE_HEADERS_REQUEST);
    }
  });

  it("decodes a punycode Host back to Unicode, and never throws on bad punycode", () => {
    const host = (value: string): string | undefined => {
      const outcome = request(GOOD.replace("Host: localhost", `Host: ${value}`));
      return outcome instanceof Request ? outcome.host : outcome.message;
    };
    expect(host("xn--7ks3rz39bh7u")).toBe("芝士汉堡");
    expect(host("xn--7ks3rz39bh7u.com:8080")).toBe("芝士汉堡.com:8080");
    expect(host("xn--7ks3rz39bh7u:8080x")).toBe("xn--7ks3rz39bh7u:8080x");
    expect(host("xn--9999999999999999")).toBe("xn--9999999999999999");
    expect(host("xn--.example")).toBe("xn--.example");
    expect(host("[::1]:8080")).toBe("[::1]:8080");
    expect(host("EXAMPLE.com")).toBe("EXAMPLE.com");
  });

  it.each([
    ["Content-Length: 0", true],
    ["Content-Length: 0, 0", true],
    ["Content-Length: 1", false],
    ["Content-Length: abc", false],
    ["Transfer-Encoding: identity", false],
  ])("a request with %s is %s", (header, accepted) => {
    expect(request(GOOD + header + "\r\n") instanceof Request).toBe(accepted);
  });

  it("hands the Origin to checkOrigin, null when absent", () => {
    const seen: Array<string | null> = [];
    const head = (extra: string) => {
      const parsed = HttpHeadParser.request().feed(bytes(`GET / HTTP/1.1\r\n${GOOD}${extra}\r\n`));
      if (parsed.status !== "complete") throw new Error("does not parse");
      return parsed.head;
    };
    validateRequest(head(""), { checkOrigin: (o) => (seen.push(o), true) });
    validateRequest(head("Origin: https://a.example\r\n"), { checkOrigin: (o) => (seen.push(o), true) });
    expect(seen).toEqual([null, "https://a.example"]);
  });
});

describe("upgradeRequestHead (initiate_upgrade_connection, test_upgrade_request)", () => {
  // With white space around the key, which the parser drops too.
  const headers: Headers = GOOD_HEADERS.map(([name, value]) => [name, name === "Sec-WebSocket-Key" ? ` ${value}\t` : value]);

  it("gives the head the parser would give, so validateRequest makes the same Request", () => {
    const head = upgradeRequestHead(headers, "/");
    const parsed = HttpHeadParser.request().feed(
      bytes("GET / HTTP/1.1\r\n" + headers.map(([n, v]) => `${n}: ${v}\r\n`).join("") + "\r\n"),
    );
    if (parsed.status !== "complete") throw new Error("does not parse");
    expect(head).toEqual(parsed.head);
    const request = validateRequest(head);
    expect(request).toBeInstanceOf(Request);
    expect((request as Request).extraHeaders).toContainEqual(["x-foo", "bar"]);
  });

  it.each<[string, Headers, string]>([
    ["a CR LF in a value", [["X-A", "a\r\nb: c"]], "/"],
    ["a bad name", [["X A", "a"]], "/"],
    ["a bad target", [], "/a b"],
  ])("refuses %s", (_name, bad, target) => {
    expect(() => upgradeRequestHead(bad, target)).toThrow(LocalProtocolError);
  });

  it("leaves a missing Host to validateRequest (400)", () => {
    const outcome = validateRequest(upgradeRequestHead(headers.slice(1), "/"));
    expect(outcome).toEqual(new RemoteProtocolError("Missing header, 'Host'", new RejectConnection()));
  });
});

describe("buildAcceptResponse (spec §4.3, §9.3)", () => {
  function received(extra = ""): Request {
    const parsed = HttpHeadParser.request().feed(bytes(withHeaders(BASE, extra ? [extra] : [])));
    if (parsed.status !== "complete") throw new Error("does not parse");
    const request = validateRequest(parsed.head);
    if (!(request instanceof Request)) throw request;
    return request;
  }

  it("writes the exact 101 (test_handshake), Upgrade in lower case and with a reason phrase", () => {
    expect(text(buildAcceptResponse(received(), new AcceptConnection()))).toBe(OK_101);
  });

  it("writes subprotocol, extensions and extra headers in wsproto's order", () => {
    const request = received("Sec-WebSocket-Protocol: a, b");
    const withOffer = new Request({ ...request, extensions: ["fake; parameter1=value3; parameter2=value4"] });
    const fake = new FakeExtension({ acceptResponse: "parameter1=value1; parameter2=value2" });
    const response = buildAcceptResponse(
      withOffer,
      new AcceptConnection({ subprotocol: "b", extensions: [fake], extraHeaders: [["X-A", "1"]] }),
    );
    expect(text(response)).toBe(
      "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
        `Sec-WebSocket-Accept: ${ACCEPT}\r\nSec-WebSocket-Protocol: b\r\n` +
        "Sec-WebSocket-Extensions: fake; parameter1=value1; parameter2=value2\r\nX-A: 1\r\n\r\n",
    );
    expect(fake.offered).toEqual(["fake; parameter1=value3; parameter2=value4"]);
  });

  it.each(["one", "two"])("answers the chosen subprotocol %s (test_handshake_with_subprotocol)", (chosen) => {
    const response = text(buildAcceptResponse(received("Sec-Websocket-Protocol: one, two"), new AcceptConnection({ subprotocol: chosen })));
    expect(response).toContain(`\r\nSec-WebSocket-Protocol: ${chosen}\r\n`);
  });

  it("answers only the accepted extension (test_handshake_with_extra_unaccepted_extension)", () => {
    const request = received("Sec-WebSocket-Extensions: pretend, fake");
    const response = text(buildAcceptResponse(request, new AcceptConnection({ extensions: [new FakeExtension({ acceptResponse: true })] })));
    expect(response).toContain("\r\nSec-WebSocket-Extensions: fake\r\n");
  });

  it("refuses a subprotocol the client did not offer, and changes nothing", () => {
    const fake = new FakeExtension({ acceptResponse: true });
    const request = new Request({ ...received("Sec-WebSocket-Protocol: a"), extensions: ["fake"] });
    expect(() => buildAcceptResponse(request, new AcceptConnection({ subprotocol: "b", extensions: [fake] }))).toThrow(
      new LocalProtocolError("unexpected subprotocol b: choose one the client offered (a)"),
    );
    expect(fake.offered).toEqual([]);
  });

  it.each<[string, AcceptConnection]>([
    ["a CR LF in an extra header value", new AcceptConnection({ extraHeaders: [["X-A", "1\r\nSet-Cookie: x"]] })],
    ["a NUL in an extra header value", new AcceptConnection({ extraHeaders: [["X-A", "a\x00"]] })],
    ["a space in an extra header name", new AcceptConnection({ extraHeaders: [["X A", "1"]] })],
    ["a character above U+00FF", new AcceptConnection({ extraHeaders: [["X-A", "\u20ac"]] })],
    ["a second Sec-WebSocket-Accept", new AcceptConnection({ extraHeaders: [["sec-websocket-accept", "x"]] })],
    ["an Upgrade header", new AcceptConnection({ extraHeaders: [["Upgrade", "h2c"]] })],
    ["a subprotocol with a comma", new AcceptConnection({ subprotocol: "a,b" })],
    ["an empty subprotocol", new AcceptConnection({ subprotocol: "" })],
  ])("refuses %s (hardening G10)", (_name, accept) => {
    expect(() => buildAcceptResponse(received("Sec-WebSocket-Protocol: a,b"), accept)).toThrow(LocalProtocolError);
  });

  it("refuses a Request that did not come from a client", () => {
    expect(() => buildAcceptResponse(new Request({ host: "h", target: "/" }), new AcceptConnection())).toThrow(
      LocalProtocolError,
    );
  });

  it("turns an extension's bad answer into a LocalProtocolError", () => {
    const request = new Request({ ...received(), extensions: ["fake"] });
    const bad = (acceptResponse: string) => new AcceptConnection({ extensions: [new FakeExtension({ acceptResponse })] });
    expect(() => buildAcceptResponse(request, bad("a=1\r\nX: y"))).toThrow(LocalProtocolError);
    expect(() => buildAcceptResponse(request, bad("a=1, other"))).toThrow(LocalProtocolError);
    expect(() => buildAcceptResponse(request, bad(";;"))).toThrow(LocalProtocolError);
  });
});

describe("buildRejectResponse and its body (spec §4.4)", () => {
  it("writes a rejection without body with content-length: 0 (test_handshake_rejection)", () => {
    const { bytes: head, body } = buildRejectResponse(new RejectConnection());
    expect(text(head)).toBe("HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n");
    expect(body).toBeNull();
  });

  it("keeps a user Content-Length: 0 once", () => {
    const { bytes: head } = buildRejectResponse(new RejectConnection({ headers: [["Content-Length", "0"]] }));
    expect(text(head)).toBe("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n");
  });

  it("sends a body of the declared length raw (test_handshake_rejection_with_body)", () => {
    const { bytes: head, body } = buildRejectResponse(
      new RejectConnection({ headers: [["content-length", "5"]], hasBody: true }),
    );
    expect(text(head)).toBe("HTTP/1.1 400 Bad Request\r\ncontent-length: 5\r\n\r\n");
    const data = new RejectData({ data: bytes("Hello") });
    expect(text(body!.write(data.data, data.bodyFinished))).toBe("Hello");
    expect(body!.finished).toBe(true);
  });

  it("chunks a body of unknown length for HTTP/1.1, and closes for HTTP/1.0", () => {
    const chunked = buildRejectResponse(new RejectConnection({ statusCode: 403, hasBody: true, headers: [["X-Why", "no"]] }));
    expect(text(chunked.bytes)).toBe("HTTP/1.1 403 Forbidden\r\nX-Why: no\r\ntransfer-encoding: chunked\r\n\r\n");
    expect(text(chunked.body!.write(bytes("Hello, "), false))).toBe("7\r\nHello, \r\n");
    expect(text(chunked.body!.write(new Uint8Array(0), false))).toBe("");
    expect(text(chunked.body!.write(bytes("world"), true))).toBe("5\r\nworld\r\n0\r\n\r\n");
    expect(() => chunked.body!.write(bytes("late"), true)).toThrow(LocalProtocolError);

    const http10 = buildRejectResponse(new RejectConnection({ statusCode: 505, hasBody: true }), true);
    expect(text(http10.bytes)).toBe("HTTP/1.1 505 HTTP Version Not Supported\r\nconnection: close\r\n\r\n");
    expect(text(http10.body!.write(bytes("bye"), true))).toBe("bye");
  });

  it("enforces the declared Content-Length", () => {
    const over = buildRejectResponse(new RejectConnection({ headers: [["content-length", "3"]], hasBody: true }));
    expect(() => over.body!.write(bytes("toolong"), false)).toThrow(LocalProtocolError);
    expect(text(over.body!.write(bytes("ab"), false))).toBe("ab");
    expect(() => over.body!.write(bytes(""), true)).toThrow(LocalProtocolError);
    expect(text(over.body!.write(bytes("c"), true))).toBe("c");
  });

  it("uses an empty reason phrase for codes without one", () => {
    expect(text(buildRejectResponse(new RejectConnection({ statusCode: 599 })).bytes)).toBe(
      "HTTP/1.1 599 \r\ncontent-length: 0\r\n\r\n",
    );
  });

  it.each<[string, RejectConnection]>([
    ["status 101", new RejectConnection({ statusCode: 101 })],
    ["status 199", new RejectConnection({ statusCode: 199 })],
    ["status 1000", new RejectConnection({ statusCode: 1000 })],
    ["status 400.5", new RejectConnection({ statusCode: 400.5 })],
    ["status NaN", new RejectConnection({ statusCode: Number.NaN })],
    ["a 204 with a body", new RejectConnection({ statusCode: 204, hasBody: true })],
    ["Transfer-Encoding", new RejectConnection({ headers: [["Transfer-Encoding", "chunked"]], hasBody: true })],
    ["Content-Length 5 without body", new RejectConnection({ headers: [["Content-Length", "5"]] })],
    ["two Content-Lengths", new RejectConnection({ headers: [["Content-Length", "1"], ["Content-Length", "1"]], hasBody: true })],
    ["a non-numeric Content-Length", new RejectConnection({ headers: [["Content-Length", "-1"]], hasBody: true })],
    ["CR LF in a header value", new RejectConnection({ headers: [["X-A", "a\r\nb: c"]] })],
    ["a header name with a colon", new RejectConnection({ headers: [["X-A:", "a"]] })],
  ])("refuses %s", (_name, reject) => {
    expect(() => buildRejectResponse(reject)).toThrow(LocalProtocolError);
  });

  it("round-trips through the client's body reader in every framing", () => {
    for (const [reject, http10] of [
      [new RejectConnection({ headers: [["content-length", "11"]], hasBody: true }), false],
      [new RejectConnection({ hasBody: true }), false],
      [new RejectConnection({ hasBody: true }), true],
    ] as const) {
      const { bytes: head, body } = buildRejectResponse(reject, http10);
      const wire = concatBytes([head, body!.write(bytes("hello "), false), body!.write(bytes("world"), true)]);
      const parsed = HttpHeadParser.response().feed(wire);
      if (parsed.status !== "complete") throw new Error("does not parse");
      expect(parsed.head.statusCode).toBe(400);
      expect(parsed.trailing.length).toBeGreaterThan(0);
    }
  });
});
