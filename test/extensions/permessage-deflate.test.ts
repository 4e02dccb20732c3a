import { describe, expect, it } from "vitest";
import { deflateRaw } from "pako";
import { constants as zlibConstants, deflateRawSync } from "node:zlib";
import { concatBytes } from "../../src/bytes.js";
import { Opcode } from "../../src/constants.js";
import { PerMessageDeflate, DEFAULT_COMPRESSION_LEVEL, DEFAULT_COMPRESSION_THRESHOLD } from "../../src/extensions/permessage-deflate.js";
import { thousandRandomBytes } from "../connection/compression-rows.js";
import {
  byteByByte,
  bytes,
  cutAt,
  enabledClient,
  enabledServer,
  hex,
  receive,
  rsvOf,
  send,
  utf8,
  whole,
  type InFrame,
  type Outcome,
} from "./hook-driver.js";

const { TEXT, BINARY, CONTINUATION, PING, PONG, CLOSE } = Opcode;
const text = (data: Uint8Array) => new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(data);
const texts = (outcome: Outcome) => outcome.messages.map((m) => text(m.data));
const X23 = utf8("x".repeat(23));
const HELLO = bytes("f2 48 cd c9 c9 07 00");
const ctx = { client: false, inboundBudget: 1 << 20 };

/** Every way to present the frames: whole, byte by byte, and cut at each single offset. */
function everyChunking(maxLength: number) {
  const chunkers = [whole, byteByByte];
  for (let i = 1; i < maxLength; i++) chunkers.push(cutAt([i]));
  return chunkers;
}

describe("RFC 7692 §7.2.3 examples (R1–R5, client role)", () => {
  const cases: Array<[string, InFrame[], string[]]> = [
    [
      "R1 'Hello' twice, the second through the shared window",
      [
        { opcode: TEXT, rsv1: true, payload: HELLO },
        { opcode: TEXT, rsv1: true, payload: bytes("f2 00 11 00 00") },
      ],
      ["Hello", "Hello"],
    ],
    ["R2 stored block", [{ opcode: TEXT, rsv1: true, payload: bytes("00 05 00 fa ff 48 65 6c 6c 6f 00") }], ["Hello"]],
    [
      "R3 BFINAL block, then a message with a fresh stream (defect 2 fixed)",
      [
        { opcode: TEXT, rsv1: true, payload: bytes("f3 48 cd c9 c9 07 00 00") },
        { opcode: TEXT, rsv1: true, payload: HELLO },
      ],
      ["Hello", "Hello"],
    ],
    ["R4 two blocks", [{ opcode: TEXT, rsv1: true, payload: bytes("f2 48 05 00 00 00 ff ff ca c9 c9 07 00") }], ["Hello"]],
    ["R5 empty message", [{ opcode: TEXT, rsv1: true, payload: bytes("00") }], [""]],
  ];
  for (const [name, frames, expected] of cases) {
    it(name, () => {
      for (const chunker of everyChunking(13)) {
        expect(texts(receive(enabledClient(), frames, { client: true, chunker }))).toEqual(expected);
      }
    });
  }

  it("R1 split into fragments at every offset, with a ping between them", () => {
    for (let cut = 0; cut <= HELLO.length; cut++) {
      const frames: InFrame[] = [
        { opcode: TEXT, rsv1: true, fin: false, payload: HELLO.subarray(0, cut) },
        { opcode: PING, payload: utf8("p") },
        { opcode: CONTINUATION, payload: HELLO.subarray(cut) },
        { opcode: TEXT, rsv1: true, payload: bytes("f2 00 11 00 00") },
      ];
      const outcome = receive(enabledClient(), frames, { client: true });
      expect(texts(outcome)).toEqual(["Hello", "Hello"]);
      expect(outcome.controls.map((c) => text(c.data))).toEqual(["p"]);
    }
  });
});

