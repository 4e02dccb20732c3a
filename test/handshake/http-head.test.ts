import { afterEach, describe, expect, it } from "vitest";
import fc from "fast-check";
import { concatBytes } from "../../src/bytes.js";
import { HttpHeadParser } from "../../src/handshake/http-head.js";
import { LocalProtocolError } from "../../src/errors.js";
import { ACCEPT, BASE, KEY, OK_101 } from "../fixtures/handshake-rows.js";
import { byteByByte, bytes, chunkings, feedHead, splitAt, text } from "./helpers.js";

const BASE_HEADERS = [
  ["host", "example.com"],
  ["upgrade", "websocket"],
  ["connection", "Upgrade"],
  ["sec-websocket-key", KEY],
  ["sec-websocket-version", "13"],
];

describe("HttpHeadParser.request", () => {
  it("parses the BASE request in every chunking, keeping the trailing bytes", () => {
    const input = concatBytes([bytes(BASE), Uint8Array.of(0x81, 0x82, 0, 0, 0, 0, 0x68, 0x69)]);
    for (const [name, chunks] of chunkings(input)) {
      const outcome = feedHead(HttpHeadParser.request(), chunks);
      expect(outcome, name).toEqual({
        status: "complete",
        head: { method: "GET", target: "/chat", httpVersion: "1.1", headers: BASE_HEADERS },
        rest: Uint8Array.of(0x81, 0x82, 0, 0, 0, 0, 0x68, 0x69),
      });
    }
  });

  it("returns a copy of the trailing bytes, not a view of the caller's chunk", () => {
    const chunk = bytes(BASE + "xyz");
    const result = HttpHeadParser.request().feed(chunk);
    if (result.status !== "complete") throw new Error("expected a head");
    chunk.fill(0);
    expect(text(result.trailing)).toBe("xyz");
  });

  it("lower-cases names, trims OWS around values and keeps inner whitespace and obs-text", () => {
    const input = bytes("GET / HTTP/1.1\r\nX-Mixed-CASE:\t  a \t b  \t\r\nX-Empty:\r\nX-Latin: caf\xe9\r\n\r\n");
    const result = HttpHeadParser.request().feed(input);
    expect(result).toEqual({
      status: "complete",
      head: {
        method: "GET",
        target: "/",
        httpVersion: "1.1",
        headers: [
          ["x-mixed-case", "a \t b"],
          ["x-empty", ""],
          ["x-latin", "caf\u00e9"],
        ],
      },
      trailing: new Uint8Array(0),
    });
  });

  it("reports any HTTP/d.d version and leaves the choice to the caller", () => {
    for (const version of ["1.0", "1.2", "2.0"]) {
      const result = HttpHeadParser.request().feed(bytes(`GET / HTTP/${version}\r\n\r\n`));
      expect(result.status === "complete" && result.head.httpVersion).toBe(version);
    }
  });

  it("keeps `__proto__` and `constructor` as ordinary headers", () => {
    const result = HttpHeadParser.request().feed(bytes("GET / HTTP/1.1\r\n__proto__: x\r\nconstructor: y\r\n\r\n"));
    expect(result.status === "complete" && result.head.headers).toEqual([
      ["__proto__", "x"],
      ["constructor", "y"],
    ]);
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });

  const malformed: Array<[string, string]> = [
    ["bare LF line endings (H22)", BASE.replaceAll("\r\n", "\n")],
    ["bare LF on one header line", "GET / HTTP/1.1\r\nHost: a\n\r\n"],
    ["bare LF ending the head", "GET / HTTP/1.1\r\nHost: a\r\n\n"],
    ["bare CR inside a value (H23)", "GET / HTTP/1.1\r\nX-A: a\rSec-WebSocket-Protocol: injected\r\n\r\n"],
    ["NUL in a value (H24)", "GET / HTTP/1.1\r\nX-A: a\x00b\r\n\r\n"],
    ["DEL in a value", "GET / HTTP/1.1\r\nX-A: a\x7fb\r\n\r\n"],
    ["ESC in a value", "GET / HTTP/1.1\r\nX-A: a\x1bb\r\n\r\n"],
    ["obs-fold (H25)", "GET / HTTP/1.1\r\nX-A: a\r\n folded\r\n\r\n"],
    ["obs-fold with HTAB", "GET / HTTP/1.1\r\nX-A: a\r\n\tfolded\r\n\r\n"],
    ["space before the colon (H26)", "GET / HTTP/1.1\r\nUpgrade : websocket\r\n\r\n"],
    ["tab before the colon", "GET / HTTP/1.1\r\nUpgrade\t: websocket\r\n\r\n"],
    ["invalid character in a name (H27)", "GET / HTTP/1.1\r\nX(A): b\r\n\r\n"],
    ["non-ASCII in a name", "GET / HTTP/1.1\r\nX-\xe9: b\r\n\r\n"],
    ["empty name", "GET / HTTP/1.1\r\n: b\r\n\r\n"],
    ["header line without a colon", "GET / HTTP/1.1\r\nHost example.com\r\n\r\n"],
    ["empty line before the request line (H64)", "\r\n" + BASE],
    ["lone CRLF", "\r\n"],
    ["whitespace before the request line", " " + BASE],
    ["two spaces after the method", "GET  / HTTP/1.1\r\n\r\n"],
    ["space inside the target", "GET /a b HTTP/1.1\r\n\r\n"],
    ["non-ASCII target", "GET /\xe9 HTTP/1.1\r\n\r\n"],
    ["control character in the target", "GET /\x01 HTTP/1.1\r\n\r\n"],
    ["missing version", "GET /\r\n\r\n"],
    ["lower-case version", "GET / http/1.1\r\n\r\n"],
    ["version with two digits", "GET / HTTP/1.10\r\n\r\n"],
    ["trailing space after the version", "GET / HTTP/1.1 \r\n\r\n"],
    ["method with a separator", "G(T / HTTP/1.1\r\n\r\n"],
    ["NUL in the request line", "GET /\x00 HTTP/1.1\r\n\r\n"],
    ["bare CR in the request line", "GET /\r HTTP/1.1\r\n\r\n"],
    ["a response line where a request was expected", "HTTP/1.1 101 Switching Protocols\r\n\r\n"],
  ];

  it.each(malformed)("refuses %s as malformed, in every chunking", (_name, input) => {
    for (const [how, chunks] of chunkings(bytes(input))) {
      const outcome = feedHead(HttpHeadParser.request(), chunks);
      expect(outcome.status, how).toBe("failed");
      expect(outcome.status === "failed" && outcome.reason, how).toBe("malformed");
    }
  });

  it("refuses a head over maxHandshakeSize in one chunk (431 shape), looking no further than the limit", () => {
    const input = bytes(BASE.slice(0, -2) + "X-Big: " + "a".repeat(1 << 20) + "\r\n\r\n");
    const outcome = feedHead(HttpHeadParser.request(), [input]);
    expect(outcome).toMatchObject({ status: "failed", reason: "head-too-large" });
  });

  it("accepts a head of exactly maxHandshakeSize bytes and refuses one byte more", () => {
    const head = (size: number): Uint8Array => {
      const prefix = "GET / HTTP/1.1\r\nX: ";
      return bytes(prefix + "a".repeat(size - prefix.length - 4) + "\r\n\r\n");
    };
    expect(head(16384).length).toBe(16384);
    for (const [how, chunks] of chunkings(head(16384))) {
      expect(feedHead(HttpHeadParser.request(), chunks).status, how).toBe("complete");
    }
    for (const [how, chunks] of chunkings(head(16385))) {
      expect(feedHead(HttpHeadParser.request(), chunks), how).toMatchObject({ status: "failed", reason: "head-too-large" });
    }
    expect(feedHead(HttpHeadParser.request({ maxHandshakeSize: 100 }), [head(101)])).toMatchObject({
      reason: "head-too-large",
    });
  });

  it("trailing bytes after the head do not count towards the limit", () => {
    const input = concatBytes([bytes(BASE), new Uint8Array(100_000)]);
    const outcome = feedHead(HttpHeadParser.request({ maxHandshakeSize: BASE.length }), [input]);
    expect(outcome.status === "complete" && outcome.rest.length).toBe(100_000);
  });

  it("reports an over-long request line as start-line-too-long (H28 shape, 414)", () => {
    const input = bytes("GET /" + "a".repeat(65536) + " HTTP/1.1\r\n\r\n");
    for (const [how, chunks] of [["whole", [input]], ["4 KiB", splitEvery(input, 4096)]] as const) {
      expect(feedHead(HttpHeadParser.request(), chunks), how).toMatchObject({
        status: "failed",
        reason: "start-line-too-long",
      });
    }
  });

  it("stops at maxHeaders header lines (H30 shape) whatever the chunking", () => {
    const lines = (n: number): string => Array.from({ length: n }, (_, i) => `X-${i}: x\r\n`).join("");
    const limits = { maxHeaders: 100, maxHandshakeSize: 1 << 20 };
    for (const [how, chunks] of chunkings(bytes("GET / HTTP/1.1\r\n" + lines(100) + "\r\n"))) {
      expect(feedHead(HttpHeadParser.request(limits), chunks).status, how).toBe("complete");
    }
    for (const [how, chunks] of chunkings(bytes("GET / HTTP/1.1\r\n" + lines(2000) + "\r\n"))) {
      expect(feedHead(HttpHeadParser.request(limits), chunks), how).toMatchObject({
        status: "failed",
        reason: "too-many-headers",
      });
    }
  });

  it("refuses endless header lines without growing past the limit (H63)", () => {
    const parser = HttpHeadParser.request();
    let result = parser.feed(bytes("GET / HTTP/1.1\r\n"));
    let fed = 0;
    while (result.status === "incomplete" && fed < 1_000_000) {
      result = parser.feed(bytes("X-a: b\r\n"));
      fed += 8;
    }
    expect(result).toMatchObject({ status: "failed" });
    expect(fed).toBeLessThanOrEqual(16384);
  });

  it("reports EOF inside the head as incomplete and tells an idle connection apart", () => {
    const idle = HttpHeadParser.request();
    expect(idle.bytesReceived).toBe(0);
    expect(idle.end()).toMatchObject({ status: "failed", failure: { reason: "incomplete" } });
    for (const [how, chunks] of chunkings(bytes(BASE.slice(0, 60)))) {
      const parser = HttpHeadParser.request();
      expect(feedHead(parser, chunks, true), how).toMatchObject({ status: "failed", reason: "incomplete" });
      expect(parser.bytesReceived, how).toBe(60);
    }
  });

  it("refuses input after the head is complete or refused", () => {
    const done = HttpHeadParser.request();
    done.feed(bytes(BASE));
    expect(() => done.feed(bytes("x"))).toThrow(LocalProtocolError);
    expect(() => done.end()).toThrow(LocalProtocolError);
    const failed = HttpHeadParser.request();
    failed.feed(bytes("\n"));
    expect(() => failed.feed(bytes("x"))).toThrow(LocalProtocolError);
  });

  it("treats an empty chunk as no input", () => {
    const parser = HttpHeadParser.request();
    expect(parser.feed(new Uint8Array(0))).toEqual({ status: "incomplete" });
    expect(parser.feed(bytes(BASE)).status).toBe("complete");
  });

  it.each([0, -1, 1.5, Number.NaN, 2 ** 53, "10"])("rejects the limit %s", (bad) => {
    expect(() => HttpHeadParser.request({ maxHandshakeSize: bad as number })).toThrow(LocalProtocolError);
    expect(() => HttpHeadParser.request({ maxHeaders: bad as number })).toThrow(LocalProtocolError);
  });

  it("gives the same outcome for any input in any chunking (property)", () => {
    const piece = fc.constantFrom(
      "GET",
      " ",
      "/",
      "HTTP/1.1",
      "HTTP/1.0",
      "\r\n",
      "\r",
      "\n",
      ":",
      "Host",
      "x",
      "\t",
      "\x00",
      "\xff",
      "(",
    );
    const input = fc.oneof(
      fc.array(piece, { maxLength: 60 }).map((parts) => bytes(parts.join(""))),
      fc.array(piece, { maxLength: 40 }).map((parts) => bytes(BASE.slice(0, -2) + parts.join("") + "\r\n\r\n")),
      fc.uint8Array({ maxLength: 300 }),
    );
    fc.assert(
      fc.property(input, fc.array(fc.nat(400), { maxLength: 12 }), fc.integer({ min: 20, max: 400 }), (data, cuts, max) => {
        const limits = { maxHandshakeSize: max, maxHeaders: 4 };
        const whole = feedHead(HttpHeadParser.request(limits), [data], true);
        expect(feedHead(HttpHeadParser.request(limits), splitAt(data, cuts), true)).toEqual(whole);
        expect(feedHead(HttpHeadParser.request(limits), byteByByte(data), true)).toEqual(whole);
      }),
      { numRuns: 500 },
    );
  });
});

