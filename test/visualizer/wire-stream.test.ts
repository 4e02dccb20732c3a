/**
 * WireStream cuts a connection's bytes into HTTP head and frames, the same for every way
 * the bytes are split into reads, and keeps only a bounded part of each frame.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { concatBytes } from "../../src/bytes.js";
import { fromHex, toHex } from "../../visualizer/frame-view.js";
import { WireStream, type WirePiece, type WireStreamOptions } from "../../visualizer/wire-stream.js";

const ascii = (text: string) => new TextEncoder().encode(text);

function hex(text: string): Uint8Array {
  return fromHex(text)!;
}

/** Pieces as plain values; consecutive `bytes` pieces merged, since a read boundary may cut them. */
function normalize(pieces: WirePiece[]): unknown[] {
  const out: unknown[] = [];
  for (const piece of pieces) {
    const last = out.at(-1) as { kind?: string; length: number } | undefined;
    if (piece.kind === "bytes" && last?.kind === "bytes") last.length += piece.length;
    else if (piece.kind === "bytes") out.push({ kind: "bytes", length: piece.length });
    else if (piece.kind === "frame") out.push({ ...piece, bytes: toHex(piece.bytes) });
    else out.push(piece);
  }
  return out;
}

function feed(chunks: Uint8Array[], options?: WireStreamOptions): unknown[] {
  const stream = new WireStream(options);
  return normalize(chunks.flatMap((chunk) => stream.push(chunk)));
}

/** Whole, byte by byte and in random splits, the pieces must be the same. */
function expectSplitInvariant(input: Uint8Array, expected: unknown[], options?: WireStreamOptions): void {
  expect(feed([input], options)).toEqual(expected);
  expect(feed(Array.from(input, (byte) => Uint8Array.of(byte)), options)).toEqual(expected);
  fc.assert(
    fc.property(fc.uniqueArray(fc.integer({ min: 1, max: Math.max(1, input.length - 1) }), { maxLength: 12 }), (cuts) => {
      const points = [0, ...cuts.sort((a, b) => a - b), input.length];
      const chunks = points.slice(1).map((end, i) => input.subarray(points[i], end));
      expect(feed(chunks, options)).toEqual(expected);
    }),
    { numRuns: 60 },
  );
}

const REQUEST_HEAD =
  "GET /echo HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
  "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13";
const RESPONSE_HEAD =
  "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
  "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";

describe("WireStream", () => {
  it("reads a client's handshake then its masked frames (server side, inbound)", () => {
    const input = concatBytes([
      ascii(REQUEST_HEAD + "\r\n\r\n"),
      hex("81 85 37 fa 21 3d 7f 9f 4d 51 58"),
      hex("88 82 01 02 03 04 02 ea"),
    ]);
    expectSplitInvariant(input, [
      { kind: "http", text: REQUEST_HEAD, complete: true },
      { kind: "frame", bytes: "81 85 37 fa 21 3d 7f 9f 4d 51 58", frameLength: 11, truncated: false },
      { kind: "frame", bytes: "88 82 01 02 03 04 02 ea", frameLength: 8, truncated: false },
    ]);
  });

  it("reads a 101 response then unmasked frames, empty ones included (outbound)", () => {
    const input = concatBytes([ascii(RESPONSE_HEAD + "\r\n\r\n"), hex("01 03 48 65 6c"), hex("89 00"), hex("80 02 6c 6f"), hex("88 00")]);
    expectSplitInvariant(input, [
      { kind: "http", text: RESPONSE_HEAD, complete: true },
      { kind: "frame", bytes: "01 03 48 65 6c", frameLength: 5, truncated: false },
      { kind: "frame", bytes: "89 00", frameLength: 2, truncated: false },
      { kind: "frame", bytes: "80 02 6c 6f", frameLength: 4, truncated: false },
      { kind: "frame", bytes: "88 00", frameLength: 2, truncated: false },
    ]);
  });

  it("reads frames from the first byte when there is no HTTP head (a bare Connection)", () => {
    expectSplitInvariant(hex("81 05 48 65 6c 6c 6f 8a 00"), [
      { kind: "frame", bytes: "81 05 48 65 6c 6c 6f", frameLength: 7, truncated: false },
      { kind: "frame", bytes: "8a 00", frameLength: 2, truncated: false },
    ]);
  });

  it("keeps only the header and the first payload bytes of a long frame", () => {
    const payload = new Uint8Array(70_000).map((_, i) => i & 0xff);
    const input = concatBytes([hex("82 7f 00 00 00 00 00 01 11 70"), payload, hex("89 00")]);
    expectSplitInvariant(
      input,
      [
        { kind: "frame", bytes: "82 7f 00 00 00 00 00 01 11 70 00 01 02 03", frameLength: 70_010, truncated: true },
        { kind: "frame", bytes: "89 00", frameLength: 2, truncated: false },
      ],
      { keepPayload: 4 },
    );
  });

  it("treats what follows a refusal as body, not frames", () => {
    const head = "HTTP/1.1 400 Bad Request\r\nContent-Length: 5";
    expectSplitInvariant(concatBytes([ascii(head + "\r\n\r\n"), ascii("oops!")]), [
      { kind: "http", text: head, complete: true },
      { kind: "bytes", length: 5 },
    ]);
  });

  it("cuts a head that exceeds maxHead and reads the rest as plain bytes", () => {
    const input = ascii("GET /" + "a".repeat(100) + " HTTP/1.1\r\n\r\n");
    expectSplitInvariant(
      input,
      [
        { kind: "http", text: "GET /" + "a".repeat(27), complete: false },
        { kind: "bytes", length: input.length - 32 },
      ],
      { maxHead: 32 },
    );
  });

  it("keeps at most 14 header bytes and `keepPayload` bytes for a frame that never ends", () => {
    const stream = new WireStream({ keepPayload: 8 });
    expect(stream.push(hex("82 ff 7f ff ff ff ff ff ff ff 01 02 03 04"))).toEqual([]);
    for (let i = 0; i < 100; i++) expect(stream.push(new Uint8Array(4096))).toEqual([]);
  });
});
