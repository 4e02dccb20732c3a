/** wsproto's TestFrameDecoder and TestFrameDecoderExtensions, ported, and the header rules. */
import { describe, expect, it } from "vitest";
import { Opcode } from "../../src/constants.js";
import type { Extension } from "../../src/extensions/extension.js";
import { DecodeStatus, FrameDecoder } from "../../src/frame/frame-decoder.js";
import { FakeExtension } from "./fake-extension.js";
import { concatBytes, hex, splitAt, toHex, utf8 } from "./helpers.js";

interface DecodedChunk {
  opcode: number;
  fin: boolean;
  payload: string;
  frameFinished: boolean;
}

interface Decoded {
  chunks: DecodedChunk[];
  failure: { code: number; reason: string } | null;
  /** NEED_MORE results seen after each piece. */
  waits: number;
}

function newDecoder(client: boolean, extensions: readonly Extension[] = [], maxFrameSize = 1 << 24): FrameDecoder {
  return new FrameDecoder({ client, extensions, context: { client, inboundBudget: 1 << 20 }, maxFrameSize });
}

/** Feeds the pieces, polling after each until NEED_MORE or FAILED. */
function decode(decoder: FrameDecoder, ...pieces: Uint8Array[]): Decoded {
  const result: Decoded = { chunks: [], failure: null, waits: 0 };
  for (const piece of pieces) {
    decoder.receive(piece);
    for (;;) {
      const status = decoder.poll();
      if (status === DecodeStatus.NEED_MORE) {
        result.waits++;
        break;
      }
      if (status === DecodeStatus.FAILED) {
        const failure = decoder.failure;
        result.failure = failure && { code: failure.code, reason: failure.reason };
        return result;
      }
      if (status === DecodeStatus.PAYLOAD) {
        result.chunks.push({
          opcode: decoder.opcode,
          fin: decoder.fin,
          payload: toHex(decoder.payload),
          frameFinished: decoder.frameFinished,
        });
      }
    }
  }
  return result;
}

function single(client: boolean, bytes: Uint8Array, extensions: readonly Extension[] = []): DecodedChunk {
  const result = decode(newDecoder(client, extensions), bytes);
  expect(result.failure).toBeNull();
  expect(result.chunks).toHaveLength(1);
  return result.chunks[0];
}

function failure(client: boolean, bytes: Uint8Array, extensions: readonly Extension[] = []): { code: number; reason: string } {
  const result = decode(newDecoder(client, extensions), bytes);
  expect(result.failure).not.toBeNull();
  return result.failure as { code: number; reason: string };
}

function header(first: number, length: number, masked = false): Uint8Array {
  const mask = masked ? 0x80 : 0;
  if (length <= 125) return new Uint8Array([first, mask | length]);
  if (length <= 0xffff) return new Uint8Array([first, mask | 126, length >> 8, length & 0xff]);
  return new Uint8Array([first, mask | 127, 0, 0, 0, 0, length >>> 24, (length >>> 16) & 0xff, (length >>> 8) & 0xff, length & 0xff]);
}