describe("wsproto test_permessage_deflate.py inbound (spec §9.8)", () => {
  it("uncompressed control frame: RSV1 owned, payload unchanged, nothing appended", () => {
    const pmd = enabledServer();
    expect(pmd.frameInboundHeader(ctx, PING, rsvOf(false), 3)).toEqual({ rsv1: true, rsv2: false, rsv3: false });
    const payload = utf8("abc");
    expect(pmd.frameInboundPayloadData(ctx, payload)).toBe(payload);
    expect(pmd.frameInboundComplete(ctx, true)).toBeNull();
  });

  it("compressed control frame → 1002", () => {
    expect(enabledServer().frameInboundHeader(ctx, PING, rsvOf(true), 0)).toBe(1002);
  });

  it("compressed continuation frame → 1002", () => {
    expect(enabledServer().frameInboundHeader(ctx, CONTINUATION, rsvOf(true), 0)).toBe(1002);
  });

  it("uncompressed data frame passes through", () => {
    const pmd = enabledServer();
    expect(pmd.frameInboundHeader(ctx, BINARY, rsvOf(false), 3)).toEqual(rsvOf(true));
    const payload = utf8("abc");
    expect(pmd.frameInboundPayloadData(ctx, payload)).toBe(payload);
    expect(pmd.frameInboundComplete(ctx, true)).toBeNull();
  });

  for (const client of [false, true]) {
    const role = client ? "client" : "server";
    const make = () => (client ? enabledClient() : enabledServer());

    it(`${role}: compressed single data frame aa a8 c0 0a 00 00 → 23 × x`, () => {
      const pmd = make();
      const c = { client, inboundBudget: 1000 };
      pmd.frameInboundHeader(c, BINARY, rsvOf(true), 6);
      const data = pmd.frameInboundPayloadData(c, bytes("aa a8 c0 0a 00 00")) as Uint8Array;
      const tail = pmd.frameInboundComplete({ client, inboundBudget: 1000 - data.length }, true) as Uint8Array;
      expect(concatBytes([data, tail])).toEqual(X23);
    });

    it(`${role}: compressed multiple data frames`, () => {
      const frames: InFrame[] = [
        { opcode: BINARY, rsv1: true, fin: false, payload: bytes("aa a8 c0") },
        { opcode: CONTINUATION, payload: bytes("0a 00 00") },
      ];
      const pmd = make();
      expect(receive(pmd, frames, { client }).messages).toEqual([{ opcode: BINARY, data: X23 }]);
      // The non-final frame appends nothing.
      const again = make();
      again.frameInboundHeader(ctx, BINARY, rsvOf(true), 3);
      again.frameInboundPayloadData(ctx, bytes("aa a8 c0"));
      expect(again.frameInboundComplete(ctx, false)).toBeNull();
    });

    it(`${role}: decompress after an uncompressible frame`, () => {
      const frames: InFrame[] = [
        { opcode: PING, payload: new Uint8Array(0) },
        { opcode: TEXT, rsv1: true, payload: bytes("aa a8 c0 0a 00 00") },
      ];
      expect(texts(receive(make(), frames, { client }))).toEqual(["x".repeat(23)]);
    });
  }

  it("bad zlib payload (23 × x as deflate data) → 1007", () => {
    expect(receive(enabledServer(), [{ opcode: BINARY, rsv1: true, payload: X23 }]).failure).toBe(1007);
  });

  it("a stream that fails only when the trailer is added → 1007 from the completion hook", () => {
    // 00 00: a stored block whose LEN is 00 00; the trailer makes NLEN 00 ff, which is wrong.
    const pmd = enabledServer();
    pmd.frameInboundHeader(ctx, BINARY, rsvOf(true), 2);
    expect(pmd.frameInboundPayloadData(ctx, bytes("00 00"))).toEqual(new Uint8Array(0));
    expect(pmd.frameInboundComplete(ctx, true)).toBe(1007);
  });

  it("a message cut off inside a block → 1007", () => {
    expect(receive(enabledServer(), [{ opcode: TEXT, rsv1: true, payload: bytes("f2 48 cd") }]).failure).toBe(1007);
  });

  describe("decompressor reset (test_decompressor_reset ×4)", () => {
    // The second message of R1 refers back into the first; it decodes only when the
    // window is kept, i.e. when the peer does not use no-context-takeover.
    const frames: InFrame[] = [
      { opcode: TEXT, rsv1: true, payload: HELLO },
      { opcode: TEXT, rsv1: true, payload: bytes("f2 00 11 00 00") },
    ];
    it("client, server keeps context: window kept", () => {
      expect(texts(receive(enabledClient(), frames, { client: true }))).toEqual(["Hello", "Hello"]);
    });
    it("client, server_no_context_takeover: window dropped → 1007", () => {
      const pmd = enabledClient({}, "permessage-deflate; server_no_context_takeover");
      expect(receive(pmd, frames, { client: true })).toMatchObject({ failure: 1007, messages: [{ opcode: TEXT }] });
    });
    it("server, client keeps context: window kept", () => {
      expect(texts(receive(enabledServer(), frames))).toEqual(["Hello", "Hello"]);
    });
    it("Z19 server, client_no_context_takeover: window dropped → 1007", () => {
      const pmd = enabledServer({}, "permessage-deflate; client_no_context_takeover");
      expect(receive(pmd, frames)).toMatchObject({ failure: 1007, messages: [{ opcode: TEXT }] });
    });
    it("each message decodes alone under no-context-takeover", () => {
      const pmd = enabledServer({}, "permessage-deflate; client_no_context_takeover");
      const alone: InFrame[] = [frames[0], frames[0], { opcode: TEXT, rsv1: true, payload: bytes("00") }, frames[0]];
      expect(texts(receive(pmd, alone))).toEqual(["Hello", "Hello", "", "Hello"]);
    });
  });
});

