import { describe, expect, it } from "vitest";
import { DEFAULT_LIMITS, MAX_LIMIT, resolveLimits } from "../../src/frame/limits.js";

describe("resolveLimits", () => {
  it("fills the defaults: 1 MiB messages, frames = message size, 4096 fragments", () => {
    expect(resolveLimits(undefined)).toEqual({ maxMessageSize: 1048576, maxFrameSize: 1048576, maxFragments: 4096 });
    expect(resolveLimits({})).toEqual(DEFAULT_LIMITS);
    expect(Object.isFrozen(DEFAULT_LIMITS)).toBe(true);
  });

  it("defaults maxFrameSize to the given maxMessageSize", () => {
    expect(resolveLimits({ maxMessageSize: 100 })).toEqual({ maxMessageSize: 100, maxFrameSize: 100, maxFragments: 4096 });
    expect(resolveLimits({ maxMessageSize: 100, maxFrameSize: 10 }).maxFrameSize).toBe(10);
  });

  it("treats explicit undefined as unset", () => {
    expect(resolveLimits({ maxMessageSize: undefined, maxFrameSize: undefined, maxFragments: undefined })).toEqual(DEFAULT_LIMITS);
  });

  it("accepts 1 and 2^31 − 1", () => {
    expect(resolveLimits({ maxMessageSize: 1, maxFragments: 1 })).toEqual({ maxMessageSize: 1, maxFrameSize: 1, maxFragments: 1 });
    expect(MAX_LIMIT).toBe(2 ** 31 - 1);
    expect(resolveLimits({ maxFrameSize: MAX_LIMIT }).maxFrameSize).toBe(MAX_LIMIT);
  });

  it.each([
    ["maxMessageSize", Number.NaN],
    ["maxMessageSize", 1.5],
    ["maxMessageSize", -1],
    ["maxMessageSize", 0],
    ["maxFrameSize", 2 ** 31],
    ["maxFrameSize", 2 ** 53],
    ["maxFragments", Number.POSITIVE_INFINITY],
  ])("refuses %s = %s with a RangeError naming the option", (name, value) => {
    expect(() => resolveLimits({ [name]: value })).toThrow(RangeError);
    expect(() => resolveLimits({ [name]: value })).toThrow(name);
  });

  it.each([["10"], [null], [10n], [{}]])("refuses a non-number %s with a TypeError", (value) => {
    expect(() => resolveLimits({ maxMessageSize: value as never })).toThrow(TypeError);
  });

  it("gives connections made with the same limits one frozen object (no copy per connection)", () => {
    const first = resolveLimits({ maxMessageSize: 4096 });
    expect(resolveLimits({ maxMessageSize: 4096, maxFrameSize: 4096 })).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
    expect(resolveLimits({ maxMessageSize: 4097 })).toEqual({ maxMessageSize: 4097, maxFrameSize: 4097, maxFragments: 4096 });
    expect(resolveLimits(undefined)).toBe(DEFAULT_LIMITS);
  });
});
