import { describe, expect, it } from "vitest";
import { concatBytes } from "../../src/bytes.js";
import { LocalProtocolError, RemoteProtocolError } from "../../src/errors.js";
import { AcceptConnection, type Headers, RejectConnection, Request } from "../../src/events.js";
import type { Extension } from "../../src/extensions/extension.js";
import { PerMessageDeflate } from "../../src/extensions/permessage-deflate.js";
import { buildRequest, responseHeadFailure, validateResponse } from "../../src/handshake/client.js";
import { HttpHeadParser } from "../../src/handshake/http-head.js";
import { CLIENT_ROWS, KEY, OK_101, replaceHeader, withHeaders, withoutHeader, type ClientRow } from "../fixtures/handshake-rows.js";
import { bytes, chunkings, feedHead, text } from "./helpers.js";
import { FakeExtension } from "./fake-extension.js";

/** OK_101 with headers added, removed or replaced. */
const plus = (lines: string[]): string => withHeaders(OK_101, lines);
const minus = (name: string): string => withoutHeader(OK_101, name);
const replace = (name: string, line: string): string => replaceHeader(OK_101, name, line);

type ClientSummary =
  | {
      outcome: "accepted";
      subprotocol: string | null;
      extensions: Array<{ name: string; params?: unknown }>;
      extraHeaders: Headers;
      rest: string;
    }
  | { outcome: "rejected"; statusCode: number; hasBody: boolean; headers: Headers; body: string | null }
  | { outcome: "failed"; message: string };

interface ClientRun {
  subprotocols?: readonly string[];
  /** Fresh extension objects for each run (finalize mutates them). */
  extensions?: () => Extension[];
}

/** Parser → validateResponse (→ body reader until EOF), as a summary. */
function runClient(chunks: Iterable<Uint8Array>, run: ClientRun = {}): ClientSummary {
  const extensions = run.extensions?.() ?? [new PerMessageDeflate()];
  const parsed = feedHead(HttpHeadParser.response(), chunks, true);
  if (parsed.status === "incomplete") throw new Error("no outcome");
  if (parsed.status === "failed") return { outcome: "failed", message: responseHeadFailure(parsed).message };
  const outcome = validateResponse(parsed.head, { nonce: KEY, subprotocols: run.subprotocols ?? [], extensions });
  switch (outcome.type) {
    case "failed":
      expect(outcome.error).toBeInstanceOf(RemoteProtocolError);
      return { outcome: "failed", message: outcome.error.message };
    case "accepted":
      return {
        outcome: "accepted",
        subprotocol: outcome.event.subprotocol,
        extensions: outcome.event.extensions.map((e) => ({
          name: e.name,
          params: e instanceof PerMessageDeflate ? e.params : undefined,
        })),
        extraHeaders: outcome.event.extraHeaders,
        rest: text(parsed.rest),
      };
    default: {
      const { event, body } = outcome;
      let bodyText: string | null = null;
      if (body !== null) {
        const pieces: Uint8Array[] = [];
        // end() only after feed() did not fail: a failed reader refuses more calls.
        for (const read of [() => body.feed(parsed.rest), () => body.end()]) {
          const result = read();
          if (result.status === "failed") return { outcome: "failed", message: result.message };
          pieces.push(...result.chunks);
        }
        bodyText = text(concatBytes(pieces));
      }
      return { outcome: "rejected", statusCode: event.statusCode, hasBody: event.hasBody, headers: event.headers, body: bodyText };
    }
  }
}


/** The row's expectations that the handshake modules can meet (what comes after the head is the connection's). */
function checkRow(row: ClientRow, summary: ClientSummary, how: string): void {
  switch (row.outcome) {
    case "accepted":
      expect(summary, how).toMatchObject({
        outcome: "accepted",
        subprotocol: null,
        extensions: row.extensions ?? [],
        extraHeaders: row.extraHeaders ?? [],
        rest: row.rest ?? "",
      });
      break;
    case "rejected":
      expect(summary, how).toEqual({ outcome: "rejected", ...row.rejection, body: row.rejection?.body ?? null });
      break;
    case "failed":
      expect(summary, how).toEqual({ outcome: "failed", message: expect.stringContaining(row.why!) });
      break;
  }
}

describe("hardening §5.2: the client's verdict on each bad response", () => {
  it.each(CLIENT_ROWS.map((row) => [row.id, row] as const))("%s", (_id, row) => {
    let first: ClientSummary | undefined;
    for (const [how, chunks] of chunkings(bytes(row.input))) {
      const summary = runClient(chunks, { subprotocols: row.subprotocols });
      checkRow(row, summary, how);
      if (first === undefined) first = summary;
      else expect(summary, how).toEqual(first);
    }
  });
});

