import { describe, expect, it } from "vitest";
import { LocalProtocolError, RemoteProtocolError } from "../../src/errors.js";
import { AcceptConnection, type Headers, RejectConnection, RejectData, Request } from "../../src/events.js";
import { PerMessageDeflate } from "../../src/extensions/permessage-deflate.js";
import { HttpHeadParser, type HeadLimits } from "../../src/handshake/http-head.js";
import {
  buildAcceptResponse,
  buildRejectResponse,
  requestHeadFailure,
  upgradeRequestHead,
  validateRequest,
} from "../../src/handshake/server.js";
import { bytes, chunkings, concat, feedHead, text } from "./helpers.js";
import { FakeExtension } from "./fake-extension.js";

const KEY = "dGhlIHNhbXBsZSBub25jZQ==";
const ACCEPT = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";
const BASE =
  "GET /chat HTTP/1.1\r\nHost: example.com\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
  `Sec-WebSocket-Key: ${KEY}\r\nSec-WebSocket-Version: 13\r\n\r\n`;

/** BASE with `lines` added after its headers. */
function plus(...lines: string[]): string {
  return BASE.slice(0, -2) + lines.map((l) => l + "\r\n").join("") + "\r\n";
}
/** BASE without the header `name`. */
function minus(name: string): string {
  return BASE.split("\r\n")
    .filter((line) => !line.startsWith(name + ":"))
    .join("\r\n");
}
/** BASE with the header `name` replaced by `line`. */
function replace(name: string, line: string): string {
  return BASE.split("\r\n")
    .map((l) => (l.startsWith(name + ":") ? line : l))
    .join("\r\n");
}
const PMD = (params: string): string => plus(`Sec-WebSocket-Extensions: permessage-deflate${params}`);

interface ServerSummary {
  status: number | "incomplete";
  message?: string;
  hintHeaders?: Headers;
  request?: Request;
  /** The negotiated Sec-WebSocket-Extensions of the 101, or null when none. */
  extensions?: string | null;
  response?: string;
  rest?: string;
}

interface ServerRun {
  limits?: Partial<HeadLimits>;
  checkOrigin?: (origin: string | null) => boolean;
  eof?: boolean;
}