describe("HttpHeadParser.response", () => {
  it("parses a 101 with trailing frame bytes in every chunking", () => {
    const input = bytes(OK_101 + "\x81\x02hi");
    for (const [how, chunks] of chunkings(input)) {
      expect(feedHead(HttpHeadParser.response(), chunks), how).toEqual({
        status: "complete",
        head: {
          httpVersion: "1.1",
          statusCode: 101,
          reasonPhrase: "Switching Protocols",
          headers: [
            ["upgrade", "websocket"],
            ["connection", "Upgrade"],
            ["sec-websocket-accept", ACCEPT],
          ],
        },
        rest: bytes("\x81\x02hi"),
      });
    }
  });

  it.each([
    ["HTTP/1.1 101 \r\n\r\n", 101, ""],
    ["HTTP/1.1 101\r\n\r\n", 101, ""],
    ["HTTP/1.0 200 OK\r\n\r\n", 200, "OK"],
    ["HTTP/1.1 404 Not  Found\tHere\r\n\r\n", 404, "Not  Found\tHere"],
    ["HTTP/1.1 999 \xe9\r\n\r\n", 999, "\u00e9"],
  ])("parses the status line %j", (input, statusCode, reasonPhrase) => {
    const result = HttpHeadParser.response().feed(bytes(input));
    expect(result.status === "complete" && [result.head.statusCode, result.head.reasonPhrase]).toEqual([
      statusCode,
      reasonPhrase,
    ]);
  });

  it.each([
    "HTTP/1.1 1010 Too long\r\n\r\n",
    "HTTP/1.1 10 Short\r\n\r\n",
    "HTTP/1.1 099 Low\r\n\r\n",
    "HTTP/1.1 abc Letters\r\n\r\n",
    "HTTP/1.1  101 Extra space\r\n\r\n",
    "HTTP/1.1 101 Bad\x00reason\r\n\r\n",
    "HTTP/1.1\r\n\r\n",
    "HTTPS/1.1 101 x\r\n\r\n",
    "GET / HTTP/1.1\r\n\r\n",
    "HTTP/1.1 101 Switching Protocols\nUpgrade: websocket\n\n",
  ])("refuses the malformed response %j", (input) => {
    expect(feedHead(HttpHeadParser.response(), [bytes(input)])).toMatchObject({ status: "failed", reason: "malformed" });
  });

  it("bounds a 1 MiB response header (C18) and 5000 headers (C19)", () => {
    const big = bytes("HTTP/1.1 101 Switching Protocols\r\nX: " + "a".repeat(1 << 20) + "\r\n\r\n");
    expect(feedHead(HttpHeadParser.response(), [big])).toMatchObject({ status: "failed", reason: "head-too-large" });
    const many = bytes("HTTP/1.1 101 Switching Protocols\r\n" + "X: y\r\n".repeat(5000) + "\r\n");
    expect(feedHead(HttpHeadParser.response(), [many])).toMatchObject({ status: "failed" });
    const manySmallLimit = feedHead(HttpHeadParser.response({ maxHandshakeSize: 1 << 20 }), [many]);
    expect(manySmallLimit).toMatchObject({ status: "failed", reason: "too-many-headers" });
  });
});

