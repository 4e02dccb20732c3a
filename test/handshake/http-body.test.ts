import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { LocalProtocolError } from "../../src/errors.js";
import {
  type BodyFraming,
  RejectBodyReader,
  RejectBodyWriter,
  responseBodyFraming,
} from "../../src/handshake/http-body.js";
import { concatBytes } from "../../src/bytes.js";
import { bytes, byteByByte, chunkings, splitAt, text } from "./helpers.js";

describe("responseBodyFraming (RFC 9112 §6.3)", () => {
  it.each<[string, number, Array<[string, string]>, BodyFraming | string]>([
    ["1xx", 102, [["content-length", "5"]], { kind: "none" }],
    ["204", 204, [["content-length", "5"]], { kind: "none" }],
    ["304", 304, [], { kind: "none" }],
    ["no length: until close", 400, [], { kind: "close" }],
    ["Content-Length", 400, [["content-length", "5"]], { kind: "length", length: 5 }],
    ["Content-Length: 0", 400, [["content-length", "0"]], { kind: "none" }],
    ["identical list", 400, [["content-length", "5, 5"]], { kind: "length", length: 5 }],
    ["identical repeated headers", 400, [["content-length", "5"], ["content-length", "5"]], { kind: "length", length: 5 }],
    ["chunked", 400, [["transfer-encoding", "chunked"]], { kind: "chunked" }],
    ["chunked (case)", 400, [["transfer-encoding", "gzip, Chunked"]], { kind: "chunked" }],
    ["chunked beats Content-Length", 400, [["content-length", "3"], ["transfer-encoding", "chunked"]], { kind: "chunked" }],
    ["a final coding other than chunked", 400, [["transfer-encoding", "chunked, gzip"]], { kind: "close" }],
    ["conflicting lengths", 400, [["content-length", "5, 6"]], "conflicting Content-Length values"],
    ["a negative length", 400, [["content-length", "-1"]], 'invalid Content-Length "-1"'],
    ["a non-numeric length", 400, [["content-length", "5a"]], 'invalid Content-Length "5a"'],
    ["an empty length", 400, [["content-length", ""]], 'invalid Content-Length ""'],
    ["a 16-digit length", 400, [["content-length", "1".repeat(16)]], `invalid Content-Length "${"1".repeat(16)}"`],
  ])("%s", (_name, status, headers, expected) => {
    expect(responseBodyFraming(status, headers)).toEqual(expected);
  });
});

/** Feeds the chunks, then EOF; returns the body text and the failure, if any. */
function read(framing: BodyFraming, chunks: Iterable<Uint8Array>, eof = true): { body: string; finished: boolean; error?: string } {
  const reader = new RejectBodyReader(framing, { maxHandshakeSize: 64, maxHeaders: 3 });
  const pieces: Uint8Array[] = [];
  let finished = false;
  const results = [];
  for (const chunk of chunks) results.push(() => reader.feed(chunk));
  if (eof) results.push(() => reader.end());
  for (const step of results) {
    const result = step();
    if (result.status === "failed") return { body: text(concatBytes(pieces)), finished, error: result.message };
    pieces.push(...result.chunks);
    finished = result.finished;
  }
  return { body: text(concatBytes(pieces)), finished };
}

