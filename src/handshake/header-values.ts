/**
 * HTTP field grammar shared by the handshake: the token table, comma lists, header
 * lookup that never touches `Object.prototype`, and validation of everything the
 * application asks us to write into a head (no CR/LF/NUL injection: undici CVE-2026-1527).
 *
 * Every scanner here is a single left-to-right pass without regular expressions, so the
 * work is linear in the input whatever its shape (ws CVE-2021-32640 was a regex with
 * adjacent space quantifiers).
 */

import { LocalProtocolError } from "../errors.js";
import type { Headers } from "../events.js";

const SP = 0x20;
const HTAB = 0x09;

/** `TCHAR[byte] === 1` when the byte is an RFC 9110 §5.6.2 `tchar`. */
export const TCHAR: Uint8Array = (() => {
  const table = new Uint8Array(256);
  for (const c of "!#$%&'*+-.^_`|~") table[c.charCodeAt(0)] = 1;
  for (let c = 0x30; c <= 0x39; c++) table[c] = 1;
  for (let c = 0x41; c <= 0x5a; c++) table[c] = 1;
  for (let c = 0x61; c <= 0x7a; c++) table[c] = 1;
  return table;
})();

/** Whether a byte may appear in a field value: HTAB, SP, VCHAR or obs-text (RFC 9110 §5.5). */
export function isFieldValueByte(byte: number): boolean {
  return byte === HTAB || (byte >= SP && byte !== 0x7f && byte <= 0xff);
}

/**
 * Whether `text` is an RFC 9110 token: one or more of ``!#$%&'*+-.^_`|~``, digits, letters.
 *
 * @example
 * ```ts
 * isToken("chat.v2"); // true
 * isToken("ch@t");    // false
 * ```
 */
export function isToken(text: string): boolean {
  if (text.length === 0) return false;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code > 0xff || TCHAR[code] !== 1) return false;
  }
  return true;
}

/**
 * A peer-supplied value for an error message, cut to `max` characters so a huge header
 * does not become a huge message.
 */
export function excerpt(text: string, max = 64): string {
  return text.length > max ? text.slice(0, max) + "…" : text;
}

function isOws(code: number): boolean {
  return code === SP || code === HTAB;
}

/** `text` without leading and trailing SP / HTAB. */
export function trimOws(text: string): string {
  let start = 0;
  let end = text.length;
  while (start < end && isOws(text.charCodeAt(start))) start++;
  while (end > start && isOws(text.charCodeAt(end - 1))) end--;
  return text.slice(start, end);
}

/**
 * Splits a comma-separated header value into its elements, each OWS-trimmed. Empty
 * elements are kept (as `""`) so callers can decide whether they are an error. There is
 * no quoted-string awareness: use it only for lists of tokens.
 *
 * @example
 * ```ts
 * splitCommaList("chat, , superchat"); // ["chat", "", "superchat"]
 * ```
 */
export function splitCommaList(value: string): string[] {
  const elements: string[] = [];
  let start = 0;
  for (;;) {
    const comma = value.indexOf(",", start);
    const end = comma < 0 ? value.length : comma;
    elements.push(trimOws(value.slice(start, end)));
    if (comma < 0) return elements;
    start = comma + 1;
  }
}

/**
 * Whether a comma list (possibly spread over several header lines) holds `token`,
 * compared ASCII case-insensitively; empty elements are ignored. Used for `Connection`
 * and `Upgrade`, whose tokens are case-insensitive (RFC 9110 §7.6.1, RFC 6455 §4.2.1).
 *
 * @example
 * ```ts
 * listHasToken(["keep-alive, Upgrade"], "upgrade"); // true
 * ```
 */
export function listHasToken(values: readonly string[], token: string): boolean {
  for (const value of values) {
    for (const element of splitCommaList(value)) {
      if (element.length === token.length && element.toLowerCase() === token) return true;
    }
  }
  return false;
}

/**
 * Parses a `Sec-WebSocket-Protocol` value list (RFC 6455 §4.1: `1#token`) spread over one
 * or more header lines. Returns the subprotocols in order, or a description of what is
 * wrong: an empty element, a non-token element, or the same subprotocol twice.
 *
 * @example
 * ```ts
 * parseSubprotocols(["chat, superchat"]); // ["chat", "superchat"]
 * parseSubprotocols(["chat, chat"]);      // "duplicate subprotocol chat"
 * ```
 */