describe("linear work (CVE-2023-43669): bytes scanned and copied are counted, not timed", () => {
  const originalIndexOf = Uint8Array.prototype.indexOf;
  const originalSet = Uint8Array.prototype.set;
  afterEach(() => {
    Uint8Array.prototype.indexOf = originalIndexOf;
    Uint8Array.prototype.set = originalSet;
  });

  /** Runs `work` while counting the bytes that Uint8Array indexOf scans and set copies. */
  function countWork(work: () => void): number {
    let touched = 0;
    Uint8Array.prototype.indexOf = function (this: Uint8Array, value: number, from?: number) {
      const result = originalIndexOf.call(this, value, from);
      touched += (result < 0 ? this.length : result + 1) - (from ?? 0);
      return result;
    };
    Uint8Array.prototype.set = function (this: Uint8Array, source: ArrayLike<number>, offset?: number) {
      touched += source.length;
      return originalSet.call(this, source, offset);
    } as typeof Uint8Array.prototype.set;
    try {
      work();
    } finally {
      Uint8Array.prototype.indexOf = originalIndexOf;
      Uint8Array.prototype.set = originalSet;
    }
    return touched;
  }

  it("an 8 KiB head fed one byte per call costs O(n), not O(n²) (H62)", () => {
    const head = bytes(BASE.slice(0, -2) + "X-Pad: " + "p".repeat(8192 - BASE.length - 9) + "\r\n\r\n");
    expect(head.length).toBe(8192);
    let outcome: ReturnType<typeof feedHead> | undefined;
    const perByte = countWork(() => {
      outcome = feedHead(HttpHeadParser.request(), byteByByte(head));
    });
    expect(outcome?.status).toBe("complete");
    // Scanning + copying each byte once, plus the doubling buffer's copies (< 2n).
    expect(perByte).toBeGreaterThanOrEqual(2 * head.length); // the counters do see the work
    expect(perByte).toBeLessThan(5 * head.length);
    const whole = countWork(() => feedHead(HttpHeadParser.request(), [head]));
    expect(whole).toBeLessThan(5 * head.length);
  });

  it("work grows linearly with the head: 4x the bytes cost at most 4x (+ slack)", () => {
    const make = (n: number): Uint8Array => bytes("GET / HTTP/1.1\r\n" + "X-a: b\r\n".repeat(n) + "\r\n");
    const limits = { maxHandshakeSize: 1 << 20, maxHeaders: 1 << 20 };
    const small = countWork(() => feedHead(HttpHeadParser.request(limits), byteByByte(make(500))));
    const large = countWork(() => feedHead(HttpHeadParser.request(limits), byteByByte(make(2000))));
    expect(large / small).toBeLessThan(4.5);
  });

  it("30 KB of spaces in a value is scanned once (ReDoS shape, H33)", () => {
    const head = bytes(BASE.slice(0, -2) + "Sec-WebSocket-Protocol: b" + " ".repeat(30000) + "x\r\n\r\n");
    const limits = { maxHandshakeSize: 64 * 1024 };
    const work = countWork(() => {
      expect(feedHead(HttpHeadParser.request(limits), splitEvery(head, 7)).status).toBe("complete");
    });
    expect(work).toBeLessThan(5 * head.length);
  });
});

function splitEvery(data: Uint8Array, size: number): Uint8Array[] {
  const parts: Uint8Array[] = [];
  for (let at = 0; at < data.length; at += size) parts.push(data.subarray(at, at + size));
  return parts;
}
