/**
 * Bodies of rejection responses (RFC 9112 §6): how a response delimits its body, an
 * incremental reader for the client, and an encoder for the server.
 *
 * The reader streams body bytes out as views of the input, so the body itself is never
 * buffered; only chunk-size and trailer lines are, and those are bounded.
 */

import { LocalProtocolError } from "../errors.js";
import type { Headers } from "../events.js";
import { DEFAULT_HEAD_LIMITS, type HeadLimits } from "./http-head.js";
import { concatBytes } from "../bytes.js";
import { latin1Encode } from "./bytes.js";
import { excerpt, groupHeaders, splitCommaList } from "./header-values.js";

/**
 * How a response body is delimited:
 * - `none`: no body (1xx, 204, 304, `Content-Length: 0`);
 * - `length`: exactly `length` bytes (`Content-Length`);
 * - `chunked`: the chunked transfer coding;
 * - `close`: everything until the transport closes.
 */
export type BodyFraming =
  | { readonly kind: "none" }
  | { readonly kind: "length"; readonly length: number }
  | { readonly kind: "chunked" }
  | { readonly kind: "close" };

const NONE: BodyFraming = Object.freeze({ kind: "none" });
const CHUNKED: BodyFraming = Object.freeze({ kind: "chunked" });
const CLOSE: BodyFraming = Object.freeze({ kind: "close" });

/** Content-Length values longer than this are refused (15 digits stay below 2^53). */
const MAX_LENGTH_DIGITS = 15;

/**
 * The body framing of a response (RFC 9112 §6.3), or a description of why it is invalid
 * (conflicting or non-numeric `Content-Length`).
 *
 * @example
 * ```ts
 * responseBodyFraming(404, [["content-length", "5"]]); // { kind: "length", length: 5 }
 * responseBodyFraming(400, []);                        // { kind: "close" }
 * ```
 */
export function responseBodyFraming(statusCode: number, headers: Headers): BodyFraming | string {
  if (statusCode < 200 || statusCode === 204 || statusCode === 304) return NONE;
  const groups = groupHeaders(headers);
  const transferEncoding = groups.get("transfer-encoding");
  if (transferEncoding !== undefined) {
    const codings = transferEncoding.flatMap(splitCommaList).filter((c) => c.length > 0);
    const last = codings[codings.length - 1];
    return last !== undefined && last.toLowerCase() === "chunked" ? CHUNKED : CLOSE;
  }
  const contentLength = groups.get("content-length");
  if (contentLength === undefined) return CLOSE;
  // A list of identical values ("5, 5") is one length (RFC 9110 §8.6); anything else is refused.
  const values = contentLength.flatMap(splitCommaList);
  const first = values[0];
  if (values.some((v) => v !== first)) return "conflicting Content-Length values";
  if (first.length === 0 || first.length > MAX_LENGTH_DIGITS || !isDigits(first)) {
    return `invalid Content-Length ${JSON.stringify(excerpt(first))}`;
  }
  const length = Number(first);
  return length === 0 ? NONE : { kind: "length", length };
}

function isDigits(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x30 || code > 0x39) return false;
  }
  return true;
}

/**
 * What one `feed`/`end` call of a {@link RejectBodyReader} found: body bytes (views of
 * the input, possibly none) and whether the body is now complete; or a failure.
 */
export type BodyReadResult =
  | { readonly status: "data"; readonly chunks: readonly Uint8Array[]; readonly finished: boolean }
  | { readonly status: "failed"; readonly message: string };

const LF = 0x0a;
const CR = 0x0d;
const SP = 0x20;
const HTAB = 0x09;
const SEMICOLON = 0x3b;

/** Longest chunk-size line accepted, extensions included. */
const MAX_CHUNK_LINE = 4096;
/** More hex digits than this would exceed 2^52. */
const MAX_CHUNK_SIZE_DIGITS = 13;

type ChunkedState = "size" | "data" | "data-cr" | "data-lf" | "trailer" | "done";

/**
 * Reads the body of a rejection response incrementally. Body bytes come out as views of
 * the input chunks; bytes after the end of the body are ignored.
 *
 * @example
 * ```ts
 * const reader = new RejectBodyReader({ kind: "length", length: 5 });
 * reader.feed(new TextEncoder().encode("Hel")); // { status: "data", chunks: [Hel], finished: false }
 * reader.feed(new TextEncoder().encode("lo"));  // { status: "data", chunks: [lo], finished: true }
 * ```
 */
