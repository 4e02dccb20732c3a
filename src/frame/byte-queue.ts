/**
 * The input buffer of the frame decoder: a list of chunks consumed by reading bytes and
 * slicing views (`subarray`), never by concatenating what was fed.
 *
 * Held chunks are views of the caller's bytes, except that small chunks arriving while
 * earlier input is still held are copied into one growing tail buffer. So the number of
 * retained objects is bounded by the bytes held, not by how finely the peer split them
 * (ws CVE-2026-48779: one retained object per tiny TCP read).
 */

/** Chunks shorter than this are coalesced when earlier input is still held. */
const COALESCE_BELOW = 512;
/** First capacity of a tail buffer; it doubles when full. */
const TAIL_INITIAL_CAPACITY = 1024;

const EMPTY = new Uint8Array(0);

/**
 * A FIFO of bytes. Reads never cross the end: callers check {@link ByteQueue.length}
 * (or {@link ByteQueue.contiguous}) first.
 *
 * @example
 * ```ts
 * const queue = new ByteQueue();
 * queue.push(new Uint8Array([0x81, 0x02]));
 * queue.push(new Uint8Array([0x68, 0x69]));
 * queue.readByte();      // 0x81
 * queue.takeView(1);     // Uint8Array [0x02]: a view of the first chunk
 * queue.contiguous;      // 2: the rest lies in the second chunk
 * ```
 */
export class ByteQueue {
  /** The chunk being read, or an empty array when nothing is held. */
  #first: Uint8Array = EMPTY;
  /** Read position in `#first`. */
  #offset = 0;
  /** The chunks after `#first`, from index `#restHead` on. */
  #rest: Uint8Array[] = [];
  #restHead = 0;
  #length = 0;
  /** The buffer small chunks are appended to; its used part is the last held chunk. */
  #tail: Uint8Array | null = null;
  #tailUsed = 0;

  /** Bytes held and not yet read. */
  get length(): number {
    return this.#length;
  }

  /** Bytes that can be read from the current chunk without crossing into the next. */
  get contiguous(): number {
    return this.#first.length - this.#offset;
  }

  /** Where the next byte lies in its buffer, mod 4 (to align copies for word-wise masking). */
  get alignment(): number {
    return (this.#first.byteOffset + this.#offset) & 3;
  }

  /** Appends bytes. Big chunks are held as given (not copied); the caller must not change them. */
  push(bytes: Uint8Array): void {
    const size = bytes.length;
    if (size === 0) return;
    if (this.#length === 0) {
      this.#first = bytes;
      this.#offset = 0;
      this.#tail = null;
    } else if (size < COALESCE_BELOW) {
      this.#appendToTail(bytes);
    } else {
      this.#rest.push(bytes);
      this.#tail = null;
    }
    this.#length += size;
  }

  /** Reads one byte. Requires `length >= 1`. */
  readByte(): number {
    const byte = this.#first[this.#offset++];
    this.#length--;
    if (this.#offset === this.#first.length) this.#nextChunk();
    return byte;
  }

  /**
   * Reads `count` bytes as a view of the current chunk (no copy). Requires
   * `count <= contiguous`. The view stays valid: held bytes are never overwritten.
   */
  takeView(count: number): Uint8Array {
    if (count === 0) return EMPTY;
    const first = this.#first;
    const start = this.#offset;
    this.#length -= count;
    if (start + count === first.length) {
      this.#nextChunk();
      if (start === 0) return first;
    } else {
      this.#offset = start + count;
    }
    return new Uint8Array(first.buffer, first.byteOffset + start, count);
  }

  /** Drops everything held. */
  clear(): void {
    this.#first = EMPTY;
    this.#offset = 0;
    this.#rest = [];
    this.#restHead = 0;
    this.#length = 0;
    this.#tail = null;
  }

  #nextChunk(): void {
    this.#offset = 0;
    const rest = this.#rest;
    if (this.#restHead === rest.length) {
      // Nothing more held: the common case, with no array work.
      this.#first = EMPTY;
      this.#tail = null;
      return;
    }
    this.#first = rest[this.#restHead];
    rest[this.#restHead++] = EMPTY; // release it from the list
    if (this.#restHead === rest.length) {
      rest.length = 0;
      this.#restHead = 0;
    } else if (this.#restHead >= 1024 && this.#restHead * 2 >= rest.length) {
      rest.splice(0, this.#restHead);
      this.#restHead = 0;
    }
  }

  #appendToTail(bytes: Uint8Array): void {
    let tail = this.#tail;
    if (tail === null) {
      tail = new Uint8Array(Math.max(TAIL_INITIAL_CAPACITY, bytes.length * 2));
      this.#tail = tail;
      this.#tailUsed = 0;
      this.#rest.push(EMPTY);
    } else if (this.#tailUsed + bytes.length > tail.length) {
      // Grow by doubling into a new buffer, so views already handed out stay untouched.
      const grown = new Uint8Array(Math.max(tail.length, this.#tailUsed + bytes.length) * 2);
      grown.set(tail.subarray(0, this.#tailUsed));
      tail = grown;
      this.#tail = grown;
    }
    tail.set(bytes, this.#tailUsed);
    this.#tailUsed += bytes.length;
    const view = tail.subarray(0, this.#tailUsed);
    // The tail is the last held chunk: the last of `#rest`, or `#first` once that list is read.
    if (this.#restHead < this.#rest.length) this.#rest[this.#rest.length - 1] = view;
    else this.#first = view;
  }
}
