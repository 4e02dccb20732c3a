/**
 * Synchronous raw-deflate streams for permessage-deflate (RFC 7692 §7.2), on pako's
 * low-level zlib port so that every window size works and inflation can be bounded while
 * it runs: zlib writes at most `avail_out` bytes per call, and wstate never offers it more
 * room than the message may still grow by (plus one byte to detect the overflow).
 */

import { concatBytes } from "../bytes.js";
import {
  ZStream,
  Z_BUF_ERROR,
  Z_DEFAULT_STRATEGY,
  Z_NO_FLUSH,
  Z_OK,
  Z_STREAM_END,
  Z_SYNC_FLUSH,
  zlibDeflate,
  zlibDeflateInit2,
  zlibDeflateReset,
  zlibInflate,
  zlibInflateInit2,
  zlibInflateReset,
} from "pako";
import { CloseReason } from "../constants.js";

/** The empty stored block that ends every message; senders strip it, receivers re-add it. */
const TRAILER = new Uint8Array([0x00, 0x00, 0xff, 0xff]);
const EMPTY = new Uint8Array(0);
const NO_HASH_TABLE = new Uint16Array(0);
const DEFAULT_MEM_LEVEL = 8;
const DEFLATED = 8;
/**
 * zlib's `data_type` after inflate: bit 7 = waiting for a block header, bit 6 = last
 * block, low bits = bits buffered. Exactly 128 = between blocks at a byte boundary.
 */
const BETWEEN_BLOCKS = 128;

/**
 * zlib output lands here first and is copied out before a call returns. One buffer is
 * shared by every stream: calls are synchronous and never nest.
 */
const scratch = new Uint8Array(64 * 1024);

/** The chunks joined; a single chunk is returned as it is. */
function joined(chunks: Uint8Array[]): Uint8Array {
  if (chunks.length === 0) return EMPTY;
  return chunks.length === 1 ? chunks[0] : concatBytes(chunks);
}

/**
 * Inflates the messages of one direction. Output is bounded by the caller's budget while
 * zlib runs, a message that ends with a BFINAL block is accepted and the next message
 * starts a fresh stream, and bytes after the end of the deflate stream are an error
 * unless they are the start of the empty block RFC 7692 §7.2.1 tells senders to append.
 *
 * @example
 * ```ts
 * const inflater = new MessageInflater(15);
 * const text = inflater.push(new Uint8Array([0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00]), 1024);
 * const tail = inflater.finish(1024 - (text as Uint8Array).length, false); // "Hello" in all
 * ```
 */
export class MessageInflater {
  readonly #windowBits: number;
  #stream: ZStream | null = null;
  /** The current message's deflate stream has ended (a BFINAL block was read). */
  #ended = false;
  /** Bytes seen after that end; only one 0x00 is allowed before the trailer. */
  #bytesAfterEnd = 0;
  /** The stream waits for a block header at a byte boundary (also when fresh). */
  #betweenBlocks = true;

  /** `windowBits`: 8–15, the largest window the peer may compress with. */
  constructor(windowBits: number) {
    this.#windowBits = windowBits;
  }

