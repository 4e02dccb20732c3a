/**
 * PerMessageDeflate end to end through the frame layer (FrameProtocol): the hardening
 * §5.4 rows as wire bytes, fed whole, split at every offset and byte by byte.
 */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { concatBytes } from "../../src/bytes.js";
import { BytesMessage, CloseConnection, Ping, TextMessage } from "../../src/events.js";
import { FrameProtocol, type FrameProtocolOptions } from "../../src/frame/frame-protocol.js";
import { PerMessageDeflate } from "../../src/extensions/permessage-deflate.js";
import { bytes, enabledClient, enabledServer, negotiatedPair, send, utf8 } from "./hook-driver.js";

/** What came out, one string per message or control event. */
function run(protocol: FrameProtocol, chunks: readonly Uint8Array[]): string[] {
  const out: string[] = [];
  let text = "";
  let binary = 0;
  for (const chunk of chunks) {
    protocol.receiveBytes(chunk);
    for (let event = protocol.nextEvent(); event !== null; event = protocol.nextEvent()) {
      if (event instanceof TextMessage) {
        text += event.data;
        if (event.messageFinished) out.push(`text:${text}`), (text = "");
      } else if (event instanceof BytesMessage) {
        binary += event.data.length;
        if (event.messageFinished) out.push(`bytes:${binary}`), (binary = 0);
      } else if (event instanceof Ping) out.push("ping");
      else if (event instanceof CloseConnection) out.push(`close:${event.code}`);
      else out.push(event.type);
    }
  }
  return out;
}

type Options = Omit<FrameProtocolOptions, "client" | "extensions">;

/** Feeds `wire` in every way and checks that each gives `expected`. */
function expectEverywhere(
  make: () => PerMessageDeflate,
  client: boolean,
  wire: Uint8Array,
  expected: string[],
  options: Options = {},
): void {
  const protocol = () => new FrameProtocol({ client, extensions: [make()], ...options });
  const splits: Uint8Array[][] = [[wire]];
  if (wire.length <= 64) {
    splits.push(Array.from(wire, (_, i) => wire.subarray(i, i + 1)));
    for (let i = 1; i < wire.length; i++) splits.push([wire.subarray(0, i), wire.subarray(i)]);
  }
  for (const chunks of splits) expect(run(protocol(), chunks)).toEqual(expected);
  fc.assert(
    fc.property(fc.array(fc.nat(wire.length), { maxLength: 6 }), (cuts) => {
      const offsets = [...new Set(cuts)].sort((a, b) => a - b);
      const chunks: Uint8Array[] = [];
      let start = 0;
      for (const cut of [...offsets, wire.length]) chunks.push(wire.subarray(start, cut)), (start = cut);
      expect(run(protocol(), chunks)).toEqual(expected);
    }),
    { numRuns: wire.length <= 64 ? 30 : 5 },
  );
}

