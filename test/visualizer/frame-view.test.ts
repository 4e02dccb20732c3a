/**
 * The visualizer's frame decoder, on the examples of RFC 6455 §5.7 and on frames that
 * break a rule: every field, the length encoding, the unmasked payload and the verdicts.
 */
import { describe, expect, it } from "vitest";
import {
  closeCodeName,
  decodeFrameHeader,
  describeFrame,
  fromHex,
  toHex,
  type FrameRule,
  type FrameView,
} from "../../visualizer/frame-view.js";

function hex(text: string): Uint8Array {
  const bytes = fromHex(text);
  if (bytes === null) throw new Error(`bad hex in test: ${text}`);
  return bytes;
}

function view(text: string | Uint8Array, hint: Parameters<typeof describeFrame>[1] = {}): FrameView {
  const result = describeFrame(typeof text === "string" ? hex(text) : text, hint);
  if (result === null) throw new Error("header incomplete");
  return result;
}

function verdicts(rules: readonly FrameRule[]): string[] {
  return rules.map((r) => `${r.status} ${r.section}`);
}

function broken(frame: FrameView): string[] {
  return frame.rules.filter((r) => r.status === "broken").map((r) => r.text);
}

describe("RFC 6455 §5.7 examples", () => {
  it("a single-frame unmasked text message: 81 05 'Hello'", () => {
    const frame = view("81 05 48 65 6c 6c 6f", { sender: "SERVER" });
    expect(frame.header).toEqual({
      fin: true, rsv1: false, rsv2: false, rsv3: false, opcode: 1, opcodeName: "text",
      masked: false, payloadLength: 5, lengthEncoding: "7-bit", maskingKey: null, headerLength: 2,
    });
    expect(frame.headerHex).toBe("81 05");
    expect(frame.payloadText).toBe("Hello");
    expect(frame.payloadComplete).toBe(true);
    expect(verdicts(frame.rules)).toEqual([
      "ok RFC 6455 §5.1", // a server does not mask
      "ok RFC 6455 §5.2", // 7-bit length
      "ok RFC 6455 §5.2", // RSV 0
      "ok RFC 6455 §5.6", // valid UTF-8
    ]);
  });

  it("a single-frame masked text message: 81 85 37 fa 21 3d, unmasked to 'Hello'", () => {
    const frame = view("81 85 37 fa 21 3d 7f 9f 4d 51 58", { sender: "CLIENT" });
    expect(frame.header.masked).toBe(true);
    expect(toHex(frame.header.maskingKey!)).toBe("37 fa 21 3d");
    expect(frame.header.headerLength).toBe(6);
    expect(frame.headerHex).toBe("81 85 37 fa 21 3d");
    expect(toHex(frame.payload)).toBe("48 65 6c 6c 6f");
    expect(frame.payloadText).toBe("Hello");
    expect(frame.rules[0]).toEqual({
      section: "RFC 6455 §5.1",
      text: "A client MUST mask every frame it sends to the server.",
      status: "ok",
    });
    expect(frame.rules[1].section).toBe("RFC 6455 §5.3");
  });

  it("a fragmented unmasked text message: 01 03 'Hel', then 80 02 'lo'", () => {
    const first = view("01 03 48 65 6c");
    expect([first.header.fin, first.header.opcodeName, first.payloadText]).toEqual([false, "text", "Hel"]);
    expect(first.rules.map((r) => r.text)).toContain(
      "FIN = 0: the first fragment of a message; continuation frames (opcode 0) follow.",
    );
    const last = view("80 02 6c 6f", { continues: "text" });
    expect([last.header.fin, last.header.opcode, last.header.opcodeName, last.payloadText]).toEqual([
      true, 0, "continuation", "lo",
    ]);
    expect(last.rules.at(-1)!.text).toBe("Opcode 0 continues the text message begun by a frame with FIN = 0.");
    expect(view("80 02 6c 6f").payloadText).toBeNull(); // a continuation of an unknown message
  });

  it("an unmasked Ping and a masked Pong with 'Hello'", () => {
    const ping = view("89 05 48 65 6c 6c 6f");
    expect([ping.header.opcodeName, ping.header.fin, toHex(ping.payload)]).toEqual(["ping", true, "48 65 6c 6c 6f"]);
    expect(verdicts(ping.rules).slice(2)).toEqual(["ok RFC 6455 §5.2", "ok RFC 6455 §5.5", "info RFC 6455 §5.5.2"]);
    const pong = view("8a 85 37 fa 21 3d 7f 9f 4d 51 58", { sender: "CLIENT" });
    expect([pong.header.opcodeName, toHex(pong.payload)]).toEqual(["pong", "48 65 6c 6c 6f"]);
    expect(pong.payloadText).toBeNull();
  });

  it("256 bytes of binary in one unmasked frame: 82 7e 01 00, a 16-bit length", () => {
    const bytes = new Uint8Array(4 + 256);
    bytes.set([0x82, 0x7e, 0x01, 0x00]);
    const frame = view(bytes, { sender: "SERVER" });
    expect(frame.header).toMatchObject({ opcodeName: "binary", payloadLength: 256, lengthEncoding: "16-bit", headerLength: 4 });
    expect(frame.headerHex).toBe("82 7e 01 00");
    expect(frame.payload.length).toBe(256);
    expect(frame.rules[1]).toEqual({
      section: "RFC 6455 §5.2",
      text: "7-bit field 126: the length 256 (126–65535) follows as a 16-bit unsigned integer.",
      status: "ok",
    });
  });

  it("64 KiB of binary in one unmasked frame: 82 7f 00 00 00 00 00 01 00 00, a 64-bit length", () => {
    const header = hex("82 7f 00 00 00 00 00 01 00 00");
    const frame = view(header); // only the header: the payload is announced, not present
    expect(frame.header).toMatchObject({ payloadLength: 65536, lengthEncoding: "64-bit", headerLength: 10 });
    expect(frame.headerHex).toBe("82 7f 00 00 00 00 00 01 00 00");
    expect(frame.payloadComplete).toBe(false);
    expect(frame.rules[1].text).toBe("7-bit field 127: the length 65536 (≥ 65536) follows as a 64-bit unsigned integer.");
    const whole = new Uint8Array(10 + 65536);
    whole.set(header);
    expect(view(whole).payloadComplete).toBe(true);
  });
});