describe("hardening §5.4 compression rows (server role)", () => {
  const server = (frames: InFrame[], maxMessageSize = 1 << 20, chunker = whole) =>
    receive(enabledServer(), frames, { maxMessageSize, chunker });

  it("Z01 'Hello'", () => {
    expect(texts(server([{ opcode: TEXT, rsv1: true, payload: HELLO }]))).toEqual(["Hello"]);
  });

  it("Z02 RSV1 on a continuation frame → 1002", () => {
    const outcome = server([
      { opcode: TEXT, rsv1: true, fin: false, payload: bytes("f2 48 cd") },
      { opcode: CONTINUATION, rsv1: true, payload: bytes("c9 c9 07 00") },
    ]);
    expect(outcome).toMatchObject({ failure: 1002, messages: [] });
  });

  it("Z03 RSV1 on ping → 1002", () => {
    expect(server([{ opcode: PING, rsv1: true, payload: new Uint8Array(0) }]).failure).toBe(1002);
  });

  it("Z04 RSV1 on close → 1002", () => {
    expect(server([{ opcode: CLOSE, rsv1: true, payload: bytes("03 e8") }]).failure).toBe(1002);
  });

  it("Z05 RSV1 on the continuation of an uncompressed message → 1002", () => {
    expect(
      server([
        { opcode: TEXT, fin: false, payload: utf8("ab") },
        { opcode: CONTINUATION, rsv1: true, payload: HELLO },
      ]).failure,
    ).toBe(1002);
  });

  it("Z06 invalid deflate data ff ff ff ff → 1007", () => {
    for (const chunker of everyChunking(4)) {
      expect(server([{ opcode: TEXT, rsv1: true, payload: bytes("ff ff ff ff") }], 1 << 20, chunker).failure).toBe(1007);
    }
  });

  it("Z07 reserved block type 07 → 1007", () => {
    expect(server([{ opcode: BINARY, rsv1: true, payload: bytes("07") }]).failure).toBe(1007);
  });

  it("Z08 BFINAL=1 block → 'hello', and the next message still inflates", () => {
    const frames: InFrame[] = [
      { opcode: TEXT, rsv1: true, payload: bytes("cb 48 cd c9 c9 07 00") },
      { opcode: TEXT, rsv1: true, payload: HELLO },
      { opcode: TEXT, rsv1: true, payload: bytes("cb 48 cd c9 c9 07 00") },
    ];
    for (const chunker of everyChunking(7)) expect(texts(server(frames, 1 << 20, chunker))).toEqual(["hello", "Hello", "hello"]);
  });

  it("Z09 trailer 00 00 ff ff left in the payload → 'Hello', and the window still works", () => {
    const frames: InFrame[] = [
      { opcode: TEXT, rsv1: true, payload: bytes("f2 48 cd c9 c9 07 00 00 00 ff ff") },
      { opcode: TEXT, rsv1: true, payload: bytes("f2 00 11 00 00") },
    ];
    for (const chunker of everyChunking(11)) expect(texts(server(frames, 1 << 20, chunker))).toEqual(["Hello", "Hello"]);
  });

  it("Z10 empty compressed message 00 → ''", () => {
    expect(texts(server([{ opcode: TEXT, rsv1: true, payload: bytes("00") }]))).toEqual([""]);
  });

  it("an RSV1 message with an empty payload is the empty message, and the stream stays intact", () => {
    const frames: InFrame[] = [
      { opcode: TEXT, rsv1: true, payload: HELLO },
      { opcode: TEXT, rsv1: true, payload: new Uint8Array(0) },
      { opcode: TEXT, rsv1: true, fin: false, payload: new Uint8Array(0) },
      { opcode: CONTINUATION, payload: new Uint8Array(0) },
      { opcode: TEXT, rsv1: true, payload: bytes("f2 00 11 00 00") },
    ];
    expect(texts(server(frames))).toEqual(["Hello", "", "", "Hello"]);
  });

  it("Z11 compressed invalid UTF-8: the inflated bytes reach the frame layer, which fails 1007", () => {
    const outcome = server([{ opcode: TEXT, rsv1: true, payload: bytes("3a b0 1e 00") }]);
    expect(outcome.failure).toBeNull();
    expect(() => text(outcome.messages[0].data)).toThrow(TypeError);
  });

  describe("Z12–Z18 decompression bombs and the exact boundary", () => {
    const ones = (n: number) => new Uint8Array(n).fill(1);
    const compressed = (data: Uint8Array) => {
      const frames = send(enabledServer({ threshold: 0 }), [{ opcode: BINARY, fragments: [data] }]);
      return frames[0].payload;
    };

    it.each([
      ["Z13 exactly max → accepted", 4096, null],
      ["Z14 max + 1 → 1009", 4097, 1009],
      ["Z15 max + 2 → 1009", 4098, 1009],
    ])("%s", (_name, size, failure) => {
      const payload = compressed(ones(size));
      for (const chunker of everyChunking(payload.length)) {
        const outcome = server([{ opcode: BINARY, rsv1: true, payload }], 4096, chunker);
        expect(outcome.failure).toBe(failure);
        expect(outcome.messages.map((m) => m.data.length)).toEqual(failure === null ? [4096] : []);
      }
    });

    it("the boundary holds across fragments and for budgets 0..64", () => {
      for (let max = 0; max <= 64; max++) {
        for (const size of [max, max + 1, max + 2]) {
          const payload = compressed(ones(size));
          const half = payload.length >> 1;
          const outcome = server(
            [
              { opcode: BINARY, rsv1: true, fin: false, payload: payload.subarray(0, half) },
              { opcode: CONTINUATION, payload: payload.subarray(half) },
            ],
            max,
          );
          expect(outcome.failure).toBe(size > max ? 1009 : null);
        }
      }
    });

    /** The hardening §1.2 bomb: a sync-flushed deflate of 1 MiB of zeros, repeated. */
    const bomb = (copies: number) => {
      const chunk = enabledServer();
      const [frame] = send(chunk, [{ opcode: BINARY, fragments: [new Uint8Array(1 << 20), new Uint8Array(0)] }]);
      // frame.payload is the first fragment: sync-flushed, ends with 00 00 ff ff.
      const unit = frame.payload;
      expect(hex(unit.subarray(unit.length - 4))).toBe("00 00 ff ff");
      const payload = new Uint8Array(unit.length * copies - 4);
      for (let i = 0; i < copies; i++) payload.set(unit.subarray(0, Math.min(unit.length, payload.length - i * unit.length)), i * unit.length);
      return payload;
    };

    it("Z12 66 KB → 64 MiB with max 1 MiB → 1009, nothing delivered", () => {
      const payload = bomb(64);
      expect(payload.length).toBeLessThan(70_000);
      expect(server([{ opcode: BINARY, rsv1: true, payload }])).toEqual({ messages: [], controls: [], failure: 1009 });
    });

    it("Z16 the same bomb in 1 KiB continuation frames → 1009", () => {
      const payload = bomb(64);
      const frames: InFrame[] = [];
      for (let offset = 0; offset < payload.length; offset += 1024) {
        frames.push({
          opcode: offset === 0 ? BINARY : CONTINUATION,
          rsv1: offset === 0,
          fin: offset + 1024 >= payload.length,
          payload: payload.subarray(offset, offset + 1024),
        });
      }
      expect(server(frames).failure).toBe(1009);
    });

    it("Z17 1 GiB bomb (1,024 copies in one frame) → 1009 after about max bytes of output", () => {
      const payload = bomb(1024);
      expect(payload.length).toBeLessThan(1_100_000);
      // Unbounded inflation would need 1 GiB here; the hook stops after 1 MiB + 1 byte.
      expect(server([{ opcode: BINARY, rsv1: true, payload }]).failure).toBe(1009);
    });

    it("Z18 a bomb spread over 100,000 one-byte continuation frames → 1009", () => {
      const payload = bomb(2).subarray(0, 100_000);
      const frames: InFrame[] = Array.from(payload, (_, i) => ({
        opcode: i === 0 ? BINARY : CONTINUATION,
        rsv1: i === 0,
        fin: i === payload.length - 1,
        payload: payload.subarray(i, i + 1),
      }));
      expect(server(frames).failure).toBe(1009);
    });
  });

  describe("Z20 window sizes", () => {
    // 1,000 random bytes twice: the second copy is one match at distance 1,000 > 2^9.
    const random = thousandRandomBytes();
    const farMatch = concatBytes([random, random]);
    // deflateRaw ends with a BFINAL block, which is accepted as R3 shows.
    const payload = deflateRaw(farMatch, { windowBits: 15, level: 9 });

    it("client_max_window_bits=9 negotiated: a distance > 512 → 1007 (strict), however chunked", () => {
      for (const chunker of [whole, byteByByte, cutAt([600]), cutAt([3, 300, 900])]) {
        const pmd = enabledServer({}, "permessage-deflate; client_max_window_bits=9");
        expect(receive(pmd, [{ opcode: BINARY, rsv1: true, payload }], { chunker }).failure).toBe(1007);
      }
    });

    it("the limit survives the reset between messages under no-context-takeover", () => {
      const pmd = enabledServer({}, "permessage-deflate; client_max_window_bits=9; client_no_context_takeover");
      const outcome = receive(pmd, [
        { opcode: TEXT, rsv1: true, payload: HELLO },
        { opcode: BINARY, rsv1: true, payload },
      ]);
      expect(outcome).toMatchObject({ failure: 1007, messages: [{ opcode: TEXT }] });
    });

    it("no limit negotiated: the same stream inflates", () => {
      const outcome = receive(enabledServer(), [{ opcode: BINARY, rsv1: true, payload }]);
      expect(outcome.messages[0].data).toEqual(farMatch);
    });

    it("client_max_window_bits=8 is inflated with 9: distances up to 512 pass", () => {
      const near = concatBytes([random.subarray(0, 400), random.subarray(0, 400)]);
      const pmd = enabledServer({}, "permessage-deflate; client_max_window_bits=8");
      const outcome = receive(pmd, [{ opcode: BINARY, rsv1: true, payload: deflateRaw(near, { windowBits: 9 }) }]);
      expect(outcome.messages[0].data).toEqual(near);
    });
  });

  it("Z21 an RSV1 message split across frames at every offset → 'Hello'", () => {
    for (let a = 0; a <= HELLO.length; a++) {
      for (let b = a; b <= HELLO.length; b++) {
        const frames: InFrame[] = [
          { opcode: TEXT, rsv1: true, fin: false, payload: HELLO.subarray(0, a) },
          { opcode: CONTINUATION, fin: false, payload: HELLO.subarray(a, b) },
          { opcode: CONTINUATION, payload: HELLO.subarray(b) },
        ];
        expect(texts(server(frames))).toEqual(["Hello"]);
      }
    }
  });

  it("Z22 inflated output splits UTF-8 sequences across chunks; the whole message is valid", () => {
    const message = "κόσμε 😀 ".repeat(50);
    const [frame] = send(enabledServer({ threshold: 0 }), [{ opcode: TEXT, fragments: [utf8(message)] }]);
    const outcome = server([frame], 1 << 20, byteByByte);
    expect(texts(outcome)).toEqual([message]);
  });

  it("Z23 client: permessage-deflate offered but not accepted → not enabled (RSV1 then fails 1002)", () => {
    const pmd = new PerMessageDeflate();
    expect(pmd.offer()).toBe("client_max_window_bits");
    expect(pmd.enabled()).toBe(false);
  });

  it.each([
    ["Z24 trailing garbage after the final block → 1007", "f3 48 cd c9 c9 07 00 00 de ad"],
    ["two 00 bytes after the final block → 1007", "f3 48 cd c9 c9 07 00 00 00"],
    ["a second stream after the final block → 1007", "f3 48 cd c9 c9 07 00 f3 48 cd c9 c9 07 00"],
  ])("%s", (_name, payload) => {
    for (const chunker of everyChunking(14)) {
      expect(server([{ opcode: TEXT, rsv1: true, payload: bytes(payload) }], 1 << 20, chunker).failure).toBe(1007);
    }
  });

  it("garbage after the final block in a later fragment → 1007", () => {
    const frames: InFrame[] = [
      { opcode: TEXT, rsv1: true, fin: false, payload: bytes("cb 48 cd c9 c9 07 00") },
      { opcode: CONTINUATION, fin: false, payload: bytes("00") },
      { opcode: CONTINUATION, payload: bytes("01") },
    ];
    expect(server(frames).failure).toBe(1007);
  });

  it("a final empty stored block consumes the trailer exactly → accepted", () => {
    // 'Hello' sync-flushed, then BFINAL stored empty block 01 00 00 ff ff stripped to 01.
    const frames: InFrame[] = [{ opcode: TEXT, rsv1: true, payload: bytes("f2 48 cd c9 c9 07 00 00 00 ff ff 01") }];
    expect(texts(server(frames))).toEqual(["Hello"]);
  });
});

