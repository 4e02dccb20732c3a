import { isUtf8 } from "node:buffer";

/**
 * The fuzzer's own RFC 6455 frame writer and reader. Deliberately independent of
 * wstate's frame layer: wstate is judged by this code, so it must not share any of it.
 */

/** One frame as the fuzzer writes it. `rsv` is the 3-bit RSV field (4 = RSV1, as in Autobahn). */
export interface OutgoingFrame {
  readonly opcode: number;
  readonly fin: boolean;
  readonly rsv: number;
  readonly payload: Uint8Array;
  /** The 4-byte masking key (client side), or null for an unmasked frame. */
  readonly mask: Uint8Array | null;
}

/** The header bytes for a frame (without payload); the payload length may be declared only. */
export function frameHeader(opcode: number, fin: boolean, rsv: number, length: number, mask: Uint8Array | null): Uint8Array {
  const extended = length < 126 ? 0 : length < 65536 ? 2 : 8;
  const header = new Uint8Array(2 + extended + (mask === null ? 0 : 4));
  header[0] = (fin ? 0x80 : 0) | ((rsv & 7) << 4) | (opcode & 0x0f);
  const maskBit = mask === null ? 0 : 0x80;
  if (extended === 0) {
    header[1] = maskBit | length;
  } else if (extended === 2) {
    header[1] = maskBit | 126;
    header[2] = length >>> 8;
    header[3] = length & 0xff;
  } else {
    header[1] = maskBit | 127;
    const view = new DataView(header.buffer);
    view.setUint32(2, Math.floor(length / 2 ** 32));
    view.setUint32(6, length >>> 0);
  }
  if (mask !== null) header.set(mask, 2 + extended);
  return header;
}

/** XORs `data` with `mask`, starting at mask position `offset`; returns a new array. */
export function applyMask(data: Uint8Array, mask: Uint8Array, offset = 0): Uint8Array {
  const out = new Uint8Array(data.length);
  for (let i = 0; i < data.length; i++) out[i] = data[i] ^ mask[(offset + i) & 3];
  return out;
}

/** Serializes a whole frame. */
export function writeFrame(frame: OutgoingFrame): Uint8Array {
  const header = frameHeader(frame.opcode, frame.fin, frame.rsv, frame.payload.length, frame.mask);
  const out = new Uint8Array(header.length + frame.payload.length);
  out.set(header, 0);
  out.set(frame.mask === null ? frame.payload : applyMask(frame.payload, frame.mask), header.length);
  return out;
}

/** One frame as read from the peer, unmasked. */
export interface IncomingFrame {
  readonly fin: boolean;
  readonly rsv: number;
  readonly opcode: number;
  readonly masked: boolean;
  readonly payload: Uint8Array;
  /** False when the length used more bytes than needed (RFC 6455 §5.2 forbids it). */
  readonly minimalLength: boolean;
}

/** A queue of byte chunks that hands out exact byte counts without copying more than needed. */
class ByteQueue {
  #chunks: Uint8Array[] = [];
  #head = 0;
  length = 0;

  push(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    this.#chunks.push(bytes);
    this.length += bytes.length;
  }

  /** Removes and returns the next `n` bytes; the caller checked `length >= n`. */
  take(n: number): Uint8Array {
    const first = this.#chunks[0];
    if (first !== undefined && first.length - this.#head >= n) {
      const out = first.subarray(this.#head, this.#head + n);
      this.#advance(n);
      return out;
    }
    const out = new Uint8Array(n);
    let filled = 0;
    while (filled < n) {
      const chunk = this.#chunks[0];
      const part = Math.min(n - filled, chunk.length - this.#head);
      out.set(chunk.subarray(this.#head, this.#head + part), filled);
      filled += part;
      this.#advance(part);
    }
    return out;
  }

  /** Byte at position `i` from the front, without consuming. */
  peek(i: number): number {
    let index = this.#head + i;
    for (const chunk of this.#chunks) {
      if (index < chunk.length) return chunk[index];
      index -= chunk.length;
    }
    throw new RangeError("peek past the end");
  }

  #advance(n: number): void {
    this.#head += n;
    this.length -= n;
    while (this.#chunks.length > 0 && this.#head >= this.#chunks[0].length) {
      this.#head -= this.#chunks[0].length;
      this.#chunks.shift();
    }
  }
}

/**
 * Incremental frame reader: `push` bytes, then call `next()` until it returns null.
 * Throws a `WireError` for bytes that cannot be a frame (64-bit length with the top bit
 * set, or a length beyond `maxFrameSize`).
 */
export class FrameReader {
  readonly #queue = new ByteQueue();
  readonly #maxFrameSize: number;

  constructor(maxFrameSize = 64 * 1024 * 1024) {
    this.#maxFrameSize = maxFrameSize;
  }

  push(bytes: Uint8Array): void {
    this.#queue.push(bytes);
  }

  next(): IncomingFrame | null {
    const queue = this.#queue;
    if (queue.length < 2) return null;
    const b0 = queue.peek(0);
    const b1 = queue.peek(1);
    const masked = (b1 & 0x80) !== 0;
    const length7 = b1 & 0x7f;
    const extended = length7 === 126 ? 2 : length7 === 127 ? 8 : 0;
    const headerLength = 2 + extended + (masked ? 4 : 0);
    if (queue.length < headerLength) return null;
    let length = length7;
    let minimalLength = true;
    if (extended === 2) {
      length = (queue.peek(2) << 8) | queue.peek(3);
      minimalLength = length >= 126;
    } else if (extended === 8) {
      if (queue.peek(2) & 0x80) throw new WireError("64-bit payload length with the most significant bit set");
      let value = 0;
      for (let i = 2; i < 10; i++) value = value * 256 + queue.peek(i);
      length = value;
      minimalLength = length >= 65536;
    }
    if (length > this.#maxFrameSize) throw new WireError(`frame of ${length} bytes exceeds the reader's limit`);
    if (queue.length < headerLength + length) return null;
    const header = queue.take(headerLength);
    const mask = masked ? header.slice(headerLength - 4) : null;
    const raw = queue.take(length);
    const payload = mask === null ? raw.slice() : applyMask(raw, mask);
    return { fin: (b0 & 0x80) !== 0, rsv: (b0 >> 4) & 7, opcode: b0 & 0x0f, masked, payload, minimalLength };
  }
}

/** Bytes that no frame can start with. */
export class WireError extends Error {}

/** Concatenates byte arrays. */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0];
  let total = 0;
  for (const part of parts) total += part.length;
  const out = new Uint8Array(total);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** Whether `bytes` is well-formed UTF-8 (RFC 3629: no surrogates, no overlongs, ≤ U+10FFFF). */
export function isValidUtf8(bytes: Uint8Array): boolean {
  return isUtf8(bytes);
}