/** A masked frame (key 00 00 00 00) as a client sends it: the §5.0 convention `k`. */
function masked(firstByte: number, payload: Uint8Array): Uint8Array {
  const n = payload.length;
  const length =
    n <= 125 ? [0x80 | n] : n <= 0xffff ? [0xfe, n >> 8, n & 0xff] : [0xff, 0, 0, 0, 0, (n >>> 24) & 0xff, (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff];
  return concatBytes([Uint8Array.from([firstByte, ...length, 0, 0, 0, 0]), payload]);
}

const server = () => enabledServer();

describe("hardening §5.4 rows through FrameProtocol (server role)", () => {
  it.each([
    ["Z01 'Hello'", "C1 87 00 00 00 00 F2 48 CD C9 C9 07 00", ["text:Hello"]],
    ["Z02 RSV1 on continuation", "41 83 00 00 00 00 F2 48 CD  C0 84 00 00 00 00 C9 C9 07 00", ["close:1002"]],
    ["Z03 RSV1 on ping", "C9 80 00 00 00 00", ["close:1002"]],
    ["Z04 RSV1 on close", "C8 82 00 00 00 00 03 E8", ["close:1002"]],
    ["Z05 RSV1 on continuation of uncompressed", "01 82 00 00 00 00 61 62  C0 87 00 00 00 00 F2 48 CD C9 C9 07 00", ["close:1002"]],
    ["Z06 invalid deflate data", "C1 84 00 00 00 00 FF FF FF FF", ["close:1007"]],
    ["Z07 reserved block type", "C2 81 00 00 00 00 07", ["close:1007"]],
    ["Z08 BFINAL block", "C1 87 00 00 00 00 CB 48 CD C9 C9 07 00  C1 87 00 00 00 00 F2 48 CD C9 C9 07 00", ["text:hello", "text:Hello"]],
    ["Z09 trailer left in", "C1 8B 00 00 00 00 F2 48 CD C9 C9 07 00 00 00 FF FF", ["text:Hello"]],
    ["Z10 empty compressed message", "C1 81 00 00 00 00 00", ["text:"]],
    ["Z11 compressed invalid UTF-8", "C1 84 00 00 00 00 3A B0 1E 00", ["close:1007"]],
    ["Z24 garbage after the final block", "C1 8A 00 00 00 00 F3 48 CD C9 C9 07 00 00 DE AD", ["close:1007"]],
    [
      "defect 1: ping between compressed fragments",
      "41 83 00 00 00 00 F2 48 CD  89 80 00 00 00 00  80 84 00 00 00 00 C9 C9 07 00  C1 85 00 00 00 00 F2 00 11 00 00",
      ["ping", "text:Hello", "text:Hello"],
    ],
  ])("%s", (_name, wire, expected) => {
    expectEverywhere(server, false, bytes(wire), expected);
  });

  const ones = (n: number) => new Uint8Array(n).fill(1);
  const compressedOnes = (n: number) => send(enabledServer({ threshold: 0 }), [{ opcode: 2, fragments: [ones(n)] }])[0].payload;

  it.each([
    ["Z13 exactly max", 4096, ["bytes:4096"]],
    ["Z14 max + 1", 4097, ["close:1009"]],
    ["Z15 max + 2", 4098, ["close:1009"]],
  ])("%s (max 4096)", (_name, size, expected) => {
    expectEverywhere(server, false, masked(0xc2, compressedOnes(size)), expected, { maxMessageSize: 4096 });
  });

  // A message cut off inside a stored block of 10 bytes after 5 of them: the stripped
  // trailer becomes 4 more bytes of the block (inflated at frame completion), then the
  // message ends inside the block (1007). Up to 8 bytes, the trailer overflows first
  // (1009), even when the frame's last chunk inflated to the whole budget and the frame
  // layer has not counted it yet.
  it.each([
    [5, ["close:1009"]],
    [8, ["close:1009"]],
    [9, ["close:1007"]],
  ])("stored block cut off, max %i → %j", (maxMessageSize, expected) => {
    expectEverywhere(server, false, masked(0xc2, bytes("00 0a 00 f5 ff 61 62 63 64 65")), expected, { maxMessageSize, maxFrameSize: 64 });
  });

  // zlib decodes on past a full output buffer: with the two literals over the limit, the
  // invalid code after them must not win however the frame is chunked.
  it.each([
    [1, ["close:1009"]],
    [2, ["close:1007"]],
  ])("two literals then an invalid code, max %i → %j", (maxMessageSize, expected) => {
    expectEverywhere(server, false, masked(0xc2, bytes("4b 4c 1c 3b 00 00")), expected, { maxMessageSize, maxFrameSize: 64 });
  });

  /** The §1.2 bomb: sync-flushed deflate of 1 MiB zeros, repeated, trailer stripped. */
  function bomb(copies: number): Uint8Array {
    const [unit] = send(enabledServer(), [{ opcode: 2, fragments: [new Uint8Array(1 << 20), new Uint8Array(0)] }]);
    const payload = new Uint8Array(unit.payload.length * copies);
    for (let i = 0; i < copies; i++) payload.set(unit.payload, i * unit.payload.length);
    return payload.subarray(0, payload.length - 4);
  }

  it("Z12 66 KB → 64 MiB, max 1 MiB → 1009", () => {
    expectEverywhere(server, false, masked(0xc2, bomb(64)), ["close:1009"]);
  });

  it("Z16 the bomb over 1 KiB continuation frames → 1009", () => {
    const payload = bomb(64);
    const frames: Uint8Array[] = [];
    for (let offset = 0; offset < payload.length; offset += 1024) {
      const first = offset === 0;
      const fin = offset + 1024 >= payload.length;
      frames.push(masked((fin ? 0x80 : 0) | (first ? 0x42 : 0x00), payload.subarray(offset, offset + 1024)));
    }
    expectEverywhere(server, false, concatBytes(frames), ["close:1009"]);
  });

  it("Z17 1 GiB bomb in one frame → 1009", () => {
    expectEverywhere(server, false, masked(0xc2, bomb(1024)), ["close:1009"], { maxFrameSize: 2 << 20 });
  });

  it("Z23 client: RSV1 when permessage-deflate was offered but not accepted → 1002", () => {
    const offered = new PerMessageDeflate();
    expect(offered.offer()).toBe("client_max_window_bits");
    const offeredOnly = new FrameProtocol({ client: true, extensions: [offered] });
    expect(run(offeredOnly, [bytes("C1 07 F2 48 CD C9 C9 07 00")])).toEqual(["close:1002"]);
  });
});

describe("RFC 7692 §7.2.3 examples through FrameProtocol (client role)", () => {
  it.each([
    ["R1", "C1 07 F2 48 CD C9 C9 07 00  C1 05 F2 00 11 00 00", ["text:Hello", "text:Hello"]],
    ["R2", "C1 0B 00 05 00 FA FF 48 65 6C 6C 6F 00", ["text:Hello"]],
    ["R3", "C1 08 F3 48 CD C9 C9 07 00 00  C1 07 F2 48 CD C9 C9 07 00", ["text:Hello", "text:Hello"]],
    ["R4", "C1 0D F2 48 05 00 00 00 FF FF CA C9 C9 07 00", ["text:Hello"]],
    ["R5", "C1 01 00", ["text:"]],
  ])("%s", (_name, wire, expected) => {
    expectEverywhere(() => enabledClient(), true, bytes(wire), expected);
  });
});

describe("round trip through two FrameProtocols", () => {
  it("client → server and back, fragmented, with pings, for several parameter sets", () => {
    const sets = [{}, { clientMaxWindowBits: 9, serverMaxWindowBits: 10 }, { clientNoContextTakeover: true, serverNoContextTakeover: true }];
    for (const options of sets) {
      const { client, server: srv } = negotiatedPair({ ...options, threshold: 0 }, { threshold: 0 });
      const clientSide = new FrameProtocol({ client: true, extensions: [client] });
      const serverSide = new FrameProtocol({ client: false, extensions: [srv] });
      const long = "wstate ".repeat(3000);
      const toServer = concatBytes([
        clientSide.encodeData(long.slice(0, 5000), false, false),
        clientSide.encodePing(utf8("x")),
        clientSide.encodeData(long.slice(5000), true, true),
        clientSide.encodeData(utf8("abc"), false, true),
        clientSide.encodeData("", false, true),
      ]);
      // The first frame is compressed (RSV1), the continuation is not marked.
      expect(toServer[0] & 0x40).toBe(0x40);
      expect(run(serverSide, [toServer])).toEqual([`ping`, `text:${long}`, "bytes:3", "text:"]);
      const toClient = concatBytes([serverSide.encodeData(long, false, true), serverSide.encodeData(long, false, true)]);
      expect(toClient.length).toBeLessThan(long.length / 10);
      expect(run(clientSide, Array.from({ length: 10 }, (_, i) => toClient.subarray((i * toClient.length) / 10, ((i + 1) * toClient.length) / 10)))).toEqual([
        `text:${long}`,
        `text:${long}`,
      ]);
    }
  });
});
