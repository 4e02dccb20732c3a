import { describe, expect, it } from "vitest";
import { Extension, NO_RSV, type FrameContext } from "../../src/extensions/extension.js";

/** The smallest subclass: only the name, every hook inherited (spec §9.6). */
class Plain extends Extension {
  readonly name = "x-plain";
}

const ctx: FrameContext = { client: false, inboundBudget: 100 };

describe("Extension base defaults (spec §9.6 test_extensions.py)", () => {
  const ext = new Plain();

  it("is not enabled and negotiates nothing", () => {
    expect(ext.enabled()).toBe(false);
    expect(ext.offer()).toBeNull();
    expect(ext.accept("myext")).toBeNull();
    expect(ext.finalize("myext")).toBeUndefined();
  });

  it("owns no reserved bits", () => {
    expect(ext.frameInboundHeader(ctx, 0x1, { rsv1: true, rsv2: true, rsv3: true }, 0)).toEqual({
      rsv1: false,
      rsv2: false,
      rsv3: false,
    });
    expect(NO_RSV).toEqual({ rsv1: false, rsv2: false, rsv3: false });
    expect(Object.isFrozen(NO_RSV)).toBe(true);
  });

  it("passes payload through and appends nothing", () => {
    const data = new Uint8Array([1, 2, 3]);
    expect(ext.frameInboundPayloadData(ctx, data)).toBe(data);
    expect(ext.frameInboundPayloadData(ctx, new Uint8Array(0))).toEqual(new Uint8Array(0));
    expect(ext.frameInboundComplete(ctx, true)).toBeNull();
    expect(ext.frameInboundComplete(ctx, false)).toBeNull();
  });

  it("sends frames unchanged", () => {
    const rsv = { rsv1: true, rsv2: true, rsv3: true };
    const data = new Uint8Array(0);
    const [outRsv, outData] = ext.frameOutbound(ctx, 0x2, rsv, data, true);
    expect(outRsv).toBe(rsv);
    expect(outData).toBe(data);
  });
});
