import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { acceptToken, base64, generateNonce, isValidNonce } from "../../src/handshake/accept.js";
import { bytes } from "./helpers.js";

describe("acceptToken", () => {
  it("matches the RFC 6455 §1.3 vector", () => {
    expect(acceptToken("dGhlIHNhbXBsZSBub25jZQ==")).toBe("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
  });

  it("matches a second fixed vector (the all-zero nonce, computed with node:crypto)", () => {
    expect(acceptToken("AAAAAAAAAAAAAAAAAAAAAA==")).toBe("ICX+Yqv66kxgM0FcWaLWlFLwTAI=");
  });

  it("agrees with node:crypto for any key", async () => {
    const { createHash } = await import("node:crypto");
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }).filter((s) => /^[\x20-\x7e]*$/.test(s)), (key) => {
        const expected = createHash("sha1").update(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").digest("base64");
        expect(acceptToken(key)).toBe(expected);
      }),
    );
  });
});

describe("base64", () => {
  it("encodes the RFC 4648 §10 vectors", () => {
    const vectors: Array<[string, string]> = [
      ["", ""],
      ["f", "Zg=="],
      ["fo", "Zm8="],
      ["foo", "Zm9v"],
      ["foob", "Zm9vYg=="],
      ["fooba", "Zm9vYmE="],
      ["foobar", "Zm9vYmFy"],
    ];
    for (const [input, output] of vectors) expect(base64(bytes(input))).toBe(output);
  });

  it("agrees with Buffer for any bytes", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (data) => {
        expect(base64(data)).toBe(Buffer.from(data).toString("base64"));
      }),
    );
  });
});

describe("generateNonce", () => {
  it("is base64 of the 16 bytes from the injected source", () => {
    const nonce = generateNonce((b) => {
      expect(b.length).toBe(16);
      b.set(bytes("the sample nonce"));
    });
    expect(nonce).toBe("dGhlIHNhbXBsZSBub25jZQ==");
  });

  it("uses crypto.getRandomValues by default and is always a valid nonce", () => {
    const seen = new Set<string>();
    for (let i = 0; i < 50; i++) {
      const nonce = generateNonce();
      expect(isValidNonce(nonce)).toBe(true);
      seen.add(nonce);
    }
    expect(seen.size).toBe(50);
  });
});

describe("isValidNonce", () => {
  it("accepts base64 of exactly 16 bytes", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), (data) => {
        expect(isValidNonce(Buffer.from(data).toString("base64"))).toBe(true);
      }),
    );
  });

  it.each([
    ["not base64", "test"],
    ["15 bytes (hardening H09)", "eHh4eHh4eHh4eHh4eHh4"],
    ["17 bytes", Buffer.alloc(17).toString("base64")],
    ["missing padding", "dGhlIHNhbXBsZSBub25jZQ"],
    ["one padding character", "dGhlIHNhbXBsZSBub25jZQ="],
    ["stray bits before the padding", "dGhlIHNhbXBsZSBub25jZR=="],
    ["URL-safe alphabet", "dGhlIHNhbXBsZSBub25jZ-_"],
    ["invalid character", "dGhlIHNhbXBsZSBub25j*Q=="],
    ["surrounding space", " dGhlIHNhbXBsZSBub25jZQ=="],
    ["empty", ""],
  ])("rejects %s", (_name, key) => {
    expect(isValidNonce(key)).toBe(false);
  });
});