export class RejectBodyReader {
  readonly #framing: BodyFraming;
  readonly #limits: HeadLimits;
  #remaining: number;
  #state: ChunkedState = "size";
  #line: number[] = [];
  #trailerBytes = 0;
  #trailerLines = 0;
  #finished: boolean;
  #failed = false;

  /** `limits` bound the chunked trailer section like a head. */
  constructor(framing: BodyFraming, limits: Partial<HeadLimits> = {}) {
    this.#framing = framing;
    this.#limits = { ...DEFAULT_HEAD_LIMITS, ...limits };
    this.#remaining = framing.kind === "length" ? framing.length : 0;
    this.#finished = framing.kind === "none";
  }

  /** Whether the whole body has been read. */
  get finished(): boolean {
    return this.#finished;
  }

  /**
   * Consumes the next chunk of input.
   *
   * @throws {LocalProtocolError} after a failure was reported.
   */
  feed(chunk: Uint8Array): BodyReadResult {
    this.#requireUsable();
    if (this.#finished) return { status: "data", chunks: [], finished: true };
    switch (this.#framing.kind) {
      case "close":
        return { status: "data", chunks: chunk.length > 0 ? [chunk] : [], finished: false };
      case "length": {
        const take = Math.min(this.#remaining, chunk.length);
        this.#remaining -= take;
        this.#finished = this.#remaining === 0;
        return { status: "data", chunks: take > 0 ? [chunk.subarray(0, take)] : [], finished: this.#finished };
      }
      default:
        return this.#feedChunked(chunk);
    }
  }

  /**
   * Reports the end of input: completes a close-delimited body; anything else that is
   * not finished yet fails.
   *
   * @throws {LocalProtocolError} after a failure was reported.
   */
  end(): BodyReadResult {
    this.#requireUsable();
    if (this.#framing.kind === "close") this.#finished = true;
    if (this.#finished) return { status: "data", chunks: [], finished: true };
    return this.#fail("connection closed before the end of the response body");
  }

  #requireUsable(): void {
    if (this.#failed) throw new LocalProtocolError("The response body already failed: stop feeding it");
  }

  #fail(message: string): BodyReadResult {
    this.#failed = true;
    return { status: "failed", message };
  }

  #feedChunked(chunk: Uint8Array): BodyReadResult {
    const chunks: Uint8Array[] = [];
    let pos = 0;
    while (pos < chunk.length && this.#state !== "done") {
      switch (this.#state) {
        case "data": {
          const take = Math.min(this.#remaining, chunk.length - pos);
          chunks.push(chunk.subarray(pos, pos + take));
          pos += take;
          this.#remaining -= take;
          if (this.#remaining === 0) this.#state = "data-cr";
          break;
        }
        case "data-cr":
        case "data-lf": {
          // Exactly CRLF after chunk data (lenient terminators were h11 CVE-2025-43859).
          const expected = this.#state === "data-cr" ? CR : LF;
          if (chunk[pos++] !== expected) return this.#fail("chunk data not followed by CRLF");
          this.#state = this.#state === "data-cr" ? "data-lf" : "size";
          break;
        }
        default: {
          const lf = chunk.indexOf(LF, pos);
          const end = lf < 0 ? chunk.length : lf + 1;
          const failure = this.#collectLine(chunk.subarray(pos, end));
          if (failure !== null) return this.#fail(failure);
          pos = end;
          if (lf >= 0) {
            const lineFailure = this.#state === "size" ? this.#sizeLine() : this.#trailerLine();
            if (lineFailure !== null) return this.#fail(lineFailure);
          }
        }
      }
    }
    this.#finished = this.#state === "done";
    return { status: "data", chunks, finished: this.#finished };
  }

  /** Appends part of a size or trailer line, within its bound. */
  #collectLine(part: Uint8Array): string | null {
    const limit = this.#state === "size" ? MAX_CHUNK_LINE : this.#limits.maxHandshakeSize - this.#trailerBytes;
    if (this.#line.length + part.length > limit) {
      return this.#state === "size" ? "chunk-size line too long" : "trailer section larger than maxHandshakeSize";
    }
    for (const byte of part) this.#line.push(byte);
    return null;
  }

  /** Takes the completed line (with its LF) and checks it ends in CRLF; returns its content. */
  #takeLine(): number[] | null {
    const line = this.#line;
    this.#line = [];
    if (line.length < 2 || line[line.length - 2] !== CR) return null;
    line.length -= 2;
    return line.includes(CR) ? null : line;
  }

  /** `chunk-size [ BWS ";" chunk-ext ]` (RFC 9112 §7.1). */
  #sizeLine(): string | null {
    const line = this.#takeLine();
    if (line === null) return "chunk-size line not ended by CRLF";
    let size = 0;
    let at = 0;
    for (; at < line.length; at++) {
      const digit = hexValue(line[at]);
      if (digit < 0) break;
      if (at === MAX_CHUNK_SIZE_DIGITS) return "chunk size too large";
      size = size * 16 + digit;
    }
    if (at === 0) return "missing chunk size";
    while (at < line.length && (line[at] === SP || line[at] === HTAB)) at++;
    if (at < line.length && line[at] !== SEMICOLON) return "malformed chunk-size line";
    if (size === 0) {
      this.#state = "trailer";
    } else {
      this.#remaining = size;
      this.#state = "data";
    }
    return null;
  }

  /** A trailer field line (ignored) or the empty line that ends the body. */
  #trailerLine(): string | null {
    const length = this.#line.length;
    const line = this.#takeLine();
    if (line === null) return "trailer line not ended by CRLF";
    if (line.length === 0) {
      this.#state = "done";
      return null;
    }
    this.#trailerBytes += length;
    if (++this.#trailerLines > this.#limits.maxHeaders) return "more trailer lines than maxHeaders";
    return null;
  }
}

function hexValue(byte: number): number {
  if (byte >= 0x30 && byte <= 0x39) return byte - 0x30;
  const lower = byte | 0x20;
  if (lower >= 0x61 && lower <= 0x66) return lower - 0x61 + 10;
  return -1;
}

/** The framing a server uses for a rejection body it writes. */
export type OutboundBodyFraming = Exclude<BodyFraming, { kind: "none" }>;

const CRLF = Uint8Array.of(CR, LF);
const LAST_CHUNK = Uint8Array.of(0x30, CR, LF, CR, LF);

/**
 * Encodes the body of a rejection response, piece by piece, in its framing; checks that
 * a `Content-Length` body is exactly as long as declared.
 *
 * @example
 * ```ts
 * const writer = new RejectBodyWriter({ kind: "chunked" });
 * writer.write(new TextEncoder().encode("Hello"), true); // "5\r\nHello\r\n0\r\n\r\n"
 * ```
 */
export class RejectBodyWriter {
  readonly #framing: OutboundBodyFraming;
  #written = 0;
  #finished = false;

  constructor(framing: OutboundBodyFraming) {
    this.#framing = framing;
  }

  /** Whether the last piece was written. */
  get finished(): boolean {
    return this.#finished;
  }

  /**
   * The bytes that carry `data`; with `finished`, also whatever ends the body.
   *
   * @throws {LocalProtocolError} after the body was finished, or when the data would not
   * match the declared `Content-Length`.
   */
  write(data: Uint8Array, finished: boolean): Uint8Array {
    if (this.#finished) throw new LocalProtocolError("The rejection body is already finished: send nothing more");
    if (!(data instanceof Uint8Array)) throw new LocalProtocolError("RejectData.data must be a Uint8Array");
    const framing = this.#framing;
    if (framing.kind === "length") {
      const total = this.#written + data.length;
      if (total > framing.length || (finished && total < framing.length)) {
        throw new LocalProtocolError(
          `The rejection body must be exactly Content-Length (${framing.length}) bytes; ` +
            `this RejectData would make it ${total}${finished ? " and finish it" : ""}`,
        );
      }
    }
    this.#written += data.length;
    this.#finished = finished;
    if (framing.kind !== "chunked") return data.slice();
    const parts: Uint8Array[] = [];
    if (data.length > 0) {
      parts.push(latin1Encode(data.length.toString(16)), CRLF, data, CRLF);
    }
    if (finished) parts.push(LAST_CHUNK);
    return concatBytes(parts);
  }
}
