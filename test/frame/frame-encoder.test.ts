import { describe, expect, it } from "vitest";
import { Opcode } from "../../src/constants.js";
import { LocalProtocolError } from "../../src/errors.js";
import { Extension, type FrameContext, type RsvBits } from "../../src/extensions/extension.js";
import { FrameEncoder } from "../../src/frame/frame-encoder.js";
import { MaskKeySource } from "../../src/frame/mask-keys.js";
import { FakeExtension } from "./fake-extension.js";
import { concatBytes, hex, toHex, utf8 } from "./helpers.js";

const context: FrameContext = { client: false, inboundBudget: 0 };

function counterKeys(): MaskKeySource {
  let next = 0;
  return new MaskKeySource((buffer) => {
    for (let i = 0; i < buffer.length; i++) buffer[i] = (next++ * 37 + 11) & 0xff;
  });
}

function encoder(client: boolean, extensions: readonly Extension[] = []): FrameEncoder {
  return new FrameEncoder({ client, extensions, context: { ...context, client }, maskKeys: counterKeys() });
}

/** Splits a client frame into header, key and unmasked payload. */
function unmaskClientFrame(frame: Uint8Array): { header: string; key: Uint8Array; payload: Uint8Array } {
  const length7 = frame[1] & 0x7f;
  const keyStart = length7 === 126 ? 4 : length7 === 127 ? 10 : 2;
  const key = frame.slice(keyStart, keyStart + 4);
  const payload = frame.slice(keyStart + 4).map((byte, i) => byte ^ key[i & 3]);
  return { header: toHex(frame.subarray(0, keyStart)), key, payload };
}

describe("FrameEncoder: server frames (golden vectors, behavior spec §7.1)", () => {
  it.each([
    [125, "827d"],
    [126, "827e007e"],
    [65535, "827effff"],
    [65536, "827f0000000000010000"],
  ])("a %i-byte binary payload gets header %s", (size, header) => {
    const payload = new Uint8Array(size).fill(0x78);
    const frame = encoder(false).encode(Opcode.BINARY, payload, true);
    expect(toHex(frame.subarray(0, header.length / 2))).toBe(header);
    expect(frame.length).toBe(header.length / 2 + size);
    expect(frame.subarray(header.length / 2).every((byte) => byte === 0x78)).toBe(true);
  });

  it("sets FIN and the opcode, and writes control frames", () => {
    const frames = encoder(false);
    expect(toHex(frames.encode(Opcode.PING, new Uint8Array(0), true))).toBe("8900");
    expect(toHex(frames.encode(Opcode.PONG, utf8("x"), true))).toBe("8a0178");
    expect(toHex(frames.encode(Opcode.CLOSE, hex("03e8"), true))).toBe("880203e8");
    expect(toHex(frames.encode(Opcode.BINARY, utf8("a"), false))).toBe("020161");
    expect(toHex(frames.encode(Opcode.CONTINUATION, utf8("b"), true))).toBe("800162");
  });

  it("encodes text as UTF-8 (ASCII, non-ASCII, long)", () => {
    const frames = encoder(false);
    expect(toHex(frames.encodeText(Opcode.TEXT, "hi", true))).toBe("81026869");
    expect(toHex(frames.encodeText(Opcode.TEXT, "", true))).toBe("8100");
    expect(toHex(frames.encodeText(Opcode.TEXT, "é€", true))).toBe("8105c3a9e282ac");
    expect(toHex(frames.encodeText(Opcode.CONTINUATION, "x", false))).toBe("000178");
    const long = "😀".repeat(20000); // over the reused buffer: encoded on its own
    const frame = frames.encodeText(Opcode.TEXT, long, true);
    expect(toHex(frame.subarray(0, 10))).toBe("817f0000000000013880");
    expect(new TextDecoder().decode(frame.subarray(10))).toBe(long);
  });

  // Each path: unit by unit (frame ≤ 64 bytes: 58 units for a client, 62 for a server),
  // encodeInto in place (≤ 1024, or ASCII-looking), the reused buffer, and on its own;
  // ASCII and not, with the non-ASCII unit first and last.
  it.each([0, 1, 58, 59, 62, 63, 125, 1024, 1025, 21845, 70000])("encodes a %i-unit text alike on every path, both roles", (length) => {
    const variants = length === 0 ? [""] : ["a".repeat(length), "é" + "a".repeat(length - 1), "a".repeat(length - 1) + "é"];
    for (const text of variants) {
      const bytes = utf8(text);
      const header = bytes.length <= 125 ? [0x81, bytes.length] : bytes.length <= 0xffff ? [0x81, 126, bytes.length >> 8, bytes.length & 0xff] : null;
      const server = encoder(false).encodeText(Opcode.TEXT, text, true);
      if (header !== null) expect(toHex(server.subarray(0, header.length))).toBe(toHex(new Uint8Array(header)));
      expect(toHex(server.subarray(server.length - bytes.length))).toBe(toHex(bytes));
      const client = unmaskClientFrame(encoder(true).encodeText(Opcode.TEXT, text, true));
      expect(toHex(client.payload)).toBe(toHex(bytes));
    }
  });

  it("refuses text with a lone surrogate, whatever the path", () => {
    const frames = encoder(false);
    expect(() => frames.encodeText(Opcode.TEXT, "a\uD800b", true)).toThrow(LocalProtocolError);
    expect(() => frames.encodeText(Opcode.TEXT, "a".repeat(100) + "\uD800", true)).toThrow(LocalProtocolError);
    expect(() => frames.encodeText(Opcode.TEXT, "é\uDC00".repeat(30000), true)).toThrow(LocalProtocolError);
    expect(() => encoder(false, [new FakeExtension()]).encodeText(Opcode.TEXT, "\uD800", true)).toThrow(LocalProtocolError);
  });

  it("does not keep or change the payload it was given", () => {
    const payload = utf8("unchanged");
    const frame = encoder(true).encode(Opcode.BINARY, payload, true);
    expect(new TextDecoder().decode(payload)).toBe("unchanged");
    frame.fill(0);
    expect(new TextDecoder().decode(payload)).toBe("unchanged");
  });
});

