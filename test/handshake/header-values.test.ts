import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { LocalProtocolError } from "../../src/errors.js";
import {
  TCHAR,
  excerpt,
  groupHeaders,
  isToken,
  listHasToken,
  parseSubprotocols,
  requireExtraHeaders,
  requireHeaderName,
  requireHeaderValue,
  requireSubprotocol,
  requireTarget,
  splitCommaList,
  trimOws,
} from "../../src/handshake/header-values.js";

describe("the token table", () => {
  it("holds exactly the 77 tchar of RFC 9110 §5.6.2", () => {
    const tchars = [...TCHAR.keys()].filter((b) => TCHAR[b] === 1).map((b) => String.fromCharCode(b));
    expect(tchars.join("")).toBe("!#$%&'*+-.0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ^_`abcdefghijklmnopqrstuvwxyz|~");
    expect(TCHAR.length).toBe(256);
  });

  it.each([
    ["chat", true],
    ["permessage-deflate", true],
    ["!#$%&'*+-.^_`|~", true],
    ["", false],
    ["a b", false],
    ["a,b", false],
    ["ch@t", false],
    ['"q"', false],
    ["caf\u00e9", false],
    ["\u0161", false], // its low byte is "a" (0x61): must not pass
  ])("isToken(%j) is %s", (input, expected) => {
    expect(isToken(input)).toBe(expected);
  });
});

describe("comma lists", () => {
  it("splits and trims, keeping empty elements", () => {
    expect(splitCommaList("")).toEqual([""]);
    expect(splitCommaList("a, b,,c \t")).toEqual(["a", "b", "", "c"]);
    expect(splitCommaList(" , ")).toEqual(["", ""]);
  });

  it("trims only SP and HTAB", () => {
    expect(trimOws(" \t a b \t ")).toBe("a b");
    expect(trimOws("\u00a0a")).toBe("\u00a0a");
  });

  it("finds tokens case-insensitively across header lines", () => {
    expect(listHasToken(["keep-alive", "Upgrade"], "upgrade")).toBe(true);
    expect(listHasToken(["keep-alive, UPGRADE "], "upgrade")).toBe(true);
    expect(listHasToken(["keep-alive, No-Upgrade"], "upgrade")).toBe(false);
    expect(listHasToken(["upgrade-x"], "upgrade")).toBe(false);
    expect(listHasToken([], "upgrade")).toBe(false);
  });

  it("splits 30 KB of spaces in linear time into one element", () => {
    const value = "b" + " ".repeat(30000) + "x";
    expect(splitCommaList(value)).toEqual([value]);
    expect(splitCommaList(",".repeat(30000)).length).toBe(30001);
  });

  it("parses subprotocols and names what is wrong", () => {
    expect(parseSubprotocols([])).toEqual([]);
    expect(parseSubprotocols(["a, b", "c"])).toEqual(["a", "b", "c"]);
    expect(parseSubprotocols(["chat, , superchat"])).toBe("empty element in Sec-WebSocket-Protocol");
    expect(parseSubprotocols([""])).toBe("empty element in Sec-WebSocket-Protocol");
    expect(parseSubprotocols(["chat", "chat"])).toBe("duplicate subprotocol chat");
    expect(parseSubprotocols(["ch@t"])).toBe('subprotocol "ch@t" is not a token');
  });

  it("bounds quoted peer values", () => {
    expect(excerpt("abc")).toBe("abc");
    expect(excerpt("x".repeat(100))).toBe("x".repeat(64) + "…");
  });
});

describe("groupHeaders", () => {
  it("groups without touching Object.prototype", () => {
    const groups = groupHeaders([
      ["__proto__", "x"],
      ["constructor", "y"],
      ["a", "1"],
      ["a", "2"],
    ]);
    expect(groups.get("__proto__")).toEqual(["x"]);
    expect(groups.get("constructor")).toEqual(["y"]);
    expect(groups.get("a")).toEqual(["1", "2"]);
    expect(groups.get("toString")).toBeUndefined();
    expect(groups.get("hasOwnProperty")).toBeUndefined();
  });
});

describe("outbound validation (hardening G10)", () => {
  it("accepts HTAB, SP, visible ASCII and Latin-1 in values", () => {
    expect(() => requireHeaderValue("X", "a\tb c~\u00ff")).not.toThrow();
  });

  it("refuses every control character and everything above U+00FF in values", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffff }), (code) => {
        const allowed = code === 9 || (code >= 0x20 && code <= 0xff && code !== 0x7f);
        const check = () => requireHeaderValue("X", `a${String.fromCharCode(code)}b`);
        if (allowed) expect(check).not.toThrow();
        else expect(check).toThrow(LocalProtocolError);
      }),
    );
  });

  it.each([null, 1, undefined])("refuses the non-string value %s", (value) => {
    expect(() => requireHeaderValue("X", value)).toThrow(LocalProtocolError);
  });

  it.each(["", "X A", "X:", "X\r\n", "é", 5])("refuses the header name %j", (name) => {
    expect(() => requireHeaderName(name)).toThrow(LocalProtocolError);
  });

  it.each(["/", "/chat?x=1&y=%20", "http://example.com/"])("accepts the target %j", (target) => {
    expect(() => requireTarget(target)).not.toThrow();
  });

  it.each(["", "/a b", "/a\r\nX: y", "/\x00", "/é", "/\x7f", 42])("refuses the target %j", (target) => {
    expect(() => requireTarget(target)).toThrow(LocalProtocolError);
  });

  it.each(["", "a b", "a,b", "a\r\n", "a;b", null])("refuses the subprotocol %j", (protocol) => {
    expect(() => requireSubprotocol(protocol)).toThrow(LocalProtocolError);
  });

  it("refuses reserved names case-insensitively, with the hint", () => {
    const reserved = new Map([["host", "set Request.host instead"]]);
    expect(() => requireExtraHeaders([["X-A", "1"]], reserved)).not.toThrow();
    expect(() => requireExtraHeaders([["HoSt", "evil"]], reserved)).toThrow(
      new LocalProtocolError("Header HoSt is written by wstate; set Request.host instead"),
    );
  });
});
