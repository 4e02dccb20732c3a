/**
 * An incremental, bounded, linear-time parser for one HTTP/1.1 request or response head.
 *
 * Feed it chunks as they arrive. Each byte is scanned once for the line end, copied once
 * into a buffer holding only the current line, and validated once when its line is
 * complete, so the total work is O(n) however the input is split (tungstenite
 * CVE-2023-43669 re-parsed the head from the start on every read). The size and header
 * count limits hold whatever the chunking, including a whole oversized head in one chunk
 * (h11 only bounds incomplete data).
 *
 * Strictness (RFC 9112 §2.2, §5): lines end in CRLF (a bare LF is rejected, hardening
 * H22); no bare CR, NUL or other control character in the start line or a field value;
 * no obs-fold; no whitespace between a field name and its colon; field names are tokens.
 * Empty lines before the start line are rejected too (RFC 9112 §2.2 allows ignoring them;
 * a WebSocket client never sends them, so they only show a confused or hostile peer).
 *
 * Field names are reported lower-case and values without surrounding whitespace; values
 * are read as Latin-1 (one character per byte), so every byte sequence decodes.
 */

import { LocalProtocolError } from "../errors.js";
import type { Headers } from "../events.js";
import { latin1Decode } from "./bytes.js";
import { TCHAR, isFieldValueByte } from "./header-values.js";

const LF = 0x0a;
const CR = 0x0d;
const SP = 0x20;
const HTAB = 0x09;
const COLON = 0x3a;

/** Size limits of a head; see DESIGN "Limits". */
export interface HeadLimits {
  /** Total bytes of the head, start line to the final empty line included. Default 16 KiB. */
  readonly maxHandshakeSize: number;
  /** Header lines in the head. Default 100. */
  readonly maxHeaders: number;
}

/** The default {@link HeadLimits}: 16 KiB and 100 header lines. */
export const DEFAULT_HEAD_LIMITS: HeadLimits = Object.freeze({ maxHandshakeSize: 16384, maxHeaders: 100 });

/** A parsed request head. */
export interface RequestHead {
  readonly method: string;
  readonly target: string;
  /** `"1.1"` for `HTTP/1.1`; any `d.d` is reported, the caller decides what it supports. */
  readonly httpVersion: string;
  /** In arrival order; names lower-case, values OWS-trimmed. */
  readonly headers: Headers;
}

/** A parsed response head. */
export interface ResponseHead {
  readonly httpVersion: string;
  readonly statusCode: number;
  readonly reasonPhrase: string;
  readonly headers: Headers;
}

/**
 * Why a head was refused:
 * - `malformed`: the bytes break the HTTP/1.1 grammar (a server answers 400);
 * - `start-line-too-long`: the limit was reached inside the request/status line (414);
 * - `head-too-large`: the limit was reached in the header section (431);
 * - `too-many-headers`: more than `maxHeaders` header lines (431);
 * - `incomplete`: the input ended (EOF) before the head did.
 */
export type HeadFailureReason =
  | "malformed"
  | "start-line-too-long"
  | "head-too-large"
  | "too-many-headers"
  | "incomplete";

/** A refused head: the reason and a human-readable description. */
export interface HeadFailure {
  readonly reason: HeadFailureReason;
  readonly message: string;
}

/**
 * What one `feed`/`end` call found:
 * - `incomplete`: need more bytes;
 * - `complete`: the head, and a copy of the bytes of this chunk that followed it (frames
 *   the peer sent early, a pipelined request, a body: never dropped);
 * - `failed`: the head is refused; the parser accepts no more input.
 */
export type HeadParseResult<H> =
  | { readonly status: "incomplete" }
  | { readonly status: "complete"; readonly head: H; readonly trailing: Uint8Array }
  | { readonly status: "failed"; readonly failure: HeadFailure };

const INCOMPLETE = Object.freeze({ status: "incomplete" as const });

function requireLimit(name: string, value: unknown): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 1) {
    throw new LocalProtocolError(`${name} must be a positive safe integer, not ${String(value)}`);
  }
  return value;
}

/** A head without its headers: what the start line holds. */
type StartLine<H> = Omit<H, "headers">;

/** Parses a start line (without its CRLF); returns its parts or what is wrong. */
type StartLineParser<H> = (bytes: Uint8Array, start: number, end: number) => StartLine<H> | string;

/**
 * Incremental parser for one HTTP/1.1 head. Create it with {@link HttpHeadParser.request}
 * or {@link HttpHeadParser.response}.
 *
 * @example
 * ```ts
 * const parser = HttpHeadParser.request();
 * const result = parser.feed(chunk);
 * if (result.status === "complete") {
 *   console.log(result.head.target, result.head.headers, result.trailing.length);
 * } else if (result.status === "failed") {
 *   console.log(result.failure.reason); // e.g. "head-too-large"
 * }
 * ```
 */
