import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  decodeUtf8,
  describeUtf8Error,
  isWellFormedText,
  truncateUtf8,
  Utf8StreamDecoder,
} from "../../src/frame/utf8.js";
import { hex, splitAt, unicodeText, utf8 } from "./helpers.js";

const E = "'utf-8' codec can't decode ";

/** Decodes `chunks` as one message; returns the texts, or the error after them. */
function run(chunks: Uint8Array[]): { texts: string[]; error: string | null } {
  const decoder = new Utf8StreamDecoder();
  const texts: string[] = [];
  for (let i = 0; i < chunks.length; i++) {
    const text = decoder.decode(chunks[i], i === chunks.length - 1);
    if (text === null) return { texts, error: decoder.error };
    texts.push(text);
  }
  return { texts, error: null };
}

describe("describeUtf8Error: CPython's messages (behavior spec §6.10)", () => {
  it.each([
    ["6162ff6364", `${E}byte 0xff in position 2: invalid start byte`],
    ["6162e228a1", `${E}byte 0xe2 in position 2: invalid continuation byte`],
    ["6162e28228", `${E}bytes in position 2-3: invalid continuation byte`],
    ["eda080", `${E}byte 0xed in position 0: invalid continuation byte`],
    ["f4908080", `${E}byte 0xf4 in position 0: invalid continuation byte`],
    ["e080", `${E}byte 0xe0 in position 0: invalid continuation byte`],
    ["c0af", `${E}byte 0xc0 in position 0: invalid start byte`],
    ["f09f9828", `${E}bytes in position 0-2: invalid continuation byte`],
    ["6162e282", `${E}bytes in position 2-3: unexpected end of data`],
    ["f09f98", `${E}bytes in position 0-2: unexpected end of data`],
    ["80", `${E}byte 0x80 in position 0: invalid start byte`],
    ["f5", `${E}byte 0xf5 in position 0: invalid start byte`],
  ])("%s → %s", (bytes, message) => {
    expect(describeUtf8Error(hex(bytes), true)).toBe(message);
  });

  it("does not count an unfinished character at the end unless final", () => {
    expect(describeUtf8Error(hex("6162e282"), false)).toBeNull();
    expect(describeUtf8Error(hex("f0"), false)).toBeNull();
    expect(describeUtf8Error(hex("e0"), true)).toBe(`${E}byte 0xe0 in position 0: unexpected end of data`);
  });

  it("finds no error in valid text", () => {
    expect(describeUtf8Error(utf8("aé€😀\uFEFF\uFFFF"), true)).toBeNull();
  });

  it("agrees with TextDecoder(fatal) on arbitrary bytes", () => {
    const fatal = new TextDecoder("utf-8", { fatal: true });
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 12 }).map((bytes) => bytes.map((b) => (b & 1 ? b | 0x80 : b))), (bytes) => {
        let valid = true;
        try {
          fatal.decode(bytes);
        } catch {
          valid = false;
        }
        expect(describeUtf8Error(bytes, true) === null).toBe(valid);
      }),
      { numRuns: 2000 },
    );
  });
});

