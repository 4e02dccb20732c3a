import { describe, expect, it } from "vitest";
import { allocateBytes, scratchBytes } from "../../src/frame/allocate.js";

describe("allocateBytes", () => {
  it.each([0, 1, 64, 65, 125, 2048, 2049, 100_000])("gives %i zeroed bytes, 8-byte aligned by default", (size) => {
    const bytes = allocateBytes(size);
    expect(bytes.length).toBe(size);
    expect(bytes.every((byte) => byte === 0)).toBe(true);
    expect(bytes.byteOffset % 8).toBe(0);
  });

  it.each([65, 1000, 5000])("starts %i bytes at the requested offset mod 4", (size) => {
    for (let alignAs = 0; alignAs < 4; alignAs++) {
      const bytes = allocateBytes(size, alignAs);
      expect([bytes.length, bytes.byteOffset % 4]).toEqual([size, alignAs]);
      expect(bytes.every((byte) => byte === 0)).toBe(true);
    }
  });

  it("never hands out overlapping bytes", () => {
    const arrays = Array.from({ length: 300 }, (_, i) => allocateBytes(65 + (i % 200), i & 3));
    arrays.forEach((bytes, i) => bytes.fill(i & 0xff));
    arrays.forEach((bytes, i) => expect(bytes.every((byte) => byte === (i & 0xff))).toBe(true));
  });
});

describe("scratchBytes", () => {
  it("gives views of one reused buffer, up to 64 KiB", () => {
    const first = scratchBytes(100) as Uint8Array;
    const second = scratchBytes(65536) as Uint8Array;
    expect([first.length, second.length]).toEqual([100, 65536]);
    expect(second.buffer).toBe(first.buffer);
    expect(scratchBytes(65537)).toBeNull();
    expect((scratchBytes(10, 3) as Uint8Array).byteOffset % 4).toBe(3);
  });
});
