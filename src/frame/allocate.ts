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
