import { describe, expect, it } from "vitest";
import { NO_RSV } from "../../src/extensions/extension.js";
import { MAX_CONTROL_PAYLOAD, RSV1, RSV2, RSV3, RSV_BITS, rsvValue } from "../../src/frame/frame-format.js";

describe("frame-format", () => {
  it("numbers RSV1..3 as the header byte does (bits 6..4)", () => {
    expect([RSV1, RSV2, RSV3]).toEqual([4, 2, 1]);
    expect(MAX_CONTROL_PAYLOAD).toBe(125);
  });

  it("has one frozen RsvBits per 3-bit value, and rsvValue inverts it", () => {
    expect(RSV_BITS).toHaveLength(8);
    expect(RSV_BITS[0]).toEqual(NO_RSV);
    expect(RSV_BITS[RSV1 | RSV3]).toEqual({ rsv1: true, rsv2: false, rsv3: true });
    for (let bits = 0; bits < 8; bits++) {
      expect(Object.isFrozen(RSV_BITS[bits])).toBe(true);
      expect(rsvValue(RSV_BITS[bits])).toBe(bits);
    }
    expect(rsvValue({ rsv1: false, rsv2: true, rsv3: false })).toBe(RSV2);
  });
});
