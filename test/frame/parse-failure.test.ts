import { describe, expect, it } from "vitest";
import { ParseFailure } from "../../src/frame/parse-failure.js";

describe("ParseFailure", () => {
  it("carries the close code and the reason, and is a value, not an Error", () => {
    const failure = new ParseFailure(1007, "bad text");
    expect([failure.code, failure.reason]).toEqual([1007, "bad text"]);
    expect(failure).not.toBeInstanceOf(Error);
  });
});