describe("control frames between compressed fragments (defect 1 fixed)", () => {
  it("ping, pong and close payloads pass through untouched mid-message", () => {
    const frames: InFrame[] = [
      { opcode: TEXT, rsv1: true, fin: false, payload: bytes("aa a8") },
      { opcode: PING, payload: utf8("1") },
      { opcode: CONTINUATION, fin: false, payload: bytes("c0") },
      { opcode: PONG, payload: utf8("2") },
      { opcode: CONTINUATION, payload: bytes("0a 00 00") },
      { opcode: TEXT, rsv1: true, payload: bytes("c2 01 00 00") },
    ];
    for (const chunker of everyChunking(4)) {
      const outcome = receive(enabledServer(), frames, { chunker });
      expect(texts(outcome)).toEqual(["x".repeat(23), "x".repeat(23)]);
      expect(outcome.controls.map((c) => text(c.data))).toEqual(["1", "2"]);
    }
  });

  it("uncompressed fragments with a ping between them stay uncompressed", () => {
    const frames: InFrame[] = [
      { opcode: TEXT, fin: false, payload: utf8("ab") },
      { opcode: PING, payload: new Uint8Array(0) },
      { opcode: CONTINUATION, payload: utf8("cd") },
      { opcode: TEXT, rsv1: true, payload: HELLO },
    ];
    expect(texts(receive(enabledServer(), frames))).toEqual(["abcd", "Hello"]);
  });
});