describe("Utf8StreamDecoder", () => {
  it("reports what the spec's verified examples report, chunked as stated", () => {
    expect(run([hex("6162e282"), hex("28")])).toEqual({ texts: ["ab"], error: `${E}bytes in position 0-1: invalid continuation byte` });
    expect(run([utf8("abc"), hex("64ff65")])).toEqual({ texts: ["abc"], error: `${E}byte 0xff in position 1: invalid start byte` });
    expect(run([hex("6162e282"), hex("ac")])).toEqual({ texts: ["ab", "€"], error: null });
  });

  it("delivers 'aé€😀' byte by byte as wsproto does (§6.8)", () => {
    const bytes = utf8("aé€😀");
    const chunks = Array.from(bytes, (byte) => new Uint8Array([byte]));
    expect(run(chunks).texts).toEqual(["a", "", "é", "", "", "€", "", "", "", "😀"]);
  });

  it("fails fast: at the first chunk that makes the text impossible, before the end", () => {
    const decoder = new Utf8StreamDecoder();
    expect(decoder.decode(hex("ce"), false)).toBe("");
    expect(decoder.decode(hex("41"), false)).toBeNull();
    expect(decoder.error).toBe(`${E}byte 0xce in position 0: invalid continuation byte`);
    const other = new Utf8StreamDecoder();
    expect(other.decode(hex("f4"), false)).toBe("");
    expect(other.decode(hex("90"), false)).toBeNull();
    const lead = new Utf8StreamDecoder();
    expect(lead.decode(hex("61c0"), false)).toBeNull(); // C0 can never start a character
    expect(lead.error).toBe(`${E}byte 0xc0 in position 1: invalid start byte`);
  });

  it("fails a message that ends inside a character", () => {
    expect(run([hex("e282")]).error).toBe(`${E}bytes in position 0-1: unexpected end of data`);
    expect(run([hex("e2"), hex("82"), new Uint8Array(0)]).error).toBe(`${E}bytes in position 0-1: unexpected end of data`);
  });

  it("keeps a leading BOM and non-characters", () => {
    expect(run([hex("efbbbf41")]).texts).toEqual(["\uFEFFA"]);
    expect(run([hex("ef"), hex("bbbf41")]).texts.join("")).toBe("\uFEFFA");
    expect(run([hex("efbfbe"), hex("f09fbfbf")]).texts.join("")).toBe("\uFFFE\u{1FFFF}");
  });

  it("is ready for a new message after the final chunk and after a failure", () => {
    const decoder = new Utf8StreamDecoder();
    decoder.decode(hex("e2"), false);
    expect(decoder.decode(hex("82ac"), true)).toBe("€");
    expect(decoder.decode(utf8("x"), true)).toBe("x");
    decoder.decode(hex("e2"), false);
    expect(decoder.decode(hex("41"), false)).toBeNull();
    expect(decoder.decode(utf8("ok"), true)).toBe("ok");
    decoder.decode(hex("e2"), false);
    decoder.reset();
    expect(decoder.decode(utf8("fresh"), true)).toBe("fresh");
  });

  it("decodes valid text identically for any chunking", () => {
    fc.assert(
      fc.property(unicodeText(60), fc.array(fc.nat(300), { maxLength: 10 }), (text, cuts) => {
        const bytes = utf8(text);
        const chunks = splitAt(bytes, cuts);
        if (chunks.length === 0) chunks.push(new Uint8Array(0));
        const result = run(chunks);
        expect(result.error).toBeNull();
        expect(result.texts.join("")).toBe(text);
      }),
      { numRuns: 400 },
    );
  });

  it("accepts or rejects arbitrary bytes as a one-shot fatal TextDecoder does, for any chunking", () => {
    const fatal = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 24 }).map((bytes) => bytes.map((b) => (b & 1 ? b | 0x80 : b))), fc.array(fc.nat(24), { maxLength: 6 }), (bytes, cuts) => {
        let expected: string | null;
        try {
          expected = fatal.decode(bytes);
        } catch {
          expected = null;
        }
        const chunks = splitAt(bytes, cuts);
        if (chunks.length === 0) chunks.push(new Uint8Array(0));
        const result = run(chunks);
        if (expected === null) {
          expect(result.error).toMatch(/^'utf-8' codec can't decode /);
        } else {
          expect(result.error).toBeNull();
          expect(result.texts.join("")).toBe(expected);
        }
      }),
      { numRuns: 1500 },
    );
  });
});

describe("decodeUtf8", () => {
  it("decodes whole text or says why not", () => {
    expect(decodeUtf8(utf8("fñør∂"))).toEqual({ text: "fñør∂", error: "" });
    expect(decodeUtf8(hex("ff"))).toEqual({ text: null, error: `${E}byte 0xff in position 0: invalid start byte` });
    expect(decodeUtf8(hex("efbbbf"))).toEqual({ text: "\uFEFF", error: "" });
  });
});

describe("isWellFormedText", () => {
  it.each([
    ["", true],
    ["abc", true],
    ["😀", true],
    ["a\uD800b", false],
    ["\uDC00", false],
    ["\uD83D", false],
    ["\uDE00\uD83D", false],
  ])("%j → %s", (text, expected) => {
    expect(isWellFormedText(text)).toBe(expected);
  });

  it("agrees with String.prototype.isWellFormed on arbitrary UTF-16", () => {
    const native = (String.prototype as { isWellFormed?: (this: string) => boolean }).isWellFormed;
    fc.assert(
      fc.property(unicodeText(20), fc.array(fc.integer({ min: 0xd800, max: 0xdfff }), { maxLength: 3 }), (text, units) => {
        const mixed = text + String.fromCharCode(...units);
        const expected = native ? native.call(mixed) : !/[\uD800-\uDFFF]/.test(mixed.replace(/[\uD800-\uDBFF][\uDC00-\uDFFF]/g, ""));
        expect(isWellFormedText(mixed)).toBe(expected);
      }),
      { numRuns: 500 },
    );
  });
});

describe("truncateUtf8", () => {
  it("cuts on a character boundary (wsproto _truncate_utf8)", () => {
    expect(truncateUtf8(utf8("é".repeat(100)), 123).length).toBe(122);
    expect(truncateUtf8(utf8("a".repeat(200)), 123).length).toBe(123);
    expect(new TextDecoder().decode(truncateUtf8(utf8("ab😀"), 5))).toBe("ab");
    expect(new TextDecoder().decode(truncateUtf8(utf8("ab😀"), 6))).toBe("ab😀");
    const short = utf8("short");
    expect(truncateUtf8(short, 123)).toBe(short);
  });
});