describe("buildRequest (spec §4.1, wsproto test_client.py)", () => {
  const build = (init: ConstructorParameters<typeof Request>[0]) => text(buildRequest(new Request(init), KEY).bytes);

  it("writes the exact request of spec §4.1, with Upgrade: websocket", () => {
    const request = new Request({
      host: "example.com",
      target: "/chat?x=1",
      subprotocols: ["a", "b"],
      extensions: [new PerMessageDeflate({ clientMaxWindowBits: 15, serverMaxWindowBits: 15 })],
      extraHeaders: [["Origin", "http://x"]],
    });
    const { bytes: wire, offeredExtensions } = buildRequest(request, "DiqmQkBTcGo849B65FG3vw==");
    expect(text(wire)).toBe(
      "GET /chat?x=1 HTTP/1.1\r\n" +
        "Host: example.com\r\n" +
        "Upgrade: websocket\r\n" +
        "Connection: Upgrade\r\n" +
        "Sec-WebSocket-Key: DiqmQkBTcGo849B65FG3vw==\r\n" +
        "Sec-WebSocket-Version: 13\r\n" +
        "Sec-WebSocket-Protocol: a, b\r\n" +
        "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits=15; server_max_window_bits=15\r\n" +
        "Origin: http://x\r\n" +
        "\r\n",
    );
    expect(offeredExtensions).toEqual(request.extensions);
  });

  it("writes the minimal request (test_connection_request)", () => {
    expect(build({ host: "localhost", target: "/" })).toBe(
      "GET / HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
        `Sec-WebSocket-Key: ${KEY}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
    );
  });

  it("appends extra headers verbatim (test_connection_request_additional_headers)", () => {
    expect(build({ host: "localhost", target: "/", extraHeaders: [["X-Foo", "Bar"], ["X-Bar", "Foo"]] })).toContain(
      "Sec-WebSocket-Version: 13\r\nX-Foo: Bar\r\nX-Bar: Foo\r\n\r\n",
    );
  });

  it.each<[string, string | boolean | null, string | null]>([
    ["offer true (test_connection_request_simple_extension)", true, "fake"],
    ["offer false (…_no_offer)", false, null],
    ["offer null (base class)", null, null],
    ["offer \"\"", "", "fake"],
    ["offer parameters (…_parametrised_extension)", "parameter1=value1; parameter2=value2", "fake; parameter1=value1; parameter2=value2"],
  ])("builds the extension header for %s", (_name, offerResponse, header) => {
    const extension = new FakeExtension({ offerResponse });
    const { bytes: wire, offeredExtensions } = buildRequest(
      new Request({ host: "h", target: "/", extensions: [extension] }),
      KEY,
    );
    if (header === null) {
      expect(text(wire)).not.toContain("Sec-WebSocket-Extensions");
      expect(offeredExtensions).toEqual([]);
    } else {
      expect(text(wire)).toContain(`\r\nSec-WebSocket-Extensions: ${header}\r\n`);
      expect(offeredExtensions).toEqual([extension]);
    }
  });

  it("joins several offers with ', '", () => {
    const wire = build({
      host: "h",
      target: "/",
      extensions: [new FakeExtension({ offerResponse: true, name: "a" }), new FakeExtension({ offerResponse: "x=1", name: "b" })],
    });
    expect(wire).toContain("\r\nSec-WebSocket-Extensions: a, b; x=1\r\n");
  });

  it("joins subprotocols (test_connection_request_subprotocols)", () => {
    expect(build({ host: "h", target: "/", subprotocols: ["one", "two"] })).toContain("\r\nSec-WebSocket-Protocol: one, two\r\n");
  });

  it.each([
    ["芝士汉堡", "xn--7ks3rz39bh7u"],
    ["芝士汉堡.com:80", "xn--7ks3rz39bh7u.com:80"],
    ["EXAMPLE.com", "EXAMPLE.com"],
    ["[::1]:8080", "[::1]:8080"],
    ["127.0.0.1:9000", "127.0.0.1:9000"],
  ])("encodes the host %s as %s", (host, wire) => {
    expect(build({ host, target: "/" })).toContain(`\r\nHost: ${wire}\r\n`);
  });

  it.each<[string, ConstructorParameters<typeof Request>[0], string?]>([
    ["a CR LF in the target", { host: "h", target: "/a\r\nX: y" }],
    ["a space in the target", { host: "h", target: "/a b" }],
    ["an empty target", { host: "h", target: "" }],
    ["a non-ASCII target", { host: "h", target: "/é" }],
    ["a CR LF in the host", { host: "h\r\nX: y", target: "/" }],
    ["a slash in the host", { host: "h/x", target: "/" }],
    ["userinfo in the host", { host: "user@h", target: "/" }],
    ["a subprotocol with a space", { host: "h", target: "/", subprotocols: ["a b"] }],
    ["a subprotocol with a comma", { host: "h", target: "/", subprotocols: ["a,b"] }],
    ["a subprotocol with CR LF", { host: "h", target: "/", subprotocols: ["a\r\nX: y"] }],
    ["an empty subprotocol", { host: "h", target: "/", subprotocols: [""] }],
    ["a repeated subprotocol", { host: "h", target: "/", subprotocols: ["a", "a"] }],
    ["a header value with CR LF", { host: "h", target: "/", extraHeaders: [["X-A", "1\r\nX-B: 2"]] }],
    ["a header value with NUL", { host: "h", target: "/", extraHeaders: [["X-A", "1\x00"]] }],
    ["a header name with a space", { host: "h", target: "/", extraHeaders: [["X A", "1"]] }],
    ["an empty header name", { host: "h", target: "/", extraHeaders: [["", "1"]] }],
    ["a second Host", { host: "h", target: "/", extraHeaders: [["host", "evil"]] }],
    ["a Sec-WebSocket-Key", { host: "h", target: "/", extraHeaders: [["Sec-WebSocket-Key", KEY]] }],
    ["a Content-Length", { host: "h", target: "/", extraHeaders: [["Content-Length", "5"]] }],
    ["an extension given as a string", { host: "h", target: "/", extensions: ["permessage-deflate"] }],
    [
      "an extension listed twice",
      { host: "h", target: "/", extensions: [new FakeExtension({ offerResponse: true }), new FakeExtension({ offerResponse: true })] },
    ],
    ["an offer with CR LF", { host: "h", target: "/", extensions: [new FakeExtension({ offerResponse: "a=1\r\nX: y" })] }],
    ["an offer that is two items", { host: "h", target: "/", extensions: [new FakeExtension({ offerResponse: "a=1, other" })] }],
    ["a malformed offer", { host: "h", target: "/", extensions: [new FakeExtension({ offerResponse: ";;" })] }],
    ["an extension name that is not a token", { host: "h", target: "/", extensions: [new FakeExtension({ offerResponse: true, name: "a b" })] }],
  ])("refuses %s (hardening G10)", (_name, init) => {
    expect(() => buildRequest(new Request(init), KEY)).toThrow(LocalProtocolError);
  });

  it("refuses a nonce that is not base64 of 16 bytes", () => {
    expect(() => buildRequest(new Request({ host: "h", target: "/" }), "abc")).toThrow(LocalProtocolError);
  });
});

describe("validateResponse (wsproto test_client.py, spec §4.5, §9.2)", () => {
  const outcome = (response: string, run: ClientRun = {}): ClientSummary => runClient([bytes(response)], run);

  it("accepts a valid 101 (test_handshake) with the response's other headers", () => {
    expect(outcome(plus(["X-Foo: bar"]), { extensions: () => [] })).toEqual({
      outcome: "accepted",
      subprotocol: null,
      extensions: [],
      extraHeaders: [["x-foo", "bar"]],
      rest: "",
    });
  });

  it("gives wsproto's AcceptConnection event", () => {
    const parsed = HttpHeadParser.response().feed(bytes(plus(["X-Foo: bar"])));
    if (parsed.status !== "complete") throw new Error("does not parse");
    const result = validateResponse(parsed.head, { nonce: KEY, subprotocols: [], extensions: [] });
    expect(result).toEqual({ type: "accepted", event: new AcceptConnection({ extraHeaders: [["x-foo", "bar"]] }) });
  });

  it("reports a 1xx other than 101 as a rejection without body (test_broken_handshake)", () => {
    expect(outcome("HTTP/1.1 102 Processing\r\n\r\n")).toEqual({
      outcome: "rejected",
      statusCode: 102,
      hasBody: false,
      headers: [],
      body: null,
    });
  });

  it.each([
    [minus("Connection"), "Missing header, 'Connection: Upgrade'"],
    [replace("Connection", "Connection: Keep-Alive"), "Missing header, 'Connection: Upgrade'"],
    [minus("Upgrade"), "Missing header, 'Upgrade: WebSocket'"],
    [replace("Upgrade", "Upgrade: h2"), "Missing header, 'Upgrade: WebSocket'"],
    [minus("Sec-WebSocket-Accept"), "Bad accept token"],
    [plus(["Sec-WebSocket-Protocol: new"]), "unrecognized subprotocol new"],
    [plus(["Sec-WebSocket-Extensions: bad, foo"]), "unrecognized extension bad"],
    [plus(["Sec-WebSocket-Extensions: permessage-deflate, permessage-deflate"]), "extension permessage-deflate accepted twice"],
  ])("fails %# with wsproto's message", (response, message) => {
    expect(outcome(response)).toEqual({ outcome: "failed", message });
  });

  it("turns a throwing finalize() into a failure (never an uncaught exception)", () => {
    const result = outcome(plus(["Sec-WebSocket-Extensions: fake; x=1"]), {
      extensions: () => [new FakeExtension({ offerResponse: true, throwOnFinalize: true })],
    });
    expect(result).toEqual({ outcome: "failed", message: "extension fake refused the server's parameters: fake refuses fake; x=1" });
  });

  it("finalizes the offered extension with the accepted item (test_handshake_with_extension)", () => {
    const fake = new FakeExtension({ offerResponse: true });
    const parsed = HttpHeadParser.response().feed(bytes(plus(["Sec-WebSocket-Extensions: fake; a=1"])));
    if (parsed.status !== "complete") throw new Error("does not parse");
    const result = validateResponse(parsed.head, { nonce: KEY, subprotocols: [], extensions: [fake] });
    expect(result.type === "accepted" && result.event.extensions).toEqual([fake]);
    expect(fake.finalized).toEqual(["fake; a=1"]);
  });

  it("merges repeated Sec-WebSocket-Extensions headers (DESIGN deviation 9)", () => {
    const a = new FakeExtension({ offerResponse: true, name: "a" });
    const b = new FakeExtension({ offerResponse: true, name: "b" });
    const result = outcome(plus(["Sec-WebSocket-Extensions: b", "Sec-WebSocket-Extensions: a; x=1"]), {
      extensions: () => [a, b],
    });
    expect(result).toMatchObject({ outcome: "accepted", extensions: [{ name: "b" }, { name: "a" }] });
    expect(a.finalized).toEqual(["a; x=1"]);
  });

  it("accepts the chosen subprotocol (test_handshake_with_subprotocol)", () => {
    expect(outcome(plus(["Sec-WebSocket-Protocol: one"]), { subprotocols: ["one", "two"] })).toMatchObject({
      outcome: "accepted",
      subprotocol: "one",
    });
  });

  it("reads rejection bodies: close-delimited (test_handshake_rejection) and sized (…_with_body)", () => {
    expect(outcome("HTTP/1.1 400 \r\nconnection: close\r\n\r\n")).toEqual({
      outcome: "rejected",
      statusCode: 400,
      hasBody: true,
      headers: [["connection", "close"]],
      body: "",
    });
    expect(outcome("HTTP/1.1 400 \r\ncontent-length: 5\r\n\r\nHello")).toEqual({
      outcome: "rejected",
      statusCode: 400,
      hasBody: true,
      headers: [["content-length", "5"]],
      body: "Hello",
    });
    expect(outcome("HTTP/1.1 403 Forbidden\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n")).toMatchObject({
      body: "abc",
    });
  });

  it("fails a rejection with an invalid Content-Length or a truncated body", () => {
    expect(outcome("HTTP/1.1 400 \r\ncontent-length: x\r\n\r\n")).toMatchObject({ outcome: "failed" });
    expect(outcome("HTTP/1.1 400 \r\ncontent-length: 5\r\ncontent-length: 6\r\n\r\n")).toMatchObject({ outcome: "failed" });
    expect(outcome("HTTP/1.1 400 \r\ncontent-length: 5\r\n\r\nHel")).toEqual({
      outcome: "failed",
      message: "connection closed before the end of the response body",
    });
  });

  it("turns 'broken nonsense' and an early EOF into Bad HTTP message (test_protocol_error)", () => {
    expect(outcome("broken nonsense\r\n\r\n")).toMatchObject({ outcome: "failed", message: expect.stringMatching(/^Bad HTTP message/) });
    const eof = HttpHeadParser.response().end();
    if (eof.status !== "failed") throw new Error("expected a failure");
    const error = responseHeadFailure(eof.failure);
    expect(error.message).toMatch(/^Bad HTTP message/);
    expect(error.eventHint).toEqual(new RejectConnection());
  });
});
