import { describe, expect, it } from "vitest";
import { describeValue } from "../../src/frame/describe-value.js";

describe("describeValue", () => {
  it.each([
    [42, "42"],
    [Number.NaN, "NaN"],
    [10n, "10"],
    [true, "true"],
    ["10", '"10"'],
    ["x".repeat(50), `"${"x".repeat(40)}…"`],
    [null, "null"],
    [undefined, "undefined"],
    [new Uint16Array(1), "Uint16Array"],
    [{}, "Object"],
    [Object.create(null), "an object"],
    [() => 1, "function"],
  ])("%s → %s", (value, text) => {
    expect(describeValue(value)).toBe(text);
  });
});