describe("FrameDecoder (wsproto TestFrameDecoder)", () => {
  it("zero-length frame", () => {
    expect(single(true, hex("8100"))).toEqual({ opcode: Opcode.TEXT, fin: true, payload: "", frameFinished: true });
  });

  it("short server frame (client side)", () => {
    expect(single(true, hex("8102 7879")).payload).toBe("7879");
  });

  it("short client frame (server side, key 'abcd')", () => {
    expect(single(false, hex("8182 61626364 191b")).payload).toBe("7879");
  });

  it("rejects a masked frame at the client and an unmasked one at the server", () => {
    expect(failure(true, hex("8182 61626364 191b"))).toEqual({ code: 1002, reason: "client received unexpected masked frame" });
    expect(failure(false, hex("8102 7879"))).toEqual({ code: 1002, reason: "server received unexpected unmasked frame" });
  });

  it("rejects a bad opcode and an unfinished control frame", () => {
    expect(failure(true, hex("8e02 7879"))).toEqual({ code: 1002, reason: "Invalid opcode 0xe" });
    expect(failure(true, hex("0902 7879"))).toEqual({ code: 1002, reason: "Invalid attempt to fragment control frame" });
  });

  it.each(["91", "a1", "c1"])("rejects reserved bits (%s)", (first) => {
    expect(failure(true, hex(`${first}00`))).toEqual({ code: 1002, reason: "Reserved bit set unexpectedly" });
  });

  it("decodes long (16-bit) and very long (64-bit) lengths", () => {
    const payload = new Uint8Array(512).fill(0x78);
    expect(single(true, concatBytes([hex("817e0200"), payload])).payload).toBe(toHex(payload));
    const big = new Uint8Array(128 * 1024).fill(0x78);
    expect(single(true, concatBytes([hex("817f 0000000000020000"), big])).payload).toBe(toHex(big));
  });

  it("rejects lengths in a longer form than needed", () => {
    expect(failure(true, concatBytes([hex("817e0040"), new Uint8Array(64)]))).toEqual({
      code: 1002,
      reason: "Payload length used 2 bytes when 1 would have sufficed",
    });
    expect(failure(true, concatBytes([hex("817f 0000000000000200"), new Uint8Array(512)])).reason).toBe(
      "Payload length used 8 bytes when 2 would have sufficed",
    );
    expect(failure(true, concatBytes([hex("817f 0000000000000040"), new Uint8Array(64)])).reason).toBe(
      "Payload length used 8 bytes when 2 would have sufficed",
    );
  });

  it("rejects an 8-byte length with the most significant bit set", () => {
    expect(failure(true, hex("817f 8080808080808080"))).toEqual({ code: 1002, reason: "8-byte payload length with non-zero MSB" });
  });

  it.each([
    ["header", true, hex("8102 7879"), 1, "7879"],
    ["16-bit length", true, concatBytes([hex("817e0200"), new Uint8Array(512).fill(7)]), 3, "07".repeat(512)],
    ["64-bit length", true, concatBytes([hex("817f 0000000000010000"), new Uint8Array(65536).fill(7)]), 7, "07".repeat(65536)],
    ["mask key", false, hex("8182 61626364 191b"), 4, "7879"],
  ] as const)("waits when the %s is split, then decodes", (_, client, bytes, at, payload) => {
    const decoder = newDecoder(client);
    const first = decode(decoder, bytes.subarray(0, at));
    expect(first.chunks).toEqual([]);
    expect(first.waits).toBe(1);
    const rest = decode(decoder, bytes.subarray(at));
    expect(rest.failure).toBeNull();
    expect(rest.chunks).toEqual([{ opcode: Opcode.TEXT, fin: true, payload, frameFinished: true }]);
  });

  it("delivers a data frame chunk by chunk as it arrives (partial message frames)", () => {
    const payload = new Uint8Array(128 * 1024).map((_, i) => i);
    const decoder = newDecoder(true);
    expect(decode(decoder, hex("817f 0000000000020000")).chunks).toEqual([]);
    for (let offset = 0; offset < payload.length; offset += 1024) {
      const piece = payload.subarray(offset, offset + 1024);
      const { chunks } = decode(decoder, piece);
      expect(chunks).toEqual([
        { opcode: Opcode.TEXT, fin: true, payload: toHex(piece), frameFinished: offset + 1024 === payload.length },
      ]);
    }
  });

  it("delivers a control frame only when whole (partial control frame)", () => {
    const payload = new Uint8Array(64).fill(0x78);
    const bytes = concatBytes([hex("8940"), payload]);
    const decoder = newDecoder(true);
    const pieces = splitAt(bytes, [11, 22, 33, 44, 55]);
    for (const piece of pieces.slice(0, -1)) expect(decode(decoder, piece).chunks).toEqual([]);
    expect(decode(decoder, pieces.at(-1) as Uint8Array).chunks).toEqual([
      { opcode: Opcode.PING, fin: true, payload: toHex(payload), frameFinished: true },
    ]);
  });

  it("rejects an overly long control frame", () => {
    expect(failure(true, concatBytes([hex("897e0080"), new Uint8Array(128)]))).toEqual({
      code: 1002,
      reason: "Control frame with payload len > 125",
    });
  });
});

