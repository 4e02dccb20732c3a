/**
 * Strict UTF-8 for the frame layer: incremental, fail-fast validation and decoding of
 * text messages across chunks and fragments (RFC 6455 §8.1), one-shot decoding of close
 * reasons, and the checks the send path needs.
 *
 * Decoding uses the platform's fatal `TextDecoder` (WHATWG rules = CPython's: overlongs,
 * surrogates and code points above U+10FFFF are errors, found at the first impossible
 * byte) with `ignoreBOM: true` so a leading U+FEFF is kept (hardening §4 items 1–3).
 * `TextDecoder` reports no position, so on failure the bytes are scanned again here to
 * build CPython's message (`'utf-8' codec can't decode byte 0xff in position 2: invalid
 * start byte`), which wsproto uses as the close reason.
 */

/** Stateless use only (never `stream: true`), so it can be shared by every connection. */
const oneShotDecoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/**
 * Up to this length, pure-ASCII chunks are converted by a loop instead of a decoder call
 * (measured on Node 20: the loop wins below about 5 bytes, the decoder above).
 */
const ASCII_LOOP_MAX = 4;

function asciiOrNull(bytes: Uint8Array): string | null {
  let text = "";
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i];
    if (byte >= 0x80) return null;
    text += String.fromCharCode(byte);
  }
  return text;
}

function hexByte(byte: number): string {
  return byte.toString(16).padStart(2, "0");
}

function codecError(bytes: Uint8Array, start: number, end: number, reason: string): string {
  return start === end
    ? `'utf-8' codec can't decode byte 0x${hexByte(bytes[start])} in position ${start}: ${reason}`
    : `'utf-8' codec can't decode bytes in position ${start}-${end}: ${reason}`;
}

/**
 * Finds the first UTF-8 error in `bytes` and describes it as CPython's
 * `str(UnicodeDecodeError)` does. A sequence cut short by the end of `bytes` is an error
 * only when `final`. Returns `null` when there is no error.
 *
 * @example
 * ```ts
 * describeUtf8Error(new Uint8Array([0x61, 0x62, 0xff]), true);
 * // "'utf-8' codec can't decode byte 0xff in position 2: invalid start byte"
 * ```
 */
export function describeUtf8Error(bytes: Uint8Array, final: boolean): string | null {
  const length = bytes.length;
  let i = 0;
  while (i < length) {
    const lead = bytes[i];
    if (lead < 0x80) {
      i++;
      continue;
    }
    let continuations: number;
    let secondMin = 0x80;
    let secondMax = 0xbf;
    if (lead >= 0xc2 && lead <= 0xdf) {
      continuations = 1;
    } else if (lead >= 0xe0 && lead <= 0xef) {
      continuations = 2;
      if (lead === 0xe0) secondMin = 0xa0; // overlong
      else if (lead === 0xed) secondMax = 0x9f; // surrogates
    } else if (lead >= 0xf0 && lead <= 0xf4) {
      continuations = 3;
      if (lead === 0xf0) secondMin = 0x90; // overlong
      else if (lead === 0xf4) secondMax = 0x8f; // above U+10FFFF
    } else {
      return codecError(bytes, i, i, "invalid start byte");
    }
    for (let j = 1; j <= continuations; j++) {
      if (i + j >= length) {
        return final ? codecError(bytes, i, length - 1, "unexpected end of data") : null;
      }
      const byte = bytes[i + j];
      const min = j === 1 ? secondMin : 0x80;
      const max = j === 1 ? secondMax : 0xbf;
      if (byte < min || byte > max) return codecError(bytes, i, i + j - 1, "invalid continuation byte");
    }
    i += continuations + 1;
  }
  return null;
}

/** The message when `TextDecoder` and {@link describeUtf8Error} disagree (never expected). */
const GENERIC_ERROR = "'utf-8' codec can't decode bytes: invalid data";

/**
 * Decodes one complete UTF-8 text (a close reason). Returns `null` when it is not valid
 * UTF-8; `error` then says why.
 *
 * @example
 * ```ts
 * decodeUtf8(new Uint8Array([0x68, 0x69])); // { text: "hi", error: "" }
 * ```
 */
export function decodeUtf8(bytes: Uint8Array): { text: string | null; error: string } {
  try {
    return { text: oneShotDecoder.decode(bytes), error: "" };
  } catch {
    return { text: null, error: describeUtf8Error(bytes, true) ?? GENERIC_ERROR };
  }
}

/** Bytes in the UTF-8 sequence a lead byte starts (invalid leads count as 2 or 4, so a scan checks them). */
function sequenceSize(lead: number): number {
  return lead < 0x80 ? 1 : lead < 0xe0 ? 2 : lead < 0xf0 ? 3 : 4;
}

/** Where a character left unfinished at the end of `bytes` starts, or `bytes.length`. */
function unfinishedTailStart(bytes: Uint8Array): number {
  const length = bytes.length;
  if (length === 0 || bytes[length - 1] < 0x80) return length;
  let start = length - 1;
  while (start > 0 && start > length - 4 && (bytes[start] & 0xc0) === 0x80) start--;
  const lead = bytes[start];
  if ((lead & 0xc0) === 0x80) return length; // no lead byte: decoding the whole will fail
  return length - start < sequenceSize(lead) ? start : length;
}