describe("wsproto test_permessage_deflate.py outbound (spec §9.8)", () => {
  const sctx = { client: false, inboundBudget: 0 };

  it("uncompressible opcode (PING): RSV1 clear, data unchanged", () => {
    const pmd = enabledServer({ threshold: 0 });
    const data = utf8("ping");
    const [rsv, out] = pmd.frameOutbound(sctx, PING, rsvOf(false), data, true);
    expect(rsv.rsv1).toBe(false);
    expect(out).toBe(data);
  });

  for (const client of [false, true]) {
    const role = client ? "client" : "server";
    const make = () => (client ? enabledClient({ threshold: 0 }) : enabledServer({ threshold: 0 }));

    it(`${role}: single frame 23 × x → RSV1, aa a8 c0 0a 00 00`, () => {
      const [frame] = send(make(), [{ opcode: BINARY, fragments: [X23] }], { client });
      expect(frame.rsv1).toBe(true);
      expect(hex(frame.payload)).toBe("aa a8 c0 0a 00 00");
    });

    it(`${role}: split at 12 → RSV1 on the first frame only; each fragment sync-flushed`, () => {
      const frames = send(make(), [{ opcode: BINARY, fragments: [X23.subarray(0, 12), X23.subarray(12)] }], { client });
      expect(frames.map((f) => [f.opcode, f.rsv1])).toEqual([
        [BINARY, true],
        [CONTINUATION, false],
      ]);
      // Byte-identical to Node's zlib with Z_SYNC_FLUSH after each write.
      expect(hex(frames[0].payload)).toBe("aa a8 40 00 00 00 00 00 ff ff");
      expect(hex(frames[1].payload)).toBe("42 02 00 00");
      expect(receive(enabledServer(), frames).messages[0].data).toEqual(X23);
    });
  }

  describe("compressor reset (test_compressor_reset ×4)", () => {
    const twice = (pmd: PerMessageDeflate, client: boolean) =>
      send(pmd, [{ opcode: BINARY, fragments: [X23] }, { opcode: BINARY, fragments: [X23] }], { client }).map((f) => {
        expect(f.rsv1).toBe(true);
        return hex(f.payload);
      });

    it("server keeps context: the second message refers back", () => {
      expect(twice(enabledServer({ threshold: 0 }), false)).toEqual(["aa a8 c0 0a 00 00", "c2 01 00 00"]);
    });
    it("server_no_context_takeover: the second message starts afresh", () => {
      const pmd = enabledServer({ threshold: 0 }, "permessage-deflate; server_no_context_takeover");
      expect(twice(pmd, false)).toEqual(["aa a8 c0 0a 00 00", "aa a8 c0 0a 00 00"]);
    });
    it("client keeps context", () => {
      expect(twice(enabledClient({ threshold: 0 }), true)).toEqual(["aa a8 c0 0a 00 00", "c2 01 00 00"]);
    });
    it("client_no_context_takeover", () => {
      const pmd = enabledClient({ threshold: 0 }, "permessage-deflate; client_no_context_takeover");
      expect(twice(pmd, true)).toEqual(["aa a8 c0 0a 00 00", "aa a8 c0 0a 00 00"]);
    });
  });

  it("empty messages: 00, also right after another flush (zlib emits nothing there)", () => {
    const pmd = enabledServer({ threshold: 0 });
    const frames = send(pmd, [
      { opcode: BINARY, fragments: [new Uint8Array(0)] },
      { opcode: TEXT, fragments: [new Uint8Array(0)] },
      { opcode: BINARY, fragments: [X23, new Uint8Array(0)] },
      { opcode: BINARY, fragments: [X23] },
    ]);
    expect(frames.map((f) => hex(f.payload))).toEqual(["00", "00", "aa a8 c0 0a 00 00 00 00 ff ff", "00", "c2 01 00 00"]);
    expect(receive(enabledServer(), frames).messages.map((m) => m.data.length)).toEqual([0, 0, 23, 23]);
  });
});

