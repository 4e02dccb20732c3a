import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { maskInto, maskIntoPortable } from "../../src/frame/mask.js";
import { SIMD_PIECE, simdMasker } from "../../src/frame/simd-mask.js";
import { toHex, utf8 } from "./helpers.js";

function simpleMask(data: Uint8Array, key: Uint8Array, phase: number): Uint8Array {
  return data.map((byte, i) => byte ^ key[(i + phase) & 3]);
}

describe("simdMasker", () => {
  it("compiles on this Node, so the SIMD path below is the one tested", () => {
    expect(simdMasker()).not.toBeNull();
  });

  it("XORs whole 16-byte lanes with the little-endian key word", () => {
    const simd = simdMasker()!;
    simd.memory.fill(0, 0, 32);
    simd.memory.set([0xff, 0x00, 0xff, 0x00, 1, 2, 3, 4]);
    simd.mask(8, 0x44332211);
    expect(toHex(simd.memory.subarray(0, 8))).toBe("ee22cc4410203040");
    // The rest of the lane is scratch and was XORed too; the next lane was not.
    expect(toHex(simd.memory.subarray(8, 20))).toBe("1122334411223344" + "00000000");
  });
});

describe.each([
  ["maskInto (WebAssembly SIMD from 96 bytes)", maskInto],
  ["maskIntoPortable (plain JavaScript)", maskIntoPortable],
])("%s", (_, maskInto) => {
  it("masks wsproto's test vector (test_xor_mask_simple)", () => {
    const input = utf8("some very long data for masking by websocket");
    const out = new Uint8Array(input.length);
    maskInto(input, out, 0, utf8("1234"), 0);
    expect(new TextDecoder().decode(out)).toBe("B]^Q\x11DVFH\x12_[_U\x13PPFR\x14W]A\x14\\S@_X\\T\x14SK\x13CTP@[RYV@");
  });

  it("leaves an empty input empty", () => {
    const out = new Uint8Array(0);
    maskInto(new Uint8Array(0), out, 0, utf8("1234"), 0);
    expect(out.length).toBe(0);
  });

  it("continues the key cycle across pieces (phase)", () => {
    const input = utf8("some very long data for masking by websocket");
    const out = new Uint8Array(input.length);
    const key = utf8("1234");
    maskInto(input.subarray(0, 5), out, 0, key, 0);
    maskInto(input.subarray(5, 23), out, 5, key, 5);
    maskInto(input.subarray(23), out, 23, key, 23);
    expect(toHex(out)).toBe(toHex(simpleMask(input, key, 0)));
  });

  it("is its own inverse", () => {
    const key = new Uint8Array([0xde, 0xad, 0xbe, 0xef]);
    const data = new Uint8Array(1000).map((_, i) => i * 7);
    const masked = new Uint8Array(1000);
    maskInto(data, masked, 0, key, 0);
    const back = new Uint8Array(1000);
    maskInto(masked, back, 0, key, 0);
    expect(toHex(back)).toBe(toHex(data));
  });

  it("matches the byte-wise definition at every length, alignment, offset and phase (word and byte paths)", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 600 }),
        fc.integer({ min: 0, max: 7 }),
        fc.integer({ min: 0, max: 15 }),
        fc.uint8Array({ minLength: 4, maxLength: 4 }),
        fc.integer({ min: 0, max: 7 }),
        (data, sourceShift, targetOffset, key, phase) => {
          const backing = new Uint8Array(data.length + 8);
          backing.set(data, sourceShift);
          const source = backing.subarray(sourceShift, sourceShift + data.length);
          const target = new Uint8Array(targetOffset + data.length + 3).fill(0xaa);
          maskInto(source, target, targetOffset, key, phase);
          expect(toHex(target.subarray(targetOffset, targetOffset + data.length))).toBe(toHex(simpleMask(data, key, phase)));
          // Bytes around the target range are untouched, and the source is unchanged.
          expect(target.subarray(0, targetOffset).every((byte) => byte === 0xaa)).toBe(true);
          expect(target.subarray(targetOffset + data.length).every((byte) => byte === 0xaa)).toBe(true);
          expect(toHex(source)).toBe(toHex(data));
        },
      ),
      { numRuns: 300 },
    );
  });

  it("matches the definition for long payloads at every alignment pair (direct word path)", () => {
    const data = new Uint8Array(5003).map((_, i) => (i * 31) & 0xff);
    const key = new Uint8Array([0x12, 0x34, 0x56, 0x78]);
    for (let sourceShift = 0; sourceShift < 4; sourceShift++) {
      for (let targetOffset = 0; targetOffset < 4; targetOffset++) {
        const backing = new Uint8Array(data.length + 4);
        backing.set(data, sourceShift);
        const target = new Uint8Array(targetOffset + data.length);
        maskInto(backing.subarray(sourceShift, sourceShift + data.length), target, targetOffset, key, sourceShift + 1);
        expect(toHex(target.subarray(targetOffset))).toBe(toHex(simpleMask(data, key, sourceShift + 1)));
      }
    }
  });

  it("masks payloads longer than one SIMD piece, in place and across, at every phase", () => {
    const data = new Uint8Array(SIMD_PIECE * 2 + 77).map((_, i) => (i * 13) & 0xff);
    const key = new Uint8Array([0x9a, 0x0b, 0xcc, 0x3d]);
    for (let phase = 0; phase < 4; phase++) {
      const expected = toHex(simpleMask(data, key, phase));
      const target = new Uint8Array(data.length + 1);
      maskInto(data, target, 1, key, phase);
      expect(toHex(target.subarray(1))).toBe(expected);
      const inPlace = data.slice();
      maskInto(inPlace, inPlace, 0, key, phase);
      expect(toHex(inPlace)).toBe(expected);
    }
  });

  it("masks in place when source and target are the same bytes", () => {
    const data = new Uint8Array(300).map((_, i) => i);
    const copy = data.slice();
    const key = new Uint8Array([1, 2, 3, 4]);
    maskInto(data.subarray(3), data, 3, key, 0);
    expect(toHex(data.subarray(3))).toBe(toHex(simpleMask(copy.subarray(3), key, 0)));
    expect(toHex(data.subarray(0, 3))).toBe("000102");
  });
});