  /**
   * Inflates the next compressed bytes of the current message. Returns the output, or
   * 1009 when it would exceed `budget` bytes, or 1007 when the data is not valid deflate.
   */
  push(data: Uint8Array, budget: number): Uint8Array | number {
    if (data.length === 0) return EMPTY;
    if (this.#ended) return this.#acceptAfterEnd(data) ? EMPTY : this.#fail(CloseReason.INVALID_FRAME_PAYLOAD_DATA);
    return this.#inflate(data, budget, false);
  }

  /**
   * Ends the current message: inflates the stripped trailer and returns the last output
   * (or a close code as `push` does). `keepWindow` = context takeover: the next message
   * may refer back into this one, unless this message's stream ended with a BFINAL block.
   */
  finish(budget: number, keepWindow: boolean): Uint8Array | number {
    let output: Uint8Array = EMPTY;
    // Already between two blocks (a message with no compressed bytes, or a sender that
    // left the 00 00 ff ff in): the trailer would open a block nothing finishes.
    if (!this.#ended && !this.#betweenBlocks) {
      const tail = this.#inflate(TRAILER, budget, true);
      if (typeof tail === "number") return tail;
      // With the trailer read, a well-formed message stops between two blocks; anything
      // else is a message cut off inside a block.
      if (!this.#ended && !this.#betweenBlocks) return this.#fail(CloseReason.INVALID_FRAME_PAYLOAD_DATA);
      output = tail;
    }
    if (this.#ended || !keepWindow) this.#resetStream();
    return output;
  }

  #inflate(input: Uint8Array, budget: number, isTrailer: boolean): Uint8Array | number {
    const stream = (this.#stream ??= this.#open());
    stream.input = input;
    stream.next_in = 0;
    stream.avail_in = input.length;
    const chunks: Uint8Array[] = [];
    let produced = 0;
    for (;;) {
      stream.output = scratch;
      stream.next_out = 0;
      // One byte more than the budget: filling it proves the message is too big, and
      // zlib never gets room to produce more than that.
      stream.avail_out = Math.min(scratch.length, budget - produced + 1);
      const status = zlibInflate(stream, Z_NO_FLUSH);
      produced += stream.next_out;
      // Checked first: zlib keeps decoding after the output is full, up to the next symbol
      // that needs room, so an error it reports may lie after the overflow in the stream.
      if (produced > budget) return this.#fail(CloseReason.MESSAGE_TOO_BIG);
      if (status !== Z_OK && status !== Z_STREAM_END && status !== Z_BUF_ERROR) {
        return this.#fail(CloseReason.INVALID_FRAME_PAYLOAD_DATA);
      }
      this.#betweenBlocks = stream.data_type === BETWEEN_BLOCKS;
      if (stream.next_out > 0) chunks.push(scratch.slice(0, stream.next_out));
      if (status === Z_STREAM_END) {
        this.#ended = true;
        const rest = input.subarray(stream.next_in);
        // Inside the trailer nothing may follow the end; before it, one 0x00 may.
        if (isTrailer ? rest.length !== 0 : !this.#acceptAfterEnd(rest)) {
          return this.#fail(CloseReason.INVALID_FRAME_PAYLOAD_DATA);
        }
        break;
      }
      // Room left means zlib consumed all input and holds no pending output.
      if (stream.avail_out > 0) break;
    }
    stream.input = EMPTY; // do not keep the caller's buffer alive
    return joined(chunks);
  }

  /**
   * A sender whose stream ends with a BFINAL block still appends an empty stored block
   * (`00 00 00 ff ff`) and strips its last four bytes, leaving one 0x00 (RFC 7692 §7.2.3.4).
   */
  #acceptAfterEnd(bytes: Uint8Array): boolean {
    for (const byte of bytes) if (byte !== 0) return false;
    this.#bytesAfterEnd += bytes.length;
    return this.#bytesAfterEnd <= 1;
  }

  #open(): ZStream {
    const stream = new ZStream();
    // The window size was validated during negotiation, so this cannot fail.
    zlibInflateInit2(stream, -this.#windowBits);
    this.#limitDistances(stream);
    return stream;
  }

  /**
   * zlib checks a raw stream's distances only against the bytes it still holds, which
   * include the current call's output: a too-far reference would pass or fail depending
   * on how the input was chunked. pako enforces `dmax` on every distance (zlib's
   * INFLATE_STRICT); it is reset to 32 KiB by every (re)initialisation.
   */
  #limitDistances(stream: ZStream): void {
    (stream.state as { dmax: number }).dmax = 1 << this.#windowBits;
  }

  #resetStream(): void {
    if (this.#stream !== null) {
      zlibInflateReset(this.#stream);
      this.#limitDistances(this.#stream);
    }
    this.#ended = false;
    this.#bytesAfterEnd = 0;
    this.#betweenBlocks = true;
  }

  /** A failed stream is discarded (the connection is failing anyway). */
  #fail(code: number): number {
    this.#stream = null;
    this.#ended = false;
    this.#bytesAfterEnd = 0;
    this.#betweenBlocks = true;
    return code;
  }
}

/**
 * Compresses the messages of one direction with a raw deflate stream of the negotiated
 * window. Every frame is sync-flushed, so each fragment of a streamed message can be
 * inflated as soon as it arrives; the `00 00 ff ff` ending the message is stripped.
 *
 * @example
 * ```ts
 * const deflater = new MessageDeflater(15);
 * deflater.compress(new TextEncoder().encode("x".repeat(23)), true); // aa a8 c0 0a 00 00
 * ```
 */
export class MessageDeflater {
  readonly #windowBits: number;
  readonly #level: number;
  #stream: ZStream | null = null;

  /** `windowBits`: 9–15; `level`: zlib's compression level, 0–9 (6 unless given). */
  constructor(windowBits: number, level = 6) {
    this.#windowBits = windowBits;
    this.#level = level;
  }

  /** Compresses one frame's payload; `fin` = this frame ends the message. */
  compress(data: Uint8Array, fin: boolean): Uint8Array {
    const stream = (this.#stream ??= this.#open());
    stream.input = data;
    stream.next_in = 0;
    stream.avail_in = data.length;
    const chunks: Uint8Array[] = [];
    for (;;) {
      stream.output = scratch;
      stream.next_out = 0;
      stream.avail_out = scratch.length; // > 6 bytes, so a sync flush is never split
      // zlibDeflate fails only for an invalid stream state, which this class never creates.
      zlibDeflate(stream, Z_SYNC_FLUSH);
      if (stream.next_out > 0) chunks.push(scratch.slice(0, stream.next_out));
      if (stream.avail_out > 0) break;
    }
    stream.input = EMPTY;
    const output = joined(chunks);
    if (!fin) return output;
    // zlib refuses to flush twice with no input in between, so an empty message after a
    // flushed frame yields nothing: send the empty stored block's first byte ourselves
    // (RFC 7692 §7.2.3.6). Otherwise the sync flush ended with 00 00 ff ff: strip it.
    if (output.length === 0) return new Uint8Array(1);
    return output.subarray(0, output.length - TRAILER.length);
  }

  /** Forgets the LZ77 window (no context takeover): the next message starts afresh. */
  reset(): void {
    const stream = this.#stream;
    if (stream === null) return;
    // pako's reset clears the 64 KiB hash table in a JavaScript loop, which costs more
    // than compressing a small message: give it an empty table to clear and clear the
    // real one with a native fill. The result is the same reset.
    const state = stream.state as { head: Uint16Array };
    const head = state.head;
    state.head = NO_HASH_TABLE;
    zlibDeflateReset(stream);
    head.fill(0);
    state.head = head;
  }

  #open(): ZStream {
    const stream = new ZStream();
    // Window and level were validated (negotiation, options), so this cannot fail.
    // legacyHash: zlib's own hash, so the output is byte-identical to zlib's (as fast here).
    zlibDeflateInit2(stream, this.#level, DEFLATED, -this.#windowBits, DEFAULT_MEM_LEVEL, Z_DEFAULT_STRATEGY, true);
    return stream;
  }
}
