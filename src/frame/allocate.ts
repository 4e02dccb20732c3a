/**
 * Allocation of the byte arrays the frame layer hands out (unmasked payloads, built
 * frames). Small arrays live on V8's heap and are cheap; arrays above 64 bytes need a
 * backing store of their own, which costs several times a small frame's whole parse
 * (measured on Node 20). Those up to {@link POOLED_MAX} bytes are therefore carved out of
 * a shared 16 KiB slab, as Node's `Buffer.allocUnsafe` does with its pool: each array is
 * a view of its own fresh (zeroed) region, never reused, so nothing stale is ever exposed;
 * like a pooled Buffer, a view keeps its slab alive and its `.buffer` is the whole slab.
 * Bigger arrays may come from the caller's {@link Allocator} instead (the Node adapter's
 * is `Buffer.allocUnsafe`).
 */
import { LocalProtocolError } from "../errors.js";
import { describeValue } from "./describe-value.js";

/**
 * Makes a `Uint8Array` of exactly `size` bytes whose content need not be zeroed: wstate
 * writes every byte of an array it allocates before handing it out.
 */
export type Allocator = (size: number) => Uint8Array;

/** Bigger arrays are allocated on their own. */
const POOLED_MAX = 2048;
/**
 * V8 keeps typed arrays up to this size on its heap (`typed_array_max_size_in_heap`). Such
 * an array must not be asked for its `.buffer` (nor `subarray`'d): that moves it off-heap.
 */
export const ON_HEAP_MAX = 64;
const SLAB_SIZE = 16 * 1024;

let slab = new ArrayBuffer(0);
let slabUsed = SLAB_SIZE;

/**
 * A new zero-filled `Uint8Array` of `size` bytes. Above 64 bytes it starts at a byte
 * offset ≡ `alignAs` (mod 4) in its buffer, so that masking from a source with that
 * alignment can XOR whole 32-bit words straight across.
 *
 * @example
 * ```ts
 * const payload = allocateBytes(count, source.byteOffset & 3);
 * ```
 */
export function allocateBytes(size: number, alignAs = 0): Uint8Array {
  if (size <= ON_HEAP_MAX) return new Uint8Array(size);
  if (size > POOLED_MAX) {
    return alignAs === 0 ? new Uint8Array(size) : new Uint8Array(new ArrayBuffer(size + alignAs), alignAs, size);
  }
  if (slabUsed + alignAs + size > SLAB_SIZE) {
    slab = new ArrayBuffer(SLAB_SIZE);
    slabUsed = 0;
  }
  const bytes = new Uint8Array(slab, slabUsed + alignAs, size);
  slabUsed += (alignAs + size + 7) & ~7;
  return bytes;
}

/** The largest chunk {@link scratchBytes} serves. */
const SCRATCH_SIZE = 64 * 1024;
let scratch: ArrayBuffer | null = null;

/**
 * A view of `size` bytes of one shared, reused buffer, for bytes that are consumed at once
 * and never handed out (the payload of a text frame, decoded straight to a string). The
 * next call overwrites it. `null` when `size` is over 64 KiB. Aligned as
 * {@link allocateBytes} aligns.
 *
 * @example
 * ```ts
 * const bytes = scratchBytes(count, alignment) ?? allocateBytes(count, alignment);
 * ```
 */
export function scratchBytes(size: number, alignAs = 0): Uint8Array | null {
  if (size > SCRATCH_SIZE) return null;
  scratch ??= new ArrayBuffer(SCRATCH_SIZE + 4);
  return new Uint8Array(scratch, alignAs, size);
}

/**
 * {@link allocateBytes}, except that arrays over the slab's limit come from `large` when
 * one is given: fresh zero-filled memory costs a zero-fill and, for large arrays, a page
 * fault per 4 KiB on first write (measured on Node 20: ~0.6 ms for a 1 MiB frame, against
 * ~0.05 ms from `Buffer.allocUnsafe`).
 *
 * @throws LocalProtocolError when `large` returns anything but a Uint8Array of `size` bytes.
 * @example
 * ```ts
 * const frame = allocateWith((size) => Buffer.allocUnsafe(size), 70_000);
 * ```
 */
export function allocateWith(large: Allocator | undefined, size: number, alignAs = 0): Uint8Array {
  if (large === undefined || size <= POOLED_MAX) return allocateBytes(size, alignAs);
  const bytes = large(size);
  if (!(bytes instanceof Uint8Array) || bytes.length !== size) {
    const got = bytes instanceof Uint8Array ? `${bytes.length} bytes` : describeValue(bytes);
    throw new LocalProtocolError(`The allocate option must return a Uint8Array of the size asked (${size} bytes); got ${got}.`);
  }
  return bytes;
}
