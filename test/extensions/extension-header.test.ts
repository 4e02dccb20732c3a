import { describe, expect, it } from "vitest";
import fc from "fast-check";
import {
  formatExtensionOffer,
  parseExtensionHeader,
  type ExtensionParam,
} from "../../src/extensions/extension-header.js";
import { isToken } from "../../src/handshake/header-values.js";
import { LocalProtocolError } from "../../src/errors.js";

describe("parseExtensionHeader: well-formed values", () => {
  it("parses a bare extension name", () => {
    expect(parseExtensionHeader("permessage-deflate")).toEqual([
      { name: "permessage-deflate", params: [], text: "permessage-deflate" },
    ]);
  });

  it("parses params with and without values, in order", () => {
    expect(
      parseExtensionHeader("permessage-deflate; client_max_window_bits; server_max_window_bits=10"),
    ).toEqual([
      {
        name: "permessage-deflate",
        params: [
          { name: "client_max_window_bits", value: null },
          { name: "server_max_window_bits", value: "10" },
        ],
        text: "permessage-deflate; client_max_window_bits; server_max_window_bits=10",
      },
    ]);
  });

  it("parses several items, keeping each item's text as written", () => {
    const parsed = parseExtensionHeader(
      " permessage-deflate ;client_no_context_takeover\t,\tx-foo;a=1 ;b , permessage-deflate ",
    );
    expect(parsed).toEqual([
      {
        name: "permessage-deflate",
        params: [{ name: "client_no_context_takeover", value: null }],
        text: "permessage-deflate ;client_no_context_takeover",
      },
      {
        name: "x-foo",
        params: [
          { name: "a", value: "1" },
          { name: "b", value: null },
        ],
        text: "x-foo;a=1 ;b",
      },
      { name: "permessage-deflate", params: [], text: "permessage-deflate" },
    ]);
  });

  it("allows OWS around '='", () => {
    expect(parseExtensionHeader("e; a = 10")).toEqual([
      { name: "e", params: [{ name: "a", value: "10" }], text: "e; a = 10" },
    ]);
  });

  it("unquotes quoted-string values (H49, C22)", () => {
    expect(parseExtensionHeader('permessage-deflate; server_max_window_bits="10"')).toEqual([
      {
        name: "permessage-deflate",
        params: [{ name: "server_max_window_bits", value: "10" }],
        text: 'permessage-deflate; server_max_window_bits="10"',
      },
    ]);
  });

  it("unescapes quoted-pairs", () => {
    expect(parseExtensionHeader('e; a="\\1\\0"')?.[0].params).toEqual([{ name: "a", value: "10" }]);
  });

  it("keeps commas and semicolons that are inside quotes out of the list structure", () => {
    // Such values are not tokens after unquoting, so the whole header is malformed rather
    // than split at the quoted comma.
    expect(parseExtensionHeader('e; a="x,y", f')).toBeNull();
    expect(parseExtensionHeader('e; a="x;y"')).toBeNull();
  });

  it("skips empty list elements", () => {
    expect(parseExtensionHeader(", a ,, b ,")?.map((o) => o.name)).toEqual(["a", "b"]);
  });

  it("treats names that are Object.prototype keys as plain strings (H37)", () => {
    expect(parseExtensionHeader("constructor, __proto__; hasOwnProperty")).toEqual([
      { name: "constructor", params: [], text: "constructor" },
      {
        name: "__proto__",
        params: [{ name: "hasOwnProperty", value: null }],
        text: "__proto__; hasOwnProperty",
      },
    ]);
  });

  it("parses 10,000 offers in one pass (H52)", () => {
    const parsed = parseExtensionHeader("x, ".repeat(10_000));
    expect(parsed).toHaveLength(10_000);
  });
});