export class HttpHeadParser<H extends { readonly headers: Headers }> {
  readonly #limits: HeadLimits;
  readonly #parseStartLine: StartLineParser<H>;
  /** The current, incomplete line; earlier lines are already parsed. */
  #line: Uint8Array;
  #lineLength = 0;
  /** Head bytes so far, the current line included. */
  #total = 0;
  #startLine: StartLine<H> | null = null;
  #headers: Array<readonly [string, string]> = [];
  #finished = false;

  /** A parser for a request head (server side). */
  static request(limits: Partial<HeadLimits> = {}): HttpHeadParser<RequestHead> {
    return new HttpHeadParser<RequestHead>(limits, parseRequestLine);
  }

  /** A parser for a response head (client side). */
  static response(limits: Partial<HeadLimits> = {}): HttpHeadParser<ResponseHead> {
    return new HttpHeadParser<ResponseHead>(limits, parseStatusLine);
  }

  private constructor(limits: Partial<HeadLimits>, parseStartLine: StartLineParser<H>) {
    this.#limits = {
      maxHandshakeSize: requireLimit("maxHandshakeSize", limits.maxHandshakeSize ?? DEFAULT_HEAD_LIMITS.maxHandshakeSize),
      maxHeaders: requireLimit("maxHeaders", limits.maxHeaders ?? DEFAULT_HEAD_LIMITS.maxHeaders),
    };
    this.#parseStartLine = parseStartLine;
    this.#line = new Uint8Array(Math.min(1024, this.#limits.maxHandshakeSize));
  }

  /** Head bytes received so far (0 means the peer has sent nothing yet). */
  get bytesReceived(): number {
    return this.#total;
  }

  /**
   * Consumes the next chunk of input.
   *
   * @throws {LocalProtocolError} when called after the head was complete or refused.
   */
  feed(chunk: Uint8Array): HeadParseResult<H> {
    this.#requireOpen();
    let pos = 0;
    while (pos < chunk.length) {
      const room = this.#limits.maxHandshakeSize - this.#total;
      // Never look further than the limit allows: an oversized chunk costs O(limit).
      const window = chunk.subarray(pos, pos + room);
      const lf = window.indexOf(LF);
      if (lf < 0) {
        if (window.length < chunk.length - pos) return this.#fail(this.#sizeFailure());
        this.#append(window);
        return INCOMPLETE;
      }
      this.#append(window.subarray(0, lf + 1));
      pos += lf + 1;
      const outcome = this.#completeLine();
      if (outcome === END_OF_HEAD) {
        this.#finished = true;
        const head = Object.freeze({ ...this.#startLine, headers: Object.freeze(this.#headers) }) as H;
        this.#line = EMPTY;
        return { status: "complete", head, trailing: chunk.slice(pos) };
      }
      if (outcome !== null) return this.#fail(outcome);
    }
    return INCOMPLETE;
  }

  /**
   * Reports the end of input (the transport closed): always a `failed` result with
   * reason `incomplete`, since the head did not end. `bytesReceived` tells an idle
   * connection (0) from a truncated head.
   *
   * @throws {LocalProtocolError} when called after the head was complete or refused.
   */
  end(): HeadParseResult<H> {
    this.#requireOpen();
    const message =
      this.#total === 0
        ? "connection closed before any byte of the head"
        : `connection closed after ${this.#total} bytes, inside the head`;
    return this.#fail({ reason: "incomplete", message });
  }

  #requireOpen(): void {
    if (this.#finished) {
      throw new LocalProtocolError("The HTTP head was already parsed or refused: route later bytes elsewhere");
    }
  }

  #fail(failure: HeadFailure): HeadParseResult<H> {
    this.#finished = true;
    this.#line = EMPTY;
    return { status: "failed", failure };
  }

  #sizeFailure(): HeadFailure {
    const limit = this.#limits.maxHandshakeSize;
    return this.#startLine === null
      ? { reason: "start-line-too-long", message: `start line longer than maxHandshakeSize (${limit} bytes)` }
      : { reason: "head-too-large", message: `head larger than maxHandshakeSize (${limit} bytes)` };
  }

  #append(bytes: Uint8Array): void {
    const needed = this.#lineLength + bytes.length;
    if (needed > this.#line.length) {
      // Doubling keeps total copying linear; the limit caps the size.
      let size = this.#line.length * 2;
      while (size < needed) size *= 2;
      const grown = new Uint8Array(Math.min(size, this.#limits.maxHandshakeSize));
      grown.set(this.#line.subarray(0, this.#lineLength));
      this.#line = grown;
    }
    this.#line.set(bytes, this.#lineLength);
    this.#lineLength = needed;
    this.#total += bytes.length;
  }

  /** Validates the line that just ended with LF; returns END_OF_HEAD, a failure, or null. */
  #completeLine(): HeadFailure | typeof END_OF_HEAD | null {
    const bytes = this.#line;
    const lfAt = this.#lineLength - 1;
    this.#lineLength = 0;
    if (lfAt === 0 || bytes[lfAt - 1] !== CR) return malformed("line ends in a bare LF instead of CRLF");
    const end = lfAt - 1; // content excludes CRLF
    if (this.#startLine === null) {
      if (end === 0) return malformed("empty line before the start line");
      const line = this.#parseStartLine(bytes, 0, end);
      if (typeof line === "string") return malformed(line);
      this.#startLine = line;
      return null;
    }
    if (end === 0) return END_OF_HEAD;
    if (this.#headers.length === this.#limits.maxHeaders) {
      return { reason: "too-many-headers", message: `more than maxHeaders (${this.#limits.maxHeaders}) header lines` };
    }
    const header = parseHeaderLine(bytes, 0, end);
    if (typeof header === "string") return malformed(header);
    this.#headers.push(header);
    return null;
  }
}