describe("FrameDecoder: header rule order, limits and masking", () => {
  it("checks in wsproto's order: opcode, control FIN, control length, then RSV, then mask", () => {
    expect(failure(false, hex("f3ff"))).toEqual({ code: 1002, reason: "Invalid opcode 0x3" }); // also RSV, length, mask
    expect(failure(false, hex("797e"))).toEqual({ code: 1002, reason: "Invalid attempt to fragment control frame" });
    expect(failure(false, hex("f97e"))).toEqual({ code: 1002, reason: "Control frame with payload len > 125" });
    expect(failure(false, hex("c17e0005"))).toEqual({ code: 1002, reason: "Payload length used 2 bytes when 1 would have sufficed" });
    expect(failure(false, hex("c100"))).toEqual({ code: 1002, reason: "Reserved bit set unexpectedly" }); // also unmasked
  });

  it("rejects a data frame whose declared length exceeds maxFrameSize, from the header alone (1009)", () => {
    const decoder = newDecoder(false, [], 200);
    const result = decode(decoder, hex("82fe00c9")); // 201, no mask key or payload yet
    expect(result.failure).toEqual({ code: 1009, reason: "Frame payload length 201 exceeds maxFrameSize 200" });
    expect(decode(newDecoder(false, [], 200), hex("82fe00c8 00000000")).failure).toBeNull(); // exactly 200: waits
    expect(decode(newDecoder(false, [], 100), hex("82e5 00000000")).failure?.code).toBe(1009); // 7-bit length 101
    expect(decode(newDecoder(false, [], 100), hex("82ff 7fffffffffffffff")).failure).toEqual({
      code: 1009,
      reason: "Frame payload length 9223372036854775807 exceeds maxFrameSize 100",
    });
  });

  it("does not apply maxFrameSize to control frames", () => {
    const payload = new Uint8Array(125).fill(1);
    const result = decode(newDecoder(true, [], 10), concatBytes([hex("897d"), payload]));
    expect(result.chunks).toHaveLength(1);
  });

  it("stops for good after a failure: later input is ignored", () => {
    const decoder = newDecoder(true);
    decode(decoder, hex("a100"));
    expect(decoder.stopped).toBe(true);
    decoder.receive(hex("8100"));
    expect(decoder.bufferedAmount).toBe(0);
    expect(decoder.poll()).toBe(DecodeStatus.FAILED);
  });

  it("reports the header before any payload, and an empty frame's chunk at once", () => {
    const decoder = newDecoder(true);
    decoder.receive(hex("8205"));
    expect(decoder.poll()).toBe(DecodeStatus.HEADER);
    expect([decoder.opcode, decoder.fin, decoder.rsv, decoder.payloadLength]).toEqual([Opcode.BINARY, true, 0, 5]);
    expect(decoder.poll()).toBe(DecodeStatus.NEED_MORE);
    decoder.receive(hex("0102030405 8200"));
    expect(decoder.poll()).toBe(DecodeStatus.PAYLOAD);
    expect(toHex(decoder.payload)).toBe("0102030405");
    expect(decoder.poll()).toBe(DecodeStatus.HEADER);
    expect(decoder.poll()).toBe(DecodeStatus.PAYLOAD);
    expect(decoder.payload.length).toBe(0);
    expect(decoder.frameFinished).toBe(true);
  });

  it("unmasks a payload split anywhere with the key cycle carried over", () => {
    const key = hex("a1b2c3d4");
    const payload = utf8("some very long data for masking by websocket, and then some more bytes");
    const masked = payload.map((byte, i) => byte ^ key[i & 3]);
    const bytes = concatBytes([header(0x82, payload.length, true), key, masked]);
    for (let cut = 1; cut < bytes.length; cut += 3) {
      const result = decode(newDecoder(false), ...splitAt(bytes, [cut, cut + 5]));
      expect(result.chunks.map((chunk) => chunk.payload).join("")).toBe(toHex(payload));
    }
  });

  it("writes copied payloads to the shared scratch buffer only when told they are transient", () => {
    const key = hex("01020304");
    const frameOf = (byte: number): Uint8Array => concatBytes([hex("81fe0100"), key, new Uint8Array(256).fill(byte)]);
    const payloads = (transient: boolean): Uint8Array[] => {
      const decoder = newDecoder(false);
      decoder.transientPayload = transient;
      const seen: Uint8Array[] = [];
      decoder.receive(concatBytes([frameOf(1), frameOf(2)]));
      for (let status = decoder.poll(); status !== DecodeStatus.NEED_MORE; status = decoder.poll()) {
        if (status === DecodeStatus.PAYLOAD) seen.push(decoder.payload);
      }
      return seen;
    };
    const unmasked = (byte: number): string => toHex(new Uint8Array(256).map((_, i) => byte ^ key[i & 3]));
    const [kept1, kept2] = payloads(false);
    expect([toHex(kept1), toHex(kept2)]).toEqual([unmasked(1), unmasked(2)]); // both intact
    const [scratch1, scratch2] = payloads(true);
    expect(scratch2.buffer).toBe(scratch1.buffer);
    expect(scratch1.byteOffset).toBe(scratch2.byteOffset); // the first was overwritten
  });

  it("does not modify the bytes it was given", () => {
    const bytes = hex("8182 61626364 191b");
    const copy = bytes.slice();
    decode(newDecoder(false), bytes);
    expect(toHex(bytes)).toBe(toHex(copy));
  });
});