describe("FrameEncoder: client frames are masked with a fresh key each", () => {
  it.each([
    [125, "82fd"],
    [126, "82fe007e"],
    [65536, "82ff0000000000010000"],
  ])("a %i-byte payload: header %s, key, masked payload", (size, header) => {
    const payload = new Uint8Array(size).map((_, i) => i);
    const frame = encoder(true).encode(Opcode.BINARY, payload, true);
    const parts = unmaskClientFrame(frame);
    expect(parts.header).toBe(header);
    expect(toHex(parts.payload)).toBe(toHex(payload));
  });

  it("takes keys from its source in order, for text and bytes alike", () => {
    const frames = encoder(true);
    const expectedKeys = new Uint8Array(16);
    counterKeys().writeKey(expectedKeys, 0);
    const first = frames.encodeText(Opcode.TEXT, "hi", true); // ASCII path
    const second = frames.encodeText(Opcode.TEXT, "hé", true); // encoder path
    const third = frames.encode(Opcode.PING, new Uint8Array(0), true);
    const keys = [first, second, third].map((frame) => toHex(unmaskClientFrame(frame).key));
    const source = counterKeys();
    const want = [0, 1, 2].map(() => {
      const key = new Uint8Array(4);
      source.writeKey(key, 0);
      return toHex(key);
    });
    expect(keys).toEqual(want);
    expect(new Set(keys).size).toBe(3);
    expect(toHex(unmaskClientFrame(second).payload)).toBe(toHex(utf8("hé")));
    expect(toHex(third.subarray(0, 2))).toBe("8980");
  });
});

