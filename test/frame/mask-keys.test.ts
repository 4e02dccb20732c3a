import { describe, expect, it } from "vitest";
import { defaultMaskKeys, MaskKeySource } from "../../src/frame/mask-keys.js";
import { toHex } from "./helpers.js";

describe("MaskKeySource", () => {
  it("hands out the random bytes 4 at a time, each once, refilling after 1024 keys", () => {
    const requests: number[] = [];
    let counter = 0;
    const keys = new MaskKeySource((buffer) => {
      requests.push(buffer.length);
      for (let i = 0; i < buffer.length; i++) buffer[i] = counter++ & 0xff;
    });
    const key = new Uint8Array(6);
    keys.writeKey(key, 1);
    expect(toHex(key)).toBe("000001020300");
    keys.writeKey(key, 2);
    expect(toHex(key.subarray(2))).toBe("04050607");
    for (let i = 2; i < 1024; i++) keys.writeKey(key, 0);
    expect(requests).toEqual([4096]);
    keys.writeKey(key, 0);
    expect(requests).toEqual([4096, 4096]);
    expect(toHex(key.subarray(0, 4))).toBe("00010203"); // 4096 & 0xff wraps to 0
  });

  it("draws nothing until the first key is needed", () => {
    let calls = 0;
    new MaskKeySource(() => calls++);
    expect(calls).toBe(0);
  });

  it("defaults to crypto.getRandomValues: keys differ", () => {
    const seen = new Set<string>();
    const key = new Uint8Array(4);
    for (let i = 0; i < 2000; i++) {
      defaultMaskKeys.writeKey(key, 0);
      seen.add(toHex(key));
    }
    expect(seen.size).toBeGreaterThan(1990);
  });
});