describe("FrameDecoder with extensions (wsproto TestFrameDecoderExtensions)", () => {
  it("lets an extension own RSV3 (test_rsv_bit)", () => {
    const extension = new FakeExtension();
    const chunk = single(true, hex("9100"), [extension]);
    expect(chunk.payload).toBe(toHex(utf8("™"))); // the fake extension completes RSV3 frames with ™
    expect(extension.inboundHeaderCalled).toBe(true);
    expect(extension.inboundRsvBitSet).toBe(true);
  });

  it("still rejects RSV2 (test_wrong_rsv_bit)", () => {
    expect(failure(true, hex("a100"), [new FakeExtension()])).toEqual({ code: 1002, reason: "Reserved bit set unexpectedly" });
  });

  it("fails with the code the header hook returns (test_header_error_handling)", () => {
    expect(failure(true, hex("9a00"), [new FakeExtension()])).toEqual({ code: 1010, reason: "error in extension" });
  });

  // The fake extension takes the frames with RSV3 set (0x10): it upper-cases their payload
  // and ends a final one (FIN, 0x80) with ™. Other frames go through the same hooks unchanged.
  it.each([
    ["passes payloads through the payload hook (test_payload_processing)", 0x11, "inboundPayloadDataCalled", "FÑÖR∂"],
    ["leaves the payload alone when the extension does not want it", 0x01, "inboundPayloadDataCalled", "fñör∂"],
    ["appends what the completion hook returns (test_frame_completion)", 0x91, "inboundCompleteCalled", "FÑÖR∂™"],
    ["calls the completion hook and keeps the payload when not wanted", 0x81, "inboundCompleteCalled", "fñör∂"],
  ] as const)("%s", (_title, firstByte, hook, expected) => {
    const extension = new FakeExtension();
    const payload = utf8("fñör∂");
    const chunk = single(true, concatBytes([header(firstByte, payload.length), payload]), [extension]);
    expect(extension[hook]).toBe(true);
    expect(chunk.payload).toBe(toHex(utf8(expected)));
  });

  it("fails with the code the payload hook returns (test_payload_error_handling)", () => {
    expect(failure(true, concatBytes([hex("910a"), utf8("party time")]), [new FakeExtension()])).toEqual({
      code: 1008,
      reason: "error in extension",
    });
  });

  it("fails with the code the completion hook returns (test_completion_error_handling)", () => {
    expect(failure(true, concatBytes([hex("9108"), utf8("ragequit")]), [new FakeExtension()])).toEqual({
      code: 1006,
      reason: "error in extension",
    });
  });

  it("calls the completion hook only on a frame's last chunk", () => {
    const extension = new FakeExtension();
    const payload = utf8("abcdef");
    const decoder = newDecoder(true, [extension]);
    const first = decode(decoder, concatBytes([header(0x91, payload.length), payload.subarray(0, 3)]));
    expect(extension.inboundCompleteCalled).toBe(false);
    const second = decode(decoder, payload.subarray(3));
    expect(extension.inboundCompleteCalled).toBe(true);
    expect([...first.chunks, ...second.chunks].map((chunk) => chunk.payload).join("")).toBe(toHex(utf8("ABCDEF™")));
  });
});