/** One-shot decode with a loop for short ASCII; throws on invalid UTF-8. */
function decodeComplete(bytes: Uint8Array): string {
  if (bytes.length <= ASCII_LOOP_MAX) {
    const ascii = asciiOrNull(bytes);
    if (ascii !== null) return ascii;
  }
  return oneShotDecoder.decode(bytes);
}

/**
 * Decodes the text of one message chunk by chunk, failing at the first chunk that makes
 * the text impossible (not at the end of the message). A chunk may end inside a
 * character; its bytes are carried into the next chunk.
 *
 * Only one-shot `TextDecoder` calls are made: Node's decoder leaves its fast (simdutf)
 * path for good once an instance is used with `stream: true` (measured 4–6× slower), so
 * the unfinished character at a chunk's end is split off and carried here instead.
 *
 * @example
 * ```ts
 * const utf8 = new Utf8StreamDecoder();
 * utf8.decode(new Uint8Array([0x61, 0xe2, 0x82]), false); // "a"
 * utf8.decode(new Uint8Array([0xac]), true);              // "€"
 * utf8.decode(new Uint8Array([0xff]), true);              // null; utf8.error says why
 * ```
 */
export class Utf8StreamDecoder {
  /**
   * The bytes of an unfinished character carried from earlier chunks (at most 3), then
   * room to complete it. Made on first need: most connections never split a character,
   * and each small typed array costs ~180 bytes of heap per connection.
   */
  #pending: Uint8Array | null = null;
  #pendingLength = 0;
  /** Why the last call returned `null`, as CPython words it. */
  error = "";

  /**
   * Decodes the next chunk of the current message; `final` marks its last chunk. Returns
   * the text completed by this chunk (possibly `""`), or `null` when the bytes are not
   * UTF-8. After the final chunk or a failure the decoder is ready for a new message.
   */
  decode(chunk: Uint8Array, final: boolean): string | null {
    try {
      return this.#decode(chunk, final);
    } catch {
      return this.#fail(chunk, final);
    }
  }

  /** Forgets any partial message. */
  reset(): void {
    this.#pendingLength = 0;
  }

  /** Like `decode`, but throws (from `TextDecoder`) on invalid bytes; state changes only on success. */
  #decode(chunk: Uint8Array, final: boolean): string | null {
    let completed = "";
    let body = chunk;
    const pendingLength = this.#pendingLength;
    if (pendingLength > 0) {
      // Finish the carried character with the first bytes of this chunk.
      const pending = this.#pending!;
      const size = sequenceSize(pending[0]);
      const taken = Math.min(size - pendingLength, chunk.length);
      for (let i = 0; i < taken; i++) pending[pendingLength + i] = chunk[i];
      if (pendingLength + taken < size) {
        const prefix = pending.subarray(0, pendingLength + taken);
        if (final || describeUtf8Error(prefix, false) !== null) return this.#fail(chunk, final);
        this.#pendingLength = pendingLength + taken;
        return "";
      }
      completed = oneShotDecoder.decode(pending.subarray(0, size));
      body = chunk.subarray(taken);
    }
    if (final) {
      const text = completed + decodeComplete(body);
      this.#pendingLength = 0;
      return text;
    }
    const cut = unfinishedTailStart(body);
    const tail = body.subarray(cut);
    if (describeUtf8Error(tail, false) !== null) return this.#fail(chunk, final);
    const text = completed + decodeComplete(cut === body.length ? body : body.subarray(0, cut));
    if (tail.length > 0) (this.#pending ??= new Uint8Array(4)).set(tail);
    this.#pendingLength = tail.length;
    return text;
  }

  #fail(chunk: Uint8Array, final: boolean): null {
    const pendingLength = this.#pendingLength;
    let bytes = chunk;
    if (pendingLength > 0) {
      bytes = new Uint8Array(pendingLength + chunk.length);
      bytes.set(this.#pending!.subarray(0, pendingLength));
      bytes.set(chunk, pendingLength);
    }
    this.error = describeUtf8Error(bytes, final) ?? GENERIC_ERROR;
    this.#pendingLength = 0;
    return null;
  }
}

const nativeIsWellFormed = (String.prototype as { isWellFormed?: (this: string) => boolean })
  .isWellFormed;

/**
 * Whether `text` has no lone surrogate, i.e. encodes to UTF-8 without U+FFFD replacement
 * (`String.prototype.isWellFormed` where the runtime has it).
 *
 * @example
 * ```ts
 * isWellFormedText("a\u{1F600}"); // true
 * isWellFormedText("a\uD800b");   // false
 * ```
 */
export function isWellFormedText(text: string): boolean {
  if (nativeIsWellFormed !== undefined) return nativeIsWellFormed.call(text);
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0xd800 || unit > 0xdfff) continue;
    const next = i + 1 < text.length ? text.charCodeAt(i + 1) : 0;
    if (unit > 0xdbff || next < 0xdc00 || next > 0xdfff) return false;
    i++;
  }
  return true;
}

/**
 * Cuts UTF-8 `bytes` to at most `maxBytes` without splitting a character (wsproto's
 * `_truncate_utf8`, §7.3). Returns a view.
 *
 * @example
 * ```ts
 * truncateUtf8(new TextEncoder().encode("é".repeat(100)), 123).length; // 122
 * ```
 */
export function truncateUtf8(bytes: Uint8Array, maxBytes: number): Uint8Array {
  if (bytes.length <= maxBytes) return bytes;
  let end = maxBytes;
  while (end > 0 && (bytes[end] & 0xc0) === 0x80) end--;
  return bytes.subarray(0, end);
}
