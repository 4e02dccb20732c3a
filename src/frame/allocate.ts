/**
 * Allocation of the byte arrays the frame layer hands out (unmasked payloads, built
 * frames). Small arrays live on V8's heap and are cheap; arrays above 64 bytes need a
 * backing store of their own, which costs several times a small frame's whole parse
 * (measured on Node 20). Those up to {@link POOLED_MAX} bytes are therefore carved out of
 * a shared 16 KiB slab, as Node's `Buffer.allocUnsafe` does with its pool: each array is
 * a view of its own fresh (zeroed) region, never reused, so nothing stale is ever exposed;
 * like a pooled Buffer, a view keeps its slab alive and its `.buffer` is the whole slab.
 */

/** Bigger arrays are allocated on their own. */
const POOLED_MAX = 2048;
/** V8 keeps typed arrays up to this size on its heap (`typed_array_max_size_in_heap`). */
const ON_HEAP_MAX = 64;
const SLAB_SIZE = 16 * 1024;

let slab = new ArrayBuffer(0);
let slabUsed = SLAB_SIZE;

/**
 * A new zero-filled `Uint8Array` of `size` bytes, 8-byte aligned (so word-wise masking
 * applies).
 *
 * @example
 * ```ts
 * const frame = allocateBytes(2 + payload.length);
 * ```
 */
export function allocateBytes(size: number): Uint8Array {
  if (size <= ON_HEAP_MAX || size > POOLED_MAX) return new Uint8Array(size);
  if (slabUsed + size > SLAB_SIZE) {
    slab = new ArrayBuffer(SLAB_SIZE);
    slabUsed = 0;
  }
  const bytes = new Uint8Array(slab, slabUsed, size);
  slabUsed += (size + 7) & ~7;
  return bytes;
}

/** The largest chunk {@link scratchBytes} serves. */
const SCRATCH_SIZE = 64 * 1024;
let scratch: ArrayBuffer | null = null;

/**
 * A view of `size` bytes of one shared, reused buffer, for bytes that are consumed at once
 * and never handed out (the payload of a text frame, decoded straight to a string). The
 * next call overwrites it. `null` when `size` is over 64 KiB.
 *
 * @example
 * ```ts
 * const bytes = scratchBytes(count) ?? allocateBytes(count);
 * ```
 */
export function scratchBytes(size: number): Uint8Array | null {
  if (size > SCRATCH_SIZE) return null;
  scratch ??= new ArrayBuffer(SCRATCH_SIZE);
  return new Uint8Array(scratch, 0, size);
}
