import { describe, expect, it } from "vitest";
import { LocalProtocolError } from "../../src/errors.js";
import { CloseConnection } from "../../src/events.js";
import { encodeClosePayload, MAX_CLOSE_REASON_BYTES, parseClosePayload } from "../../src/frame/close-payload.js";
import { ParseFailure } from "../../src/frame/parse-failure.js";
import { hex, toHex, utf8 } from "./helpers.js";

function codeBytes(code: number, reason: Uint8Array = new Uint8Array(0)): Uint8Array {
  const payload = new Uint8Array(2 + reason.length);
  payload[0] = code >> 8;
  payload[1] = code & 0xff;
  payload.set(reason, 2);
  return payload;
}

describe("parseClosePayload (wsproto _process_close, §6.7)", () => {
  it("reads an empty payload as 1005 with no reason", () => {
    expect(parseClosePayload(new Uint8Array(0))).toEqual(new CloseConnection({ code: 1005, reason: "" }));
  });

  it("refuses a 1-byte payload", () => {
    expect(parseClosePayload(hex("0e"))).toEqual(new ParseFailure(1002, "CLOSE with 1 byte payload"));
  });

  it.each([
    [0, "CLOSE with invalid code"],
    [123, "CLOSE with invalid code"],
    [999, "CLOSE with invalid code"],
    [5000, "CLOSE with invalid code"],
    [65535, "CLOSE with invalid code"],
    [1005, "remote CLOSE with local-only reason"],
    [1006, "remote CLOSE with local-only reason"],
    [1015, "remote CLOSE with local-only reason"],
    [1004, "CLOSE with unknown reserved code"],
    [1016, "CLOSE with unknown reserved code"],
    [2998, "CLOSE with unknown reserved code"],
    [2999, "CLOSE with unknown reserved code"],
  ])("refuses code %i: %s (1002)", (code, reason) => {
    expect(parseClosePayload(codeBytes(code))).toEqual(new ParseFailure(1002, reason));
  });

  it.each([1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 3999, 4000, 4999])(
    "accepts code %i (1014 too, unlike wsproto)",
    (code) => {
      expect(parseClosePayload(codeBytes(code))).toEqual(new CloseConnection({ code, reason: "" }));
    },
  );

  it("decodes the reason", () => {
    expect(parseClosePayload(codeBytes(1000, utf8("tarah old chap")))).toEqual(new CloseConnection({ code: 1000, reason: "tarah old chap" }));
    expect(parseClosePayload(codeBytes(1000, utf8("fñør∂")))).toEqual(new CloseConnection({ code: 1000, reason: "fñør∂" }));
  });

  it("refuses a reason that is not UTF-8 (1007), incomplete UTF-8 too", () => {
    const surrogate = parseClosePayload(codeBytes(1000, hex("cebae1bdb9cf83cebcceb5eda080656469746564")));
    expect(surrogate).toBeInstanceOf(ParseFailure);
    expect((surrogate as ParseFailure).code).toBe(1007);
    expect((surrogate as ParseFailure).reason).toBe(
      "Error decoding CLOSE reason: 'utf-8' codec can't decode byte 0xed in position 11: invalid continuation byte",
    );
    const cut = utf8("fñør∂");
    const incomplete = parseClosePayload(codeBytes(1000, cut.subarray(0, cut.length - 1)));
    expect((incomplete as ParseFailure).code).toBe(1007);
    expect(parseClosePayload(codeBytes(1000, hex("ff")))).toEqual(
      new ParseFailure(1007, "Error decoding CLOSE reason: 'utf-8' codec can't decode byte 0xff in position 0: invalid start byte"),
    );
  });
});

describe("encodeClosePayload (wsproto close(), §7.3, with DESIGN deviation 7)", () => {
  it("encodes code and reason", () => {
    expect(toHex(encodeClosePayload(1000))).toBe("03e8");
    expect(toHex(encodeClosePayload(1000, ""))).toBe("03e8");
    expect(toHex(encodeClosePayload(1000, "bye"))).toBe("03e8627965");
    expect(toHex(encodeClosePayload(4999, "x"))).toBe("138778");
    expect(toHex(encodeClosePayload(1014))).toBe("03f6");
  });

  it("sends 1005 as an empty payload, and refuses a reason with it", () => {
    expect(encodeClosePayload(1005).length).toBe(0);
    expect(encodeClosePayload(1005, "").length).toBe(0);
    expect(() => encodeClosePayload(1005, "termites")).toThrow(LocalProtocolError);
  });

  it.each([0, 999, 1004, 1006, 1015, 1016, 2999, 5000, 65535, 70000, -1, 1000.5, Number.NaN])("refuses code %s", (code) => {
    expect(() => encodeClosePayload(code)).toThrow(LocalProtocolError);
    expect(() => encodeClosePayload(code)).toThrow(/1000–1003, 1007–1014 or 3000–4999/);
  });

  it("refuses codes and reasons of the wrong type", () => {
    expect(() => encodeClosePayload("1000" as never)).toThrow(LocalProtocolError);
    expect(() => encodeClosePayload(1000, new Uint16Array([0x4142]) as never)).toThrow(LocalProtocolError);
    expect(() => encodeClosePayload(1000, 42 as never)).toThrow(/must be a string; got 42/);
    expect(() => encodeClosePayload(1000, { toString: () => "x" } as never)).toThrow(LocalProtocolError);
  });

  it("refuses a reason with a lone surrogate", () => {
    expect(() => encodeClosePayload(1000, "a\uD800")).toThrow(LocalProtocolError);
  });

  it("cuts the reason to 123 UTF-8 bytes on a character boundary", () => {
    expect(MAX_CLOSE_REASON_BYTES).toBe(123);
    expect(encodeClosePayload(1000, "a".repeat(200)).length).toBe(125);
    const accents = encodeClosePayload(1000, "é".repeat(100));
    expect(accents.length).toBe(124);
    expect(new TextDecoder("utf-8", { fatal: true }).decode(accents.subarray(2))).toBe("é".repeat(61));
    const shrug = "¯\\_(ツ)_/¯".repeat(10);
    const payload = encodeClosePayload(1000, shrug);
    expect(payload.length).toBeLessThanOrEqual(125);
    expect(shrug.startsWith(new TextDecoder("utf-8", { fatal: true }).decode(payload.subarray(2)))).toBe(true);
  });

  it("round-trips through parseClosePayload", () => {
    for (const [code, reason] of [[1000, ""], [1001, "👋👋"], [3000, "x".repeat(123)], [4999, "fñør∂"]] as const) {
      expect(parseClosePayload(encodeClosePayload(code, reason))).toEqual(new CloseConnection({ code, reason }));
    }
  });
});
