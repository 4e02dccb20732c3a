/**
 * Cuts one direction of a connection's byte stream into what the page shows: the HTTP
 * head of the opening handshake, then one piece per WebSocket frame.
 *
 * Reads arrive in any split (a frame over many reads, many frames in one read); the pieces
 * are the same for every split. Memory stays bounded: of each frame only the header and
 * the first `keepPayload` payload bytes are kept, however long the frame says it is.
 */
import { decodeFrameHeader } from "./frame-view.js";

/** One thing seen on the wire. */
export type WirePiece =
  /** The head of the handshake request or response; `complete` is false when it was cut at `maxHead`. */
  | { readonly kind: "http"; readonly text: string; readonly complete: boolean }
  /** One frame: its header and the first payload bytes; `frameLength` counts all of it. */
  | { readonly kind: "frame"; readonly bytes: Uint8Array; readonly frameLength: number; readonly truncated: boolean }
  /** Bytes that are neither (a rejection's body, what follows an oversized head): the first ones, and how many. */
  | { readonly kind: "bytes"; readonly bytes: Uint8Array; readonly length: number };

/** Bounds of a {@link WireStream}. */
export interface WireStreamOptions {
  /** Payload bytes kept per frame (default 1024). */
  readonly keepPayload?: number;
  /** Largest HTTP head read as text (default 16 KiB, the engine's `maxHandshakeSize`). */
  readonly maxHead?: number;
}

const CR = 0x0d;
const LF = 0x0a;
const MAX_HEADER = 14;
const headDecoder = new TextDecoder("utf-8", { fatal: false });

/**
 * Splits a byte stream into HTTP head, frames and other bytes.
 *
 * A stream starts with an HTTP head when its first byte is `G` (`GET`) or `H` (`HTTP/`):
 * neither can start a valid frame (0x47 would be opcode 7, 0x48 a fragmented Close).
 * After a response head other than 101, the rest is body, not frames.
 *
 * @example
 * ```ts
 * const stream = new WireStream();
 * stream.push(new TextEncoder().encode("HTTP/1.1 101 Switching Protocols\r\n\r\n\x81\x02hi"));
 * // [{ kind: "http", text: "HTTP/1.1 101 Switching Protocols", complete: true },
 * //  { kind: "frame", bytes: 81 02 68 69, frameLength: 4, truncated: false }]
 * ```
 */
export class WireStream {
  readonly #keepPayload: number;
  readonly #maxHead: number;
  #mode: "start" | "head" | "frames" | "other" = "start";
  #head: number[] = [];
  readonly #header = new Uint8Array(MAX_HEADER);
  #headerFilled = 0;
  /** The frame being read once its header is complete: kept bytes and payload still to come. */
  #frame: { kept: Uint8Array; filled: number; remaining: number; frameLength: number } | null = null;

  constructor(options: WireStreamOptions = {}) {
    this.#keepPayload = options.keepPayload ?? 1024;
    this.#maxHead = options.maxHead ?? 16 * 1024;
  }

  /** Feeds the next bytes; returns the pieces they completed. */
  push(chunk: Uint8Array): WirePiece[] {
    const pieces: WirePiece[] = [];
    let offset = 0;
    while (offset < chunk.length) {
      switch (this.#mode) {
        case "start":
          this.#mode = chunk[offset] === 0x47 || chunk[offset] === 0x48 ? "head" : "frames";
          break;
        case "head":
          offset = this.#readHead(chunk, offset, pieces);
          break;
        case "frames":
          offset = this.#readFrame(chunk, offset, pieces);
          break;
        case "other":
          pieces.push({ kind: "bytes", bytes: new Uint8Array(chunk.subarray(offset, offset + this.#keepPayload)), length: chunk.length - offset });
          offset = chunk.length;
          break;
      }
    }
    return pieces;
  }

  #readHead(chunk: Uint8Array, offset: number, pieces: WirePiece[]): number {
    const head = this.#head;
    while (offset < chunk.length) {
      head.push(chunk[offset++]);
      const n = head.length;
      if (n >= 4 && head[n - 1] === LF && head[n - 2] === CR && head[n - 3] === LF && head[n - 4] === CR) {
        const text = headDecoder.decode(Uint8Array.from(head.slice(0, n - 4)));
        pieces.push({ kind: "http", text, complete: true });
        this.#head = [];
        const refused = text.startsWith("HTTP/") && !/^HTTP\/\S+ 101\b/.test(text);
        this.#mode = refused ? "other" : "frames";
        return offset;
      }
      if (n >= this.#maxHead) {
        pieces.push({ kind: "http", text: headDecoder.decode(Uint8Array.from(head)), complete: false });
        this.#head = [];
        this.#mode = "other";
        return offset;
      }
    }
    return offset;
  }

  #readFrame(chunk: Uint8Array, offset: number, pieces: WirePiece[]): number {
    if (this.#frame === null) {
      while (offset < chunk.length) {
        this.#header[this.#headerFilled++] = chunk[offset++];
        const reading = decodeFrameHeader(this.#header.subarray(0, this.#headerFilled));
        if (!reading.complete) continue;
        const { headerLength, payloadLength } = reading.header;
        const kept = new Uint8Array(headerLength + Math.min(payloadLength, this.#keepPayload));
        kept.set(this.#header.subarray(0, headerLength));
        this.#frame = { kept, filled: headerLength, remaining: payloadLength, frameLength: headerLength + payloadLength };
        this.#headerFilled = 0;
        break;
      }
      if (this.#frame === null) return offset;
    }
    const frame = this.#frame;
    const take = Math.min(frame.remaining, chunk.length - offset);
    const keep = Math.min(take, frame.kept.length - frame.filled);
    frame.kept.set(chunk.subarray(offset, offset + keep), frame.filled);
    frame.filled += keep;
    frame.remaining -= take;
    if (frame.remaining === 0) {
      pieces.push({
        kind: "frame",
        bytes: frame.kept,
        frameLength: frame.frameLength,
        truncated: frame.kept.length < frame.frameLength,
      });
      this.#frame = null;
    }
    return offset + take;
  }
}