describe("partial input", () => {
  it("says how many bytes the header needs, for every prefix of every header shape", () => {
    const cases: Array<[string, number]> = [
      ["81 05 48 65 6c 6c 6f", 2],
      ["81 85 37 fa 21 3d 7f 9f 4d 51 58", 6],
      ["82 7e 01 00", 4],
      ["82 fe 01 00 01 02 03 04", 8],
      ["82 7f 00 00 00 00 00 01 00 00", 10],
      ["82 ff 00 00 00 00 00 01 00 00 01 02 03 04", 14],
    ];
    for (const [text, headerLength] of cases) {
      const bytes = hex(text);
      for (let cut = 0; cut < headerLength; cut++) {
        const reading = decodeFrameHeader(bytes.subarray(0, cut));
        expect(reading.complete).toBe(false);
        if (!reading.complete) expect(reading.needed).toBeGreaterThan(cut);
        expect(describeFrame(bytes.subarray(0, cut))).toBeNull();
      }
      const reading = decodeFrameHeader(bytes.subarray(0, headerLength));
      expect(reading.complete && reading.header.headerLength).toBe(headerLength);
    }
  });

  it("unmasks a cut payload as far as it goes", () => {
    const bytes = hex("81 85 37 fa 21 3d 7f 9f 4d 51 58");
    for (let cut = 6; cut <= bytes.length; cut++) {
      const frame = view(bytes.subarray(0, cut));
      expect(frame.payloadText).toBe("Hello".slice(0, cut - 6));
      expect(frame.payloadComplete).toBe(cut === bytes.length);
    }
  });
});