describe("FrameEncoder with extensions (wsproto outbound tests)", () => {
  it("applies frameOutbound: RSV3 and ® on a single frame", () => {
    const payload = "😃😄🙃😉";
    const frame = encoder(false, [new FakeExtension()]).encodeText(Opcode.TEXT, payload, true);
    const expected = utf8(payload + "®");
    expect(toHex(frame)).toBe(toHex(concatBytes([new Uint8Array([0x91, expected.length]), expected])));
  });

  it("applies frameOutbound across a fragmented message", () => {
    const frames = encoder(false, [new FakeExtension()]);
    const first = utf8("😃😄🙃😉");
    expect(toHex(frames.encodeText(Opcode.TEXT, "😃😄🙃😉", false))).toBe(toHex(concatBytes([new Uint8Array([0x11, first.length]), first])));
    const second = utf8("¯\\_(ツ)_/¯®");
    expect(toHex(frames.encodeText(Opcode.CONTINUATION, "¯\\_(ツ)_/¯", true))).toBe(
      toHex(concatBytes([new Uint8Array([0x80, second.length]), second])),
    );
  });

  it("runs hooks in reverse order", () => {
    const order: string[] = [];
    class Tag extends Extension {
      constructor(readonly name: string) {
        super();
      }
      override enabled(): boolean {
        return true;
      }
      override frameOutbound(_: FrameContext, __: number, rsv: RsvBits, data: Uint8Array): [RsvBits, Uint8Array] {
        order.push(this.name);
        return [rsv, concatBytes([data, utf8(this.name)])];
      }
    }
    const frame = encoder(false, [new Tag("a"), new Tag("b")]).encode(Opcode.BINARY, utf8("x"), true);
    expect(order).toEqual(["b", "a"]);
    expect(new TextDecoder().decode(frame.subarray(2))).toBe("xba");
  });

  it("refuses a control payload an extension grew past 125 bytes", () => {
    class Grow extends Extension {
      readonly name = "grow";
      override frameOutbound(_: FrameContext, __: number, rsv: RsvBits): [RsvBits, Uint8Array] {
        return [rsv, new Uint8Array(126)];
      }
    }
    expect(() => encoder(false, [new Grow()]).encode(Opcode.PING, new Uint8Array(0), true)).toThrow(LocalProtocolError);
  });
});

describe("FrameEncoder.encodeParts", () => {
  it.each([
    [0, "8200"],
    [125, "827d"],
    [126, "827e007e"],
    [65535, "827effff"],
    [65536, "827f0000000000010000"],
  ])("a server's %i-byte binary frame is [header %s, the payload itself]", (size, header) => {
    const payload = new Uint8Array(size).fill(0x78);
    const parts = encoder(false).encodeParts(Opcode.BINARY, payload, true);
    expect(parts).toHaveLength(2);
    expect(toHex(parts[0])).toBe(header);
    expect(parts[1]).toBe(payload);
    expect(toHex(concatBytes(parts))).toBe(toHex(encoder(false).encode(Opcode.BINARY, payload, true)));
  });

  it("writes FIN and the opcode of a continuation", () => {
    const [header] = encoder(false).encodeParts(Opcode.CONTINUATION, utf8("ab"), false);
    expect(toHex(header)).toBe("0002");
  });

  it("gives a client the one masked frame encode builds", () => {
    const payload = new Uint8Array(300).fill(0x42);
    const parts = encoder(true).encodeParts(Opcode.BINARY, payload, true);
    expect(parts).toHaveLength(1);
    expect(toHex(parts[0])).toBe(toHex(encoder(true).encode(Opcode.BINARY, payload, true)));
  });

  it("sends what the extensions made, with their RSV bits", () => {
    const [header, payload] = encoder(false, [new FakeExtension()]).encodeParts(Opcode.TEXT, utf8("x"), true);
    expect(toHex(header)).toBe("9103");
    expect(toHex(payload)).toBe(toHex(utf8("x®")));
  });
});
