/**
 * Wire-format facts shared by the decoder and the encoder (RFC 6455 §5.2).
 */
import type { RsvBits } from "../extensions/extension.js";

/** The largest payload of a control frame (RFC 6455 §5.5). */
export const MAX_CONTROL_PAYLOAD = 125;

/** Bit values of the `rsv` field: RSV1 is the highest. */
export const RSV1 = 4;
export const RSV2 = 2;
export const RSV3 = 1;

/** The `RsvBits` object for each 3-bit `rsv` value, so hooks get one without allocation. */
export const RSV_BITS: readonly RsvBits[] = Array.from({ length: 8 }, (_, bits) =>
  Object.freeze({ rsv1: (bits & RSV1) !== 0, rsv2: (bits & RSV2) !== 0, rsv3: (bits & RSV3) !== 0 }),
);

/** The 3-bit `rsv` value of an `RsvBits`. */
export function rsvValue(bits: RsvBits): number {
  return (bits.rsv1 ? RSV1 : 0) | (bits.rsv2 ? RSV2 : 0) | (bits.rsv3 ? RSV3 : 0);
}
