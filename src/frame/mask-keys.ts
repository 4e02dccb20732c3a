/**
 * Masking keys for the frames a client sends (RFC 6455 §5.3: a fresh, unpredictable key
 * per frame). Random bytes are drawn in batches, as ws does, because one
 * `crypto.getRandomValues` call per frame would cost more than framing a small message.
 */

/** Fills a buffer with random bytes, like `crypto.getRandomValues`. */
export type RandomFill = (buffer: Uint8Array) => void;

/** Bytes drawn per call of the random source: 1024 keys. */
const POOL_SIZE = 4096;

/** The platform CSPRNG (browsers, Deno, Bun, Node ≥ 19). */
const cryptoFill: RandomFill = (buffer) => {
  globalThis.crypto.getRandomValues(buffer);
};

/**
 * Hands out 4-byte masking keys, each used once, from batches of `randomFill` output.
 *
 * @example
 * ```ts
 * const keys = new MaskKeySource();
 * const frame = new Uint8Array(6);
 * keys.writeKey(frame, 2); // frame[2..5] = a fresh key
 * ```
 */
export class MaskKeySource {
  readonly #fill: RandomFill;
  #pool: Uint8Array | null = null;
  #next = POOL_SIZE;

  /** @param randomFill the random source; `crypto.getRandomValues` by default. */
  constructor(randomFill: RandomFill = cryptoFill) {
    this.#fill = randomFill;
  }

  /** Writes the next unused key into `target[offset .. offset + 3]`. */
  writeKey(target: Uint8Array, offset: number): void {
    if (this.#next === POOL_SIZE) {
      const pool = (this.#pool ??= new Uint8Array(POOL_SIZE));
      this.#fill(pool);
      this.#next = 0;
    }
    const pool = this.#pool as Uint8Array;
    const next = this.#next;
    target[offset] = pool[next];
    target[offset + 1] = pool[next + 1];
    target[offset + 2] = pool[next + 2];
    target[offset + 3] = pool[next + 3];
    this.#next = next + 4;
  }
}

/** The key source shared by every client that did not inject its own random source. */
export const defaultMaskKeys = new MaskKeySource();