describe("threshold and per-message compress", () => {
  const pmd = () => enabledServer();

  it(`defaults to ${DEFAULT_COMPRESSION_THRESHOLD} bytes: smaller one-frame messages go uncompressed`, () => {
    const small = new Uint8Array(DEFAULT_COMPRESSION_THRESHOLD - 1);
    const large = new Uint8Array(DEFAULT_COMPRESSION_THRESHOLD);
    const frames = send(pmd(), [
      { opcode: BINARY, fragments: [small] },
      { opcode: BINARY, fragments: [large] },
    ]);
    expect(frames[0]).toEqual({ opcode: BINARY, rsv1: false, fin: true, payload: small });
    expect(frames[1].rsv1).toBe(true);
    expect(frames[1].payload.length).toBeLessThan(20);
    expect(receive(enabledServer(), frames).messages.map((m) => m.data)).toEqual([small, large]);
  });

  it("compress: false sends a large message uncompressed, continuations included", () => {
    const big = new Uint8Array(5000);
    const frames = send(pmd(), [
      { opcode: BINARY, fragments: [big, big], compress: false },
      { opcode: BINARY, fragments: [big] },
    ]);
    expect(frames.map((f) => [f.rsv1, f.payload.length])).toEqual([
      [false, 5000],
      [false, 5000],
      [true, frames[2].payload.length],
    ]);
    expect(frames[2].payload.length).toBeLessThan(100);
    expect(receive(enabledServer(), frames).messages.map((m) => m.data.length)).toEqual([10000, 5000]);
  });

  it("compress: true compresses a tiny message", () => {
    const [frame] = send(pmd(), [{ opcode: BINARY, fragments: [X23], compress: true }]);
    expect([frame.rsv1, hex(frame.payload)]).toEqual([true, "aa a8 c0 0a 00 00"]);
  });

  it("fragmented messages are compressed whatever their first frame's size", () => {
    const frames = send(pmd(), [{ opcode: TEXT, fragments: [utf8("ab"), utf8("cd")] }]);
    expect(frames.map((f) => f.rsv1)).toEqual([true, false]);
    expect(texts(receive(enabledServer(), frames))).toEqual(["abcd"]);
  });

  it("control frames in the middle of a compressed message are left alone", () => {
    const frames = send(pmd(), [
      { opcode: TEXT, fragments: [utf8("ab")] , compress: true },
      { opcode: PING, payload: utf8("p") },
      { opcode: TEXT, fragments: [utf8("cd"), utf8("ef")], compress: true },
    ]);
    expect(frames[1]).toEqual({ opcode: PING, rsv1: false, fin: true, payload: utf8("p") });
  });

  it("keeps RSV2/RSV3 set by other extensions", () => {
    const ext = pmd();
    const [rsv] = ext.frameOutbound({ client: false, inboundBudget: 0 }, BINARY, { rsv1: false, rsv2: true, rsv3: true }, new Uint8Array(2000), true);
    expect(rsv).toEqual({ rsv1: true, rsv2: true, rsv3: true });
  });
});

