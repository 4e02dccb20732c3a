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
 * queue.readByte();   // 0x81
 * queue.take(3);      // Uint8Array [0x02, 0x68, 0x69] (copied: it spans two chunks)
 * ```
 */
export class ByteQueue {
  #chunks: Uint8Array[] = [];
  /** Index in `#chunks` of the chunk being read. */
  #head = 0;
  /** `#chunks[#head]`, or an empty array when nothing is held. */
  #first: Uint8Array = EMPTY;
  /** Read position in `#first`. */
  #offset = 0;
  #length = 0;
  /** The buffer small chunks are appended to; its used part is the last held chunk. */
  #tail: Uint8Array | null = null;
  #tailStart = 0;
  #tailEnd = 0;

  /** Bytes held and not yet read. */
  get length(): number {
    return this.#length;
  }

  /** Bytes that can be read from the current chunk without crossing into the next. */
  get contiguous(): number {
    return this.#first.length - this.#offset;
  }

  /** Appends bytes. Big chunks are held as given (not copied); the caller must not change them. */
  push(bytes: Uint8Array): void {
    const size = bytes.length;
    if (size === 0) return;
    if (this.#length === 0) {
      this.#chunks.length = 0;
      this.#chunks.push(bytes);
      this.#head = 0;
      this.#first = bytes;
      this.#offset = 0;
      this.#tail = null;
    } else if (size < COALESCE_BELOW) {
      this.#appendToTail(bytes);
    } else {
      this.#chunks.push(bytes);
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
      return start === 0 ? first : first.subarray(start);
    }
    this.#offset = start + count;
    return first.subarray(start, start + count);
  }

  /** Reads `count` bytes: a view when they lie in one chunk, else a fresh copy. Requires `count <= length`. */
  take(count: number): Uint8Array {
    if (count <= this.contiguous) return this.takeView(count);
    const out = new Uint8Array(count);
    let filled = 0;
    while (filled < count) {
      const piece = this.takeView(Math.min(count - filled, this.contiguous));
      out.set(piece, filled);
      filled += piece.length;
    }
    return out;
  }

  /** Drops everything held. */
  clear(): void {
    this.#chunks = [];
    this.#head = 0;
    this.#first = EMPTY;
    this.#offset = 0;
    this.#length = 0;
    this.#tail = null;
  }

  #nextChunk(): void {
    const chunks = this.#chunks;
    chunks[this.#head] = EMPTY; // release the consumed chunk
    this.#head++;
    this.#offset = 0;
    if (this.#head === chunks.length) {
      chunks.length = 0;
      this.#head = 0;
      this.#first = EMPTY;
      this.#tail = null;
      return;
    }
    if (this.#head >= 1024 && this.#head * 2 >= chunks.length) {
      chunks.splice(0, this.#head);
      this.#head = 0;
    }
    this.#first = chunks[this.#head];
  }

  #appendToTail(bytes: Uint8Array): void {
    const chunks = this.#chunks;
    let tail = this.#tail;
    if (tail === null) {
      tail = new Uint8Array(Math.max(TAIL_INITIAL_CAPACITY, bytes.length * 2));
      this.#tail = tail;
      this.#tailStart = 0;
      this.#tailEnd = 0;
      chunks.push(EMPTY);
    } else if (this.#tailEnd + bytes.length > tail.length) {
      // Grow by doubling into a new buffer, so views already handed out stay untouched.
      const used = this.#tailEnd - this.#tailStart;
      const grown = new Uint8Array(Math.max(tail.length * 2, (used + bytes.length) * 2));
      grown.set(tail.subarray(this.#tailStart, this.#tailEnd));
      tail = grown;
      this.#tail = grown;
      this.#tailStart = 0;
      this.#tailEnd = used;
    }
    tail.set(bytes, this.#tailEnd);
    this.#tailEnd += bytes.length;
    const last = chunks.length - 1;
    const view = tail.subarray(this.#tailStart, this.#tailEnd);
    chunks[last] = view;
    if (last === this.#head) this.#first = view;
  }
}