describe("parseExtensionHeader: malformed values give null", () => {
  const malformed: Array<[string, string]> = [
    ["", "empty value (1#extension needs one item)"],
    ["   ", "only whitespace"],
    [" , ,", "only empty elements"],
    ["permessage-deflate;;", "empty parameter (H38)"],
    ["permessage-deflate;", "trailing semicolon"],
    ["; a", "parameter without extension name"],
    ["a b", "two tokens without separator"],
    ["a; b c", "two tokens in a parameter"],
    ['permessage-deflate; server_max_window_bits="10', "unterminated quote (H39)"],
    ['e; a="10\\', "quote ending in a backslash"],
    ["e; a=", "'=' without a value"],
    ["e; a= ;b", "'=' followed by whitespace and ';'"],
    ["e; =1", "value without a parameter name"],
    ['e; a=""', "empty quoted value is not a token"],
    ['e; a="1 0"', "quoted value with a space is not a token"],
    ['e; a="1\u00e90"', "quoted value with obs-text is not a token"],
    ['e; a="\u00010"', "control character in a quoted string"],
    ["e; a=1=2", "two '=' in one parameter"],
    ["e; a=\"1\"2", "text right after a closing quote"],
    ["é", "non-ASCII extension name"],
    ["e@x", "separator character in a name"],
    ["e\r\n; a", "CR LF inside the value"],
    ["e; a=\u0000", "NUL as a value"],
  ];
  for (const [value, why] of malformed) {
    it(`${why}: ${JSON.stringify(value)}`, () => {
      expect(parseExtensionHeader(value)).toBeNull();
    });
  }

  it("rejects a non-string without throwing", () => {
    expect(parseExtensionHeader(undefined as unknown as string)).toBeNull();
  });

  it("handles 30 KB of whitespace and a 1 MB unterminated quote in one pass", () => {
    expect(parseExtensionHeader(" ".repeat(30_000))).toBeNull();
    expect(parseExtensionHeader("a" + " ".repeat(30_000) + "b")).toBeNull();
    expect(parseExtensionHeader('e; a="' + "x".repeat(1_000_000))).toBeNull();
    expect(parseExtensionHeader("e" + "; a".repeat(100_000))?.[0].params).toHaveLength(100_000);
  });
});

describe("formatExtensionOffer", () => {
  it("formats the bare name", () => {
    expect(formatExtensionOffer("permessage-deflate", [])).toBe("permessage-deflate");
  });

  it("formats params with and without values", () => {
    expect(
      formatExtensionOffer("permessage-deflate", [
        { name: "client_no_context_takeover", value: null },
        { name: "server_max_window_bits", value: "10" },
      ]),
    ).toBe("permessage-deflate; client_no_context_takeover; server_max_window_bits=10");
  });

  it("throws LocalProtocolError for names or values that are not tokens", () => {
    expect(() => formatExtensionOffer("a b", [])).toThrow(LocalProtocolError);
    expect(() => formatExtensionOffer("", [])).toThrow(/not an HTTP token/);
    expect(() => formatExtensionOffer("e", [{ name: "a;b", value: null }])).toThrow(LocalProtocolError);
    expect(() => formatExtensionOffer("e", [{ name: "a", value: "1\r\nX: y" }])).toThrow(
      /value of extension parameter a/,
    );
  });
});

describe("isToken", () => {
  it("accepts every tchar and rejects separators", () => {
    expect(isToken("!#$%&'*+-.^_`|~09AZaz")).toBe(true);
    for (const ch of ' "(),/:;<=>?@[\\]{}\t\u007f\u0080') expect(isToken(`a${ch}b`)).toBe(false);
    expect(isToken("")).toBe(false);
  });
});

describe("format and parse agree (property)", () => {
  const tchars = "!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  const token = fc.string({ unit: fc.constantFrom(...tchars), minLength: 1, maxLength: 8 });
  const param = fc.record({ name: token, value: fc.option(token, { nil: null }) });
  const item = fc.record({ name: token, params: fc.array(param, { maxLength: 4 }) });

  it("parse(format(items).join(', ')) returns the items", () => {
    fc.assert(
      fc.property(fc.array(item, { minLength: 1, maxLength: 4 }), (items) => {
        const texts = items.map((i) => formatExtensionOffer(i.name, i.params));
        const parsed = parseExtensionHeader(texts.join(", "));
        expect(parsed).toEqual(items.map((i, n) => ({ ...i, text: texts[n] })));
      }),
    );
  });

  it("quoting any value (with escapes) does not change the parse", () => {
    fc.assert(
      fc.property(token, token, fc.array(fc.boolean(), { maxLength: 8 }), (name, value, escapes) => {
        const quoted = [...value].map((ch, i) => (escapes[i] ? "\\" + ch : ch)).join("");
        const parsed = parseExtensionHeader(`${name}; p="${quoted}"`);
        const expected: ExtensionParam[] = [{ name: "p", value }];
        expect(parsed?.[0].params).toEqual(expected);
      }),
    );
  });

  it("never throws on arbitrary strings", () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(..."a=;,\" \t\\\u00e9x1") }), (value) => {
        const parsed = parseExtensionHeader(value);
        expect(parsed === null || parsed.length > 0).toBe(true);
      }),
    );
  });
});
