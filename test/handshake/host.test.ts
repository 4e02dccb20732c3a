import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { LocalProtocolError } from "../../src/errors.js";
import { decodeHost, encodeHost, isValidHost } from "../../src/handshake/host.js";

describe("encodeHost", () => {
  it.each([
    ["芝士汉堡", "xn--7ks3rz39bh7u"],
    ["芝士汉堡.com:80", "xn--7ks3rz39bh7u.com:80"],
    ["EXAMPLE.com", "EXAMPLE.com"],
    ["[::1]:8080", "[::1]:8080"],
    ["bücher.example", "xn--bcher-kva.example"],
    ["", ""],
  ])("%j → %j", (host, wire) => {
    expect(encodeHost(host)).toBe(wire);
  });

  it.each(["a b", "a\r\nX: y", "a/b", "user@host", "\u0000", 5 as unknown as string])("refuses %j", (host) => {
    expect(() => encodeHost(host)).toThrow(LocalProtocolError);
  });
});

describe("decodeHost", () => {
  it.each([
    ["xn--7ks3rz39bh7u", "芝士汉堡"],
    ["xn--7ks3rz39bh7u.com:80", "芝士汉堡.com:80"],
    ["EXAMPLE.com", "EXAMPLE.com"],
    ["[::1]:8080", "[::1]:8080"],
    ["xn--7ks3rz39bh7u:8080x", "xn--7ks3rz39bh7u:8080x"],
    ["xn--9999999999999999", "xn--9999999999999999"],
    ["xn--", "xn--"],
    ["", ""],
  ])("%j → %j", (wire, host) => {
    expect(decodeHost(wire)).toBe(host);
  });

  it("does not decode names longer than DNS allows (punycode decoding is quadratic)", () => {
    const long = "xn--" + "a".repeat(300);
    expect(decodeHost(long)).toBe(long);
    const longest = "xn--7ks3rz39bh7u." + "a".repeat(230) + ":65535";
    expect(decodeHost(longest)).toBe("芝士汉堡." + "a".repeat(230) + ":65535");
  });

  it("never throws and inverts encodeHost for any Unicode name", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), (anything) => {
        expect(typeof decodeHost(anything)).toBe("string");
      }),
    );
    const label = fc.string({ unit: "grapheme", minLength: 1, maxLength: 12 }).filter((s) => !/[\s.:@/\[\]%\u3002\uff0e\uff61]/u.test(s));
    fc.assert(
      fc.property(fc.array(label, { minLength: 1, maxLength: 3 }), fc.option(fc.nat(65535)), (labels, port) => {
        const host = labels.join(".").toLowerCase() + (port === null ? "" : `:${port}`);
        let wire: string;
        try {
          wire = encodeHost(host);
        } catch {
          return; // not a host (e.g. symbols outside the host charset)
        }
        expect(decodeHost(wire)).toBe(host);
      }),
    );
  });
});

describe("isValidHost", () => {
  it("allows the uri-host characters only", () => {
    expect(isValidHost("a-b_c.d~e:80")).toBe(true);
    expect(isValidHost("[v6::1%25eth0]:1")).toBe(true);
    expect(isValidHost("\xff\xfe")).toBe(false);
    expect(isValidHost("a b")).toBe(false);
  });
});