describe("compressionLevel", () => {
  const text = utf8(Array.from({ length: 400 }, (_, i) => `{"id":${i},"name":"user${i}","tags":["a","b"]}`).join(","));
  const compressed = (level: number | undefined) => send(enabledServer({ threshold: 0, compressionLevel: level }), [{ opcode: TEXT, fragments: [text] }])[0];

  it(`defaults to zlib's level ${DEFAULT_COMPRESSION_LEVEL}`, () => {
    expect(hex(compressed(undefined).payload)).toBe(hex(compressed(DEFAULT_COMPRESSION_LEVEL).payload));
  });

  it("level 0 stores: native zlib's stored blocks, byte for byte", () => {
    const out = deflateRawSync(text, { level: 0, finishFlush: zlibConstants.Z_SYNC_FLUSH });
    expect(hex(compressed(0).payload)).toBe(hex(out.subarray(0, out.length - 4))); // without 00 00 ff ff
  });

  it("each level reaches zlib: 1, 6 and 9 make different output, all compressed, all inflating back", () => {
    const frames = [1, 6, 9].map((level) => compressed(level));
    expect(new Set(frames.map((frame) => hex(frame.payload))).size).toBe(3);
    for (const frame of frames) expect(frame.payload.length).toBeLessThan(text.length / 4);
    for (const frame of frames) expect(texts(receive(enabledServer(), [frame]))).toEqual([new TextDecoder().decode(text)]);
  });

  it.each([[-1], [10], [1.5], ["6"], [Number.NaN]])("refuses %s", (level) => {
    expect(() => new PerMessageDeflate({ compressionLevel: level as number })).toThrow(
      /compressionLevel must be an integer from 0 to 9/,
    );
  });
});