/** Parser → validateRequest → buildAcceptResponse (offering PerMessageDeflate), as a summary. */
function runServer(chunks: Iterable<Uint8Array>, run: ServerRun = {}): ServerSummary {
  const parsed = feedHead(HttpHeadParser.request(run.limits), chunks, run.eof ?? true);
  if (parsed.status === "incomplete") throw new Error("fed everything without EOF: no outcome");
  const outcome =
    parsed.status === "failed"
      ? requestHeadFailure(parsed)
      : validateRequest(parsed.head, { checkOrigin: run.checkOrigin });
  if (outcome instanceof RemoteProtocolError) {
    const hint = outcome.eventHint;
    if (hint === null) return { status: "incomplete", message: outcome.message };
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

interface Row {
  id: string;
  input: string;
  /** Expected status (101 = accepted) or "incomplete". */
  status: number | "incomplete";
  /** For refused rows: a part of the message, so the row is refused for its own reason. */
  why?: string;
  /** For 101 rows: the negotiated extensions header (null = none). */
  extensions?: string | null;
  run?: ServerRun;
  check?: (summary: ServerSummary) => void;
}

const FRAME_HI = "\x81\x82\x00\x00\x00\x00\x68\x69";
const NO_PMD = { extensions: null } as const;

/** Hardening §5.1, one row each; the status is the first choice the row names. */
const ROWS: Row[] = [
  { id: "H01 valid baseline", input: BASE, status: 101, ...NO_PMD },
  { id: "H02 missing Upgrade", why: "Upgrade: WebSocket", input: minus("Upgrade"), status: 400 },
  { id: "H03 Upgrade: h2c", why: "Upgrade: WebSocket", input: replace("Upgrade", "Upgrade: h2c"), status: 400 },
  { id: "H04 Upgrade: WebSocket", input: replace("Upgrade", "Upgrade: WebSocket"), status: 101 },
  { id: "H05 Connection: keep-alive", why: "Connection: Upgrade", input: replace("Connection", "Connection: keep-alive"), status: 400 },
  { id: "H06 Connection: keep-alive, Upgrade", input: replace("Connection", "Connection: keep-alive, Upgrade"), status: 101 },
  { id: "H07 missing key", why: "Missing header, 'Sec-WebSocket-Key'", input: minus("Sec-WebSocket-Key"), status: 400 },
  { id: "H08 key not base64", why: "Invalid Sec-WebSocket-Key", input: replace("Sec-WebSocket-Key", "Sec-WebSocket-Key: test"), status: 400 },
  {
    id: "H09 key of 15 bytes",
    why: "Invalid Sec-WebSocket-Key",
    input: replace("Sec-WebSocket-Key", "Sec-WebSocket-Key: eHh4eHh4eHh4eHh4eHh4"),
    status: 400,
  },
  { id: "H10 duplicate key", why: "Duplicate header 'Sec-WebSocket-Key'", input: plus("Sec-WebSocket-Key: eXl5eXl5eXl5eXl5eXl5eQ=="), status: 400 },
  {
    id: "H11 version 8",
    why: "Sec-WebSocket-Version",
    input: replace("Sec-WebSocket-Version", "Sec-WebSocket-Version: 8"),
    status: 426,
    check: (s) => expect(s.hintHeaders).toEqual([["Sec-WebSocket-Version", "13"]]),
  },
  { id: "H12 missing version", why: "Sec-WebSocket-Version", input: minus("Sec-WebSocket-Version"), status: 400 },
  { id: "H13 version 013", why: "Sec-WebSocket-Version", input: replace("Sec-WebSocket-Version", "Sec-WebSocket-Version: 013"), status: 400 },
  { id: "H14 duplicate version 13 + 8", why: "Duplicate header 'Sec-WebSocket-Version'", input: plus("Sec-WebSocket-Version: 8"), status: 400 },
  {
    id: "H15 POST",
    why: "must be GET",
    input: "POST" + BASE.slice(3),
    status: 405,
    check: (s) => expect(s.hintHeaders).toEqual([["Allow", "GET"]]),
  },
  { id: "H16 HTTP/1.0", why: "HTTP/1.0", input: BASE.replace("HTTP/1.1", "HTTP/1.0"), status: 505 },
  { id: "H17 HTTP/1.2", why: "HTTP/1.2", input: BASE.replace("HTTP/1.1", "HTTP/1.2"), status: 505 },
  {
    id: "H18 absolute-form http:// target",
    input: BASE.replace("/chat", "http://example.com/chat"),
    status: 101,
    check: (s) => expect([s.request?.host, s.request?.target]).toEqual(["example.com", "http://example.com/chat"]),
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
  {
    id: "H33 ReDoS shape, default limit (bounded first)",
    input: plus("Sec-WebSocket-Protocol: b" + " ".repeat(30000) + "x"),
    status: 431,
  },
  {
    id: "H33 ReDoS shape, 64 KiB limit (400 in linear time)",
    why: "is not a token",
    input: plus("Sec-WebSocket-Protocol: b" + " ".repeat(30000) + "x"),
    status: 400,
    run: { limits: { maxHandshakeSize: 65536 } },
  },
  { id: "H34 empty subprotocol element", why: "empty element", input: plus("Sec-WebSocket-Protocol: chat, , superchat"), status: 400 },
  { id: "H35 duplicate subprotocol", why: "duplicate subprotocol chat", input: plus("Sec-WebSocket-Protocol: chat, chat"), status: 400 },
  { id: "H36 non-token subprotocol", why: "not a token", input: plus("Sec-WebSocket-Protocol: ch@t"), status: 400 },
  {
    id: "H37 extensions named constructor / __proto__",
    input: plus("Sec-WebSocket-Extensions: constructor, __proto__; hasOwnProperty"),
    status: 101,
    ...NO_PMD,
    check: (s) => expect(s.request?.extensions).toEqual(["constructor", "__proto__; hasOwnProperty"]),
  },
  { id: "H38 extension syntax error", why: "Sec-WebSocket-Extensions", input: PMD(";;"), status: 400 },
  { id: "H39 unterminated quote", why: "Sec-WebSocket-Extensions", input: PMD('; server_max_window_bits="10'), status: 400 },
  { id: "H40 server_max_window_bits=7", input: PMD("; server_max_window_bits=7"), status: 101, ...NO_PMD },
  { id: "H41 server_max_window_bits=16", input: PMD("; server_max_window_bits=16"), status: 101, ...NO_PMD },
  { id: "H42 server_max_window_bits=08", input: PMD("; server_max_window_bits=08"), status: 101, ...NO_PMD },
  { id: "H43 server_max_window_bits=abc", input: PMD("; server_max_window_bits=abc"), status: 101, ...NO_PMD },
  { id: "H44 server_max_window_bits without value", input: PMD("; server_max_window_bits"), status: 101, ...NO_PMD },
  {
    id: "H45 duplicate parameter",
    input: PMD("; server_no_context_takeover; server_no_context_takeover"),
    status: 101,
    ...NO_PMD,
  },
  { id: "H46 unknown parameter", input: PMD("; foo=1"), status: 101, ...NO_PMD },
  { id: "H47 prefix-matching parameter name", input: PMD("; client_max_window_bitsX=10"), status: 101, ...NO_PMD },
  { id: "H48 client_max_window_bits=16", input: PMD("; client_max_window_bits=16"), status: 101, ...NO_PMD },
  {
    id: "H49 quoted server_max_window_bits",
    input: PMD('; server_max_window_bits="10"'),
    status: 101,
    extensions: "permessage-deflate; server_max_window_bits=10",
  },
  {
    id: "H50 bad offer then plain offer",
    input: PMD("; server_max_window_bits=7, permessage-deflate"),
    status: 101,
    extensions: "permessage-deflate",
  },
  {
    id: "H51 value on a value-less parameter",
    input: PMD("; client_no_context_takeover=1"),
    status: 101,
    ...NO_PMD,
  },
  {
    id: "H52 10,000 extension offers, default limit",
    input: plus("Sec-WebSocket-Extensions: " + "x, ".repeat(10000)),
    status: 431,
  },
  {
    id: "H52 10,000 extension offers, 64 KiB limit",
    input: plus("Sec-WebSocket-Extensions: " + "x, ".repeat(10000)),
    status: 101,
    ...NO_PMD,
    run: { limits: { maxHandshakeSize: 65536 } },
    check: (s) => expect(s.request?.extensions.length).toBe(10000),
  },
  { id: "H53 duplicate Origin", why: "Duplicate header 'Origin'", input: plus("Origin: https://a.example", "Origin: https://b.example"), status: 400 },
  { id: "H54 non-ASCII Host", why: "Invalid Host", input: replace("Host", "Host: \xff\xfe"), status: 400 },
  {
    id: "H55 Host label over 63 characters",
    input: replace("Host", `Host: ${"a".repeat(64)}.example`),
    status: 101,
    check: (s) => expect(s.request?.host).toBe(`${"a".repeat(64)}.example`),
  },
  {
    id: "H56 frames pipelined after the request",
    input: BASE + FRAME_HI,
    status: 101,
    check: (s) => expect(s.rest).toBe(FRAME_HI),
  },
  {
    id: "H57 second request pipelined (the frame layer fails it with 1002)",
    input: BASE + BASE,
    status: 101,
    check: (s) => expect(s.rest).toBe(BASE),
  },
  {
    id: "H58 lower-case header names",
    input: BASE.replace(/\r\n([A-Za-z-]+):/g, (_m, name: string) => `\r\n${name.toLowerCase()}:`),
    status: 101,
  },
  {
    id: "H59 __proto__ and constructor headers",
    input: plus("__proto__: x", "constructor: y"),
    status: 101,
    check: (s) => {
      expect(s.request?.extraHeaders.slice(-2)).toEqual([
        ["__proto__", "x"],
        ["constructor", "y"],
      ]);
      expect(Object.prototype).not.toHaveProperty("x");
    },
  },
  {
    id: "H60 version list 13, 8",
    input: replace("Sec-WebSocket-Version", "Sec-WebSocket-Version: 13, 8"),
    status: 426,
    check: (s) => expect(s.hintHeaders).toEqual([["Sec-WebSocket-Version", "13"]]),
  },
  { id: "H61 Upgrade: websocket, h2c (any websocket token)", input: replace("Upgrade", "Upgrade: websocket, h2c"), status: 101 },
  {
    id: "H62 8 KiB head (fed byte by byte like every row)",
    input: plus("X-Pad: " + "p".repeat(8192 - BASE.length - 9)),
    status: 101,
  },
  { id: "H63 endless header lines", why: "maxHeaders", input: "GET / HTTP/1.1\r\n" + "X-a: b\r\n".repeat(3000), status: 431 },
  { id: "H64 empty lines before the request line", why: "empty line before", input: "\r\n\r\n" + BASE, status: 400 },
  { id: "H65 EOF inside the head", why: "closed after 70 bytes", input: BASE.slice(0, 70), status: "incomplete" },
  {
    id: "H66 Origin outside the allowlist",
    why: "Origin not allowed",
    input: plus("Origin: https://evil.example"),
    status: 403,
    run: { checkOrigin: (origin) => origin === "https://example.com" },
  },
  {
    id: "H66b Origin in the allowlist",
    input: plus("Origin: https://example.com"),
    status: 101,
    run: { checkOrigin: (origin) => origin === "https://example.com" },
  },
  {
    id: "H67 key with surrounding OWS",
    input: replace("Sec-WebSocket-Key", `Sec-WebSocket-Key:   ${KEY}  \t`),
    status: 101,
    check: (s) => expect(s.response).toContain(`Sec-WebSocket-Accept: ${ACCEPT}\r\n`),
  },
  {
    id: "H68 extensions over two header lines",
    input: plus("Sec-WebSocket-Extensions: permessage-deflate", "Sec-WebSocket-Extensions: x-foo"),
    status: 101,
    extensions: "permessage-deflate",
    check: (s) => expect(s.request?.extensions).toEqual(["permessage-deflate", "x-foo"]),
  },
  { id: "H69 method get (lower case)", why: "must be GET", input: "get" + BASE.slice(3), status: 405 },
];

describe("hardening §5.1: the server's verdict on each bad request", () => {
  it.each(ROWS.map((row) => [row.id, row] as const))("%s", (_id, row) => {
    let first: ServerSummary | undefined;
    for (const [how, chunks] of chunkings(bytes(row.input))) {
      const summary = runServer(chunks, row.run);
      expect(summary.status, `${how}: ${summary.message}`).toBe(row.status);
      if (row.why !== undefined) expect(summary.message, how).toContain(row.why);
      if (row.extensions !== undefined) expect(summary.extensions, how).toBe(row.extensions);
      row.check?.(summary);
      // Every chunking gives the same verdict, message and event (I4).
      if (first === undefined) first = summary;
      else expect(summary, how).toEqual(first);
    }
  });
});

describe("validateRequest (wsproto test_server.py, spec §9.3)", () => {
  function request(headers: string, method = "GET"): Request | RemoteProtocolError {
    const result = HttpHeadParser.request().feed(bytes(`${method} / HTTP/1.1\r\n${headers}\r\n`));
    if (result.status !== "complete") throw new Error("test request does not parse");
    return validateRequest(result.head);
  }
  const GOOD =
    "Host: localhost\r\nConnection: Keep-Alive, Upgrade\r\nUpgrade: WebSocket\r\n" +
    `Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: ${KEY}\r\nX-Foo: bar\r\n`;

  it("turns a valid request into a Request event (test_connection_request)", () => {
    expect(request(GOOD)).toEqual(
      new Request({
        host: "localhost",
        target: "/",
        subprotocols: [],
        extensions: [],
        extraHeaders: [
          ["connection", "Keep-Alive, Upgrade"],
          ["upgrade", "WebSocket"],
          ["sec-websocket-version", "13"],
          ["sec-websocket-key", KEY],
          ["x-foo", "bar"],
        ],
      }),
    );
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
    const input =
      "GET wss://api.website.xyz/ws HTTP/1.1\r\nHost: api.website.xyz\r\nConnection: Upgrade\r\n" +
      `Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: ${KEY}\r\n` +
      "Sec-WebSocket-Extensions: this-extension; isnt-seen, even-tho, it-should-be\r\n" +
      "Sec-WebSocket-Protocol: there-protocols\r\n" +
      "Sec-WebSocket-Protocol: arent-seen\r\n" +
      "Sec-WebSocket-Extensions: this-extension; were-gonna-see, and-another-extension; were-also; gonna-see=100; percent\r\n" +
      "Sec-WebSocket-Protocol: only-these-protocols, are-seen, from-the-request-object\r\n\r\n";
    for (const [how, chunks] of chunkings(bytes(input))) {
      const summary = runServer(chunks);
      expect(summary.request?.subprotocols, how).toEqual([
        "there-protocols",
        "arent-seen",
        "only-these-protocols",
        "are-seen",
        "from-the-request-object",
      ]);
      expect(summary.request?.extensions, how).toEqual([
        "this-extension; isnt-seen",
        "even-tho",
        "it-should-be",
        "this-extension; were-gonna-see",
        "and-another-extension; were-also; gonna-see=100; percent",
      ]);
      expect(summary.request?.target).toBe("wss://api.website.xyz/ws");
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
  const headers: Headers = [
    ["Host", "localhost"],
    ["Connection", "Keep-Alive, Upgrade"],
    ["Upgrade", "WebSocket"],
    ["Sec-WebSocket-Version", "13"],
    ["Sec-WebSocket-Key", ` ${KEY}\t`],
    ["X-Foo", "bar"],
  ];

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
    const parsed = HttpHeadParser.request().feed(bytes(plus(...(extra ? [extra] : []))));
    if (parsed.status !== "complete") throw new Error("does not parse");
    const request = validateRequest(parsed.head);
    if (!(request instanceof Request)) throw request;
    return request;
  }

  it("writes the exact 101 (test_handshake), Upgrade in lower case and with a reason phrase", () => {
    expect(text(buildAcceptResponse(received(), new AcceptConnection()))).toBe(
      "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
        `Sec-WebSocket-Accept: ${ACCEPT}\r\n\r\n`,
    );
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
      const wire = concat([head, body!.write(bytes("hello "), false), body!.write(bytes("world"), true)]);
      const parsed = HttpHeadParser.response().feed(wire);
      if (parsed.status !== "complete") throw new Error("does not parse");
      expect(parsed.head.statusCode).toBe(400);
      expect(parsed.trailing.length).toBeGreaterThan(0);
    }
  });
});
