/**
 * Payload masking (RFC 6455 §5.3): XOR with a 4-byte key repeated over the payload.
 *
 * Short payloads use a 4-byte unrolled loop; longer ones XOR 32-bit words through
 * `Uint32Array` views over the 4-aligned middle part (measured on Node 20: about 1.3 GB/s
 * for the byte loop, 3–6 GB/s for words).
 */

/** Below this length the byte loop is faster than setting up word views. */
const WORD_LOOP_FROM = 128;

const keyBytes = new Uint8Array(4);
const keyWord = new Uint32Array(keyBytes.buffer);

/** The key as one 32-bit word in memory order, starting at key index `phase`. */
function keyAsWord(key: Uint8Array, phase: number): number {
  keyBytes[0] = key[phase & 3];
  keyBytes[1] = key[(phase + 1) & 3];
  keyBytes[2] = key[(phase + 2) & 3];
  keyBytes[3] = key[(phase + 3) & 3];
  return keyWord[0];
}

function maskBytes(
  source: Uint8Array,
  sourceStart: number,
  target: Uint8Array,
  targetStart: number,
  count: number,
  key: Uint8Array,
  phase: number,
): void {
  const k0 = key[phase & 3];
  const k1 = key[(phase + 1) & 3];
  const k2 = key[(phase + 2) & 3];
  const k3 = key[(phase + 3) & 3];
  let i = 0;
  for (; i + 3 < count; i += 4) {
    target[targetStart + i] = source[sourceStart + i] ^ k0;
    target[targetStart + i + 1] = source[sourceStart + i + 1] ^ k1;
    target[targetStart + i + 2] = source[sourceStart + i + 2] ^ k2;
    target[targetStart + i + 3] = source[sourceStart + i + 3] ^ k3;
  }
  if (i < count) target[targetStart + i] = source[sourceStart + i] ^ k0;
  if (i + 1 < count) target[targetStart + i + 1] = source[sourceStart + i + 1] ^ k1;
  if (i + 2 < count) target[targetStart + i + 2] = source[sourceStart + i + 2] ^ k2;
}

function maskWords(source: Uint32Array, target: Uint32Array, word: number): void {
  const count = source.length;
  let i = 0;
  for (; i + 3 < count; i += 4) {
    target[i] = source[i] ^ word;
    target[i + 1] = source[i + 1] ^ word;
    target[i + 2] = source[i + 2] ^ word;
    target[i + 3] = source[i + 3] ^ word;
  }
  for (; i < count; i++) target[i] = source[i] ^ word;
}

/**
 * Masks or unmasks `source` into `target` at `targetOffset`. `phase` is the position of
 * `source[0]` in the payload (only its value mod 4 matters), so a payload can be
 * processed in pieces. `source` and `target` may be the same bytes (in place) but must
 * not otherwise overlap.
 *
 * @example
 * ```ts
 * const key = new TextEncoder().encode("1234");
 * const out = new Uint8Array(4);
 * maskInto(new TextEncoder().encode("some"), out, 0, key, 0); // "B]^Q"
 * ```
 */
export function maskInto(
  source: Uint8Array,
  target: Uint8Array,
  targetOffset: number,
  key: Uint8Array,
  phase: number,
): void {
  const length = source.length;
  if (length < WORD_LOOP_FROM) {
    maskBytes(source, 0, target, targetOffset, length, key, phase);
    return;
  }
  const targetAddress = target.byteOffset + targetOffset;
  let from: Uint8Array = source;
  let fromStart = 0;
  if ((source.byteOffset & 3) !== (targetAddress & 3)) {
    // The two cannot be word-aligned together: copy (memcpy speed), then XOR in place.
    target.set(source, targetOffset);
    from = target;
    fromStart = targetOffset;
  }
  const head = (4 - (targetAddress & 3)) & 3;
  maskBytes(from, fromStart, target, targetOffset, head, key, phase);
  const words = (length - head) >>> 2;
  maskWords(
    new Uint32Array(from.buffer, from.byteOffset + fromStart + head, words),
    new Uint32Array(target.buffer, targetAddress + head, words),
    keyAsWord(key, phase + head),
  );
  const done = head + words * 4;
  maskBytes(from, fromStart + done, target, targetOffset + done, length - done, key, phase + done);
}