const END_OF_HEAD = Symbol("end of head");
const EMPTY = new Uint8Array(0);

function malformed(message: string): HeadFailure {
  return { reason: "malformed", message };
}

/** `name: value` without CRLF → [lower-case name, trimmed value], or a message. */
function parseHeaderLine(bytes: Uint8Array, start: number, end: number): readonly [string, string] | string {
  const first = bytes[start];
  if (first === SP || first === HTAB) return "obs-fold (a header line starting with whitespace)";
  let at = start;
  while (at < end && TCHAR[bytes[at]] === 1) at++;
  if (at === end) return "header line without a colon";
  const stop = bytes[at];
  if (stop !== COLON) {
    return stop === SP || stop === HTAB ? "whitespace between a header name and its colon" : "invalid character in a header name";
  }
  if (at === start) return "empty header name";
  const name = latin1Decode(bytes, start, at).toLowerCase();
  let valueStart = at + 1;
  let valueEnd = end;
  while (valueStart < valueEnd && (bytes[valueStart] === SP || bytes[valueStart] === HTAB)) valueStart++;
  while (valueEnd > valueStart && (bytes[valueEnd - 1] === SP || bytes[valueEnd - 1] === HTAB)) valueEnd--;
  for (let i = valueStart; i < valueEnd; i++) {
    if (!isFieldValueByte(bytes[i])) return `control character 0x${bytes[i].toString(16).padStart(2, "0")} in the value of ${name}`;
  }
  // Frozen here, so the Request event can keep the very pair instead of a frozen copy.
  return Object.freeze([name, latin1Decode(bytes, valueStart, valueEnd)] as const);
}

/** Reads `HTTP/d.d` at `bytes[start, start + 8)`; returns `"d.d"` or null. */
function parseVersion(bytes: Uint8Array, start: number, end: number): string | null {
  if (end - start !== 8) return null;
  const isDigit = (b: number): boolean => b >= 0x30 && b <= 0x39;
  const prefix = "HTTP/";
  for (let i = 0; i < 5; i++) if (bytes[start + i] !== prefix.charCodeAt(i)) return null;
  const major = bytes[start + 5];
  const dot = bytes[start + 6];
  const minor = bytes[start + 7];
  if (!isDigit(major) || dot !== 0x2e || !isDigit(minor)) return null;
  return String.fromCharCode(major, dot, minor);
}

/** `method SP request-target SP HTTP-version` (RFC 9112 §3). */
function parseRequestLine(bytes: Uint8Array, start: number, end: number): StartLine<RequestHead> | string {
  let at = start;
  while (at < end && TCHAR[bytes[at]] === 1) at++;
  if (at === start || at === end || bytes[at] !== SP) return "malformed request line (method)";
  const method = latin1Decode(bytes, start, at);
  const targetStart = at + 1;
  at = targetStart;
  while (at < end && bytes[at] > SP && bytes[at] < 0x7f) at++;
  if (at === targetStart || at === end || bytes[at] !== SP) return "malformed request line (target)";
  const target = latin1Decode(bytes, targetStart, at);
  const httpVersion = parseVersion(bytes, at + 1, end);
  if (httpVersion === null) return "malformed request line (HTTP version)";
  return { method, target, httpVersion };
}

/** `HTTP-version SP 3DIGIT SP reason-phrase` (RFC 9112 §4; the last SP is tolerated missing). */
function parseStatusLine(bytes: Uint8Array, start: number, end: number): StartLine<ResponseHead> | string {
  const httpVersion = parseVersion(bytes, start, Math.min(end, start + 8));
  if (httpVersion === null || end < start + 12 || bytes[start + 8] !== SP) return "malformed status line";
  let statusCode = 0;
  for (let i = start + 9; i < start + 12; i++) {
    const digit = bytes[i] - 0x30;
    if (digit < 0 || digit > 9) return "malformed status code";
    statusCode = statusCode * 10 + digit;
  }
  if (statusCode < 100) return "malformed status code";
  if (end === start + 12) return { httpVersion, statusCode, reasonPhrase: "" };
  if (bytes[start + 12] !== SP) return "malformed status line";
  for (let i = start + 13; i < end; i++) {
    if (!isFieldValueByte(bytes[i])) return "control character in the reason phrase";
  }
  return { httpVersion, statusCode, reasonPhrase: latin1Decode(bytes, start + 13, end) };
}