export function parseSubprotocols(values: readonly string[]): string[] | string {
  const protocols: string[] = [];
  const seen = new Set<string>();
  for (const value of values) {
    for (const element of splitCommaList(value)) {
      if (element.length === 0) return "empty element in Sec-WebSocket-Protocol";
      if (!isToken(element)) return `subprotocol ${JSON.stringify(excerpt(element))} is not a token`;
      if (seen.has(element)) return `duplicate subprotocol ${excerpt(element)}`;
      seen.add(element);
      protocols.push(element);
    }
  }
  return protocols;
}

/**
 * Groups received headers by (already lower-case) name, values in arrival order. A `Map`
 * keeps peer-chosen names such as `__proto__` or `constructor` away from
 * `Object.prototype` (ws's 2017 crash).
 */
export function groupHeaders(headers: Headers): Map<string, string[]> {
  const groups = new Map<string, string[]>();
  for (const [name, value] of headers) {
    const group = groups.get(name);
    if (group === undefined) groups.set(name, [value]);
    else group.push(value);
  }
  return groups;
}

// ---- outbound validation (what the application asks us to write) ----

function describe(text: unknown): string {
  return typeof text === "string" ? JSON.stringify(text) : String(text);
}

/**
 * Checks a header name the application wants to send: it must be a token.
 *
 * @throws {LocalProtocolError} otherwise.
 */
export function requireHeaderName(name: unknown): asserts name is string {
  if (typeof name !== "string" || !isToken(name)) {
    throw new LocalProtocolError(
      `Header name ${describe(name)} is not an HTTP token: use only letters, digits and !#$%&'*+-.^_\`|~`,
    );
  }
}

/**
 * Checks a header value the application wants to send: HTAB, SP, visible ASCII and
 * U+0080–U+00FF (written as one byte each) only; no CR, LF, NUL or other control.
 *
 * @throws {LocalProtocolError} otherwise.
 */
export function requireHeaderValue(name: string, value: unknown): asserts value is string {
  if (typeof value !== "string") {
    throw new LocalProtocolError(`Value of header ${name} must be a string, not ${typeof value}`);
  }
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (!isFieldValueByte(code)) {
      throw new LocalProtocolError(
        `Value of header ${name} contains the character U+${code.toString(16).toUpperCase().padStart(4, "0")}` +
          " at index " +
          i +
          ": control characters (CR, LF, NUL, …) are not allowed and characters above U+00FF must be encoded (e.g. percent-encoding)",
      );
    }
  }
}

/**
 * Checks application headers before they are written; `reserved` lists the lower-case
 * names the engine writes itself, which the application must set through the event
 * fields instead.
 *
 * @throws {LocalProtocolError} naming the first bad header.
 */
export function requireExtraHeaders(headers: Headers, reserved: ReadonlyMap<string, string>): void {
  for (const header of headers) {
    const [name, value] = header;
    requireHeaderName(name);
    requireHeaderValue(name, value);
    const hint = reserved.get(name.toLowerCase());
    if (hint !== undefined) {
      throw new LocalProtocolError(`Header ${name} is written by wstate; ${hint}`);
    }
  }
}

/**
 * Checks a request target the application wants to send: non-empty visible ASCII, no
 * space (percent-encode anything else).
 *
 * @throws {LocalProtocolError} otherwise.
 */
export function requireTarget(target: unknown): asserts target is string {
  if (typeof target !== "string" || target.length === 0) {
    throw new LocalProtocolError(`Request target must be a non-empty string, e.g. "/", not ${describe(target)}`);
  }
  for (let i = 0; i < target.length; i++) {
    const code = target.charCodeAt(i);
    if (code <= SP || code >= 0x7f) {
      throw new LocalProtocolError(
        `Request target ${describe(target)} contains a space, control or non-ASCII character at index ${i}: percent-encode it`,
      );
    }
  }
}

/**
 * Checks a subprotocol name the application wants to offer or choose: it must be a token
 * (so no space, comma, CR or LF).
 *
 * @throws {LocalProtocolError} otherwise.
 */
export function requireSubprotocol(protocol: unknown): asserts protocol is string {
  if (typeof protocol !== "string" || !isToken(protocol)) {
    throw new LocalProtocolError(
      `Subprotocol ${describe(protocol)} is not an HTTP token (RFC 6455 §4.1): no spaces, commas or separators`,
    );
  }
}