describe("frames that break a rule", () => {
  it("an unmasked frame from a client and a masked frame from a server", () => {
    expect(broken(view("81 05 48 65 6c 6c 6f", { sender: "CLIENT" }))).toEqual([
      "A client MUST mask every frame: the server MUST close the connection on an unmasked one.",
    ]);
    expect(broken(view("81 85 37 fa 21 3d 7f 9f 4d 51 58", { sender: "SERVER" }))).toEqual([
      "A server MUST NOT mask frames: the client MUST close the connection on a masked one.",
    ]);
  });

  it("lengths not in their minimal encoding, and a 64-bit length with its top bit set", () => {
    expect(broken(view("82 7e 00 05 01 02 03 04 05"))).toEqual([
      "Length 5 is written in 16 bits but fits in 7: the minimal encoding MUST be used.",
    ]);
    expect(broken(view("82 7f 00 00 00 00 00 00 01 00"))).toEqual([
      "Length 256 is written in 64 bits but fits in 16: the minimal encoding MUST be used.",
    ]);
    const huge = view("82 7f 80 00 00 00 00 00 00 00");
    expect(huge.header.payloadLength).toBe(2 ** 63);
    expect(broken(huge)).toEqual(["The most significant bit of a 64-bit length MUST be 0."]);
  });

  it("RSV bits without an extension, and RSV1 with permessage-deflate", () => {
    expect(broken(view("c1 00"))).toEqual([
      "RSV1 set, but no negotiated extension defines it: the receiver MUST fail the connection.",
    ]);
    expect(broken(view("b1 00"))).toEqual([
      "RSV2, RSV3 set, but no negotiated extension defines it: the receiver MUST fail the connection.",
    ]);
    const compressed = view("c1 07 f2 48 cd c9 c9 07 00", { deflate: true });
    expect(broken(compressed)).toEqual([]);
    expect(compressed.rules.map((r) => r.section)).toContain("RFC 7692 §6");
    expect(compressed.payloadText).toBeNull(); // DEFLATE data, not text
    expect(broken(view("c9 00", { deflate: true }))).toEqual(["RSV1 may only be set on the first frame of a data message."]);
  });

  it("reserved opcodes", () => {
    for (const opcode of [0x3, 0x7, 0xb, 0xf]) {
      const frame = view(Uint8Array.of(0x80 | opcode, 0));
      expect(frame.header.opcodeName).toBe(`reserved 0x${opcode.toString(16)}`);
      expect(broken(frame)).toEqual([`Opcode 0x${opcode.toString(16)} is reserved: the receiver MUST fail the connection.`]);
    }
  });

  it("control frames that are fragmented or longer than 125 bytes", () => {
    expect(broken(view("09 00"))).toEqual([
      "Control frames MUST carry at most 125 bytes and MUST NOT be fragmented: this one has 0 bytes, FIN = 0.",
    ]);
    expect(broken(view("89 7e 00 7e"))).toEqual([
      "Control frames MUST carry at most 125 bytes and MUST NOT be fragmented: this one has 126 bytes, FIN = 1.",
    ]);
  });

  it("text that is not UTF-8", () => {
    expect(broken(view("81 02 c3 28"))).toEqual([
      "A text message MUST be valid UTF-8: the receiver fails the connection with 1007.",
    ]);
    expect(broken(view("01 01 c3"))).toEqual([]); // a fragment may end inside a character
  });
});

describe("Close frames", () => {
  it("reads the code, its name and the reason", () => {
    const frame = view("88 05 03 e8 62 79 65");
    expect(frame.close).toEqual({ code: 1000, codeName: "NORMAL_CLOSURE", reason: "bye" });
    expect(frame.rules.at(-1)).toEqual({
      section: "RFC 6455 §5.5.1",
      text: "Status code 1000 (NORMAL_CLOSURE), then a UTF-8 reason.",
      status: "ok",
    });
    expect(view("88 80 01 02 03 04", { sender: "CLIENT" }).close).toEqual({ code: null, codeName: "no status code", reason: "" });
  });

  it("flags a 1-byte body, a code that must not be sent, and a reason that is not UTF-8", () => {
    expect(broken(view("88 01 03"))).toEqual(["A Close body, if any, MUST start with a 2-byte status code."]);
    expect(broken(view("88 02 03 ed"))).toEqual(["Code 1005 MUST NOT be sent in a Close frame."]);
    expect(broken(view("88 04 03 e8 c3 28"))).toEqual(["The close reason MUST be UTF-8."]);
  });

  it("names codes by registry range", () => {
    expect(closeCodeName(1009)).toBe("MESSAGE_TOO_BIG");
    expect(closeCodeName(3001)).toBe("registered for libraries and frameworks");
    expect(closeCodeName(4000)).toBe("private use (application)");
    expect(closeCodeName(2000)).toBe("unassigned");
  });
});

describe("hex helpers", () => {
  it("round-trip and refuse what is not hex", () => {
    expect(toHex(hex("00 7f 80 ff"))).toBe("00 7f 80 ff");
    expect(toHex(hex("8105"))).toBe("81 05");
    expect(fromHex("8")).toBeNull();
    expect(fromHex("zz")).toBeNull();
  });
});
