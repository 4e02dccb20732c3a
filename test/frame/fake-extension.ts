/** The FakeExtension of wsproto's TestFrameDecoderExtensions, on wstate's Extension base class. */
import { CloseReason, Opcode } from "../../src/constants.js";
import { Extension, type FrameContext, type RsvBits } from "../../src/extensions/extension.js";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export class FakeExtension extends Extension {
  readonly name = "fake";
  inboundHeaderCalled = false;
  inboundRsvBitSet = false;
  inboundPayloadDataCalled = false;
  inboundCompleteCalled = false;
  failInboundComplete = false;
  outboundRsvBitSet = false;
  /** Every context a hook saw, to check what the frame layer tells extensions. */
  readonly contexts: Array<{ client: boolean; inboundBudget: number }> = [];

  override enabled(): boolean {
    return true;
  }

  override frameInboundHeader(ctx: FrameContext, opcode: number, rsv: RsvBits): RsvBits | number {
    this.contexts.push({ client: ctx.client, inboundBudget: ctx.inboundBudget });
    this.inboundHeaderCalled = true;
    if (opcode === Opcode.PONG) return CloseReason.MANDATORY_EXT;
    this.inboundRsvBitSet = rsv.rsv3;
    return { rsv1: false, rsv2: false, rsv3: true };
  }

  override frameInboundPayloadData(ctx: FrameContext, data: Uint8Array): Uint8Array | number {
    this.contexts.push({ client: ctx.client, inboundBudget: ctx.inboundBudget });
    this.inboundPayloadDataCalled = true;
    const text = decoder.decode(data);
    if (text === "party time") return CloseReason.POLICY_VIOLATION;
    if (text === "ragequit") this.failInboundComplete = true;
    return this.inboundRsvBitSet ? encoder.encode(text.toUpperCase()) : data;
  }

  override frameInboundComplete(_ctx: FrameContext, fin: boolean): Uint8Array | number | null {
    this.inboundCompleteCalled = true;
    if (this.failInboundComplete) return CloseReason.ABNORMAL_CLOSURE;
    if (fin && this.inboundRsvBitSet) return encoder.encode("™");
    return null;
  }

  override frameOutbound(
    _ctx: FrameContext,
    opcode: number,
    rsv: RsvBits,
    data: Uint8Array,
    fin: boolean,
  ): [RsvBits, Uint8Array] {
    let bits = rsv;
    let payload = data;
    if (opcode === Opcode.TEXT) {
      bits = { rsv1: rsv.rsv1, rsv2: rsv.rsv2, rsv3: true };
      this.outboundRsvBitSet = true;
    }
    if (fin && this.outboundRsvBitSet) {
      const registered = encoder.encode("®");
      const joined = new Uint8Array(payload.length + registered.length);
      joined.set(payload);
      joined.set(registered, payload.length);
      payload = joined;
      this.outboundRsvBitSet = false;
    }
    return [bits, payload];
  }
}