describe("RejectBodyReader", () => {
  it("reads exactly Content-Length bytes and ignores what follows", () => {
    for (const [how, chunks] of chunkings(bytes("Hello, world"))) {
      expect(read({ kind: "length", length: 5 }, chunks, false), how).toEqual({ body: "Hello", finished: true });
    }
  });

  it("hands out views of the input, not copies", () => {
    const chunk = bytes("Hello");
    const result = new RejectBodyReader({ kind: "length", length: 5 }).feed(chunk);
    expect(result.status === "data" && result.chunks[0].buffer).toBe(chunk.buffer);
  });

  it("reads a close-delimited body until EOF", () => {
    for (const [how, chunks] of chunkings(bytes("all of it"))) {
      expect(read({ kind: "close" }, chunks), how).toEqual({ body: "all of it", finished: true });
    }
    expect(read({ kind: "close" }, [bytes("x")], false)).toEqual({ body: "x", finished: false });
  });

  it("fails on EOF before the declared length", () => {
    expect(read({ kind: "length", length: 5 }, [bytes("Hel")])).toEqual({
      body: "Hel",
      finished: false,
      error: "connection closed before the end of the response body",
    });
  });

  const CHUNKED = "5\r\nHello\r\n7;name=value\r\n, world\r\nA \t; x\r\n0123456789\r\n0\r\nX-Trailer: 1\r\n\r\nignored";

  it("decodes the chunked coding, extensions and trailers, in every chunking", () => {
    for (const [how, chunks] of chunkings(bytes(CHUNKED))) {
      expect(read({ kind: "chunked" }, chunks, false), how).toEqual({ body: "Hello, world0123456789", finished: true });
    }
  });

  it.each([
    ["a bare LF after the size", "5\nHello\r\n0\r\n\r\n", "chunk-size line not ended by CRLF"],
    ["a bare LF after the data", "5\r\nHello\n0\r\n\r\n", "chunk data not followed by CRLF"],
    ["no CRLF after the data", "5\r\nHelloX\r\n0\r\n\r\n", "chunk data not followed by CRLF"],
    ["a bare CR in the size line", "5\r;x\r\nHello\r\n0\r\n\r\n", "chunk-size line not ended by CRLF"],
    ["a missing size", "\r\nHello\r\n", "missing chunk size"],
    ["a non-hex size", "g\r\n", "missing chunk size"],
    ["junk after the size", "5 x\r\nHello\r\n", "malformed chunk-size line"],
    ["a huge size", "1".repeat(14) + "\r\n", "chunk size too large"],
    ["an endless size line", "5;" + "x".repeat(5000), "chunk-size line too long"],
    ["a bare LF ending the trailers", "0\r\n\n", "trailer line not ended by CRLF"],
    ["a trailer section over the limit", "0\r\n" + "X: " + "y".repeat(70) + "\r\n\r\n", "trailer section larger than maxHandshakeSize"],
    ["too many trailer lines", "0\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\n\r\n", "more trailer lines than maxHeaders"],
    ["EOF inside a chunk", "5\r\nHel", "connection closed before the end of the response body"],
  ])("refuses %s, in every chunking", (_name, input, error) => {
    for (const [how, chunks] of chunkings(bytes(input))) {
      expect(read({ kind: "chunked" }, chunks).error, how).toBe(error);
    }
  });

  it("refuses input after a failure", () => {
    const reader = new RejectBodyReader({ kind: "chunked" });
    expect(reader.feed(bytes("x\r\n")).status).toBe("failed");
    expect(() => reader.feed(bytes("0\r\n\r\n"))).toThrow(LocalProtocolError);
  });

  it("round-trips any body through RejectBodyWriter, in any chunking (property)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ maxLength: 40 }), { maxLength: 6 }),
        fc.array(fc.nat(400), { maxLength: 8 }),
        (pieces, cuts) => {
          const writer = new RejectBodyWriter({ kind: "chunked" });
          const wire = concatBytes([...pieces.map((p) => writer.write(p, false)), writer.write(new Uint8Array(0), true)]);
          const expected = text(concatBytes(pieces));
          expect(read({ kind: "chunked" }, splitAt(wire, cuts), false)).toEqual({ body: expected, finished: true });
          expect(read({ kind: "chunked" }, byteByByte(wire), false)).toEqual({ body: expected, finished: true });
        },
      ),
    );
  });
});

describe("RejectBodyWriter", () => {
  it("refuses data that is not a Uint8Array", () => {
    expect(() => new RejectBodyWriter({ kind: "close" }).write("x" as unknown as Uint8Array, true)).toThrow(LocalProtocolError);
  });

  it("copies the data it returns for raw framings", () => {
    const data = bytes("abc");
    const out = new RejectBodyWriter({ kind: "close" }).write(data, false);
    data.fill(0);
    expect(text(out)).toBe("abc");
  });
});
