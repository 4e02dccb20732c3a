/**
 * The `Sec-WebSocket-Extensions` header grammar (RFC 6455 §9.1), parsed and formatted.
 *
 * ```
 * extension-list  = 1#extension
 * extension       = extension-token *( ";" extension-param )
 * extension-param = token [ "=" ( token / quoted-string ) ]   ; unquoted value must be a token
 * ```
 *
 * The parser is one left-to-right scan with no regular expressions and no backtracking, so
 * its work is linear in the header length whatever the input (ws CVE-2021-32640 was a
 * regex ReDoS; Ruby CVE-2020-7663 an unterminated quote). Optional whitespace (SP / HTAB)
 * is allowed around `,`, `;` and `=`; empty list elements (`a, , b`) are skipped, as
 * RFC 9110 §5.6.1 asks of recipients.
 */

import { TCHAR, isToken } from "../handshake/header-values.js";
import { LocalProtocolError } from "../errors.js";

/** One `name[=value]` parameter of an extension item. */
export interface ExtensionParam {
  readonly name: string;
  /** The value with any quoting removed; `null` when the parameter has no value. */
  readonly value: string | null;
}

/** One item of a `Sec-WebSocket-Extensions` list. */
export interface ExtensionOffer {
  readonly name: string;
  readonly params: readonly ExtensionParam[];
  /** The item exactly as written in the header, without surrounding whitespace. */
  readonly text: string;
}

function isTchar(code: number): boolean {
  return code < 256 && TCHAR[code] === 1;
}

const SP = 0x20;
const HTAB = 0x09;
const COMMA = 0x2c;
const SEMICOLON = 0x3b;
const EQUALS = 0x3d;
const DQUOTE = 0x22;
const BACKSLASH = 0x5c;

/** A cursor over the header value; it moves back only over whitespace just read. */
class Scanner {
  pos = 0;
  constructor(readonly text: string) {}

  get done(): boolean {
    return this.pos >= this.text.length;
  }

  peek(): number {
    return this.text.charCodeAt(this.pos);
  }

  skipOws(): void {
    while (!this.done && (this.peek() === SP || this.peek() === HTAB)) this.pos++;
  }

  /** Reads a token; returns null when none starts here. */
  token(): string | null {
    const start = this.pos;
    while (!this.done && isTchar(this.peek())) this.pos++;
    return this.pos === start ? null : this.text.slice(start, this.pos);
  }

  /**
   * Reads a quoted-string starting at the opening quote and returns it unescaped, or null
   * when it is unterminated or holds a character the grammar forbids.
   */
  quotedString(): string | null {
    this.pos++; // opening quote
    let value = "";
    while (!this.done) {
      const code = this.peek();
      if (code === DQUOTE) {
        this.pos++;
        return value;
      }
      if (code === BACKSLASH) {
        this.pos++;
        if (this.done) return null;
        const escaped = this.peek();
        if (!isQuotedPairChar(escaped)) return null;
        value += this.text[this.pos];
        this.pos++;
        continue;
      }
      if (!isQdtext(code)) return null;
      value += this.text[this.pos];
      this.pos++;
    }
    return null;
  }
}

function isQdtext(code: number): boolean {
  return (
    code === HTAB ||
    code === SP ||
    code === 0x21 ||
    (code >= 0x23 && code <= 0x5b) ||
    (code >= 0x5d && code <= 0x7e) ||
    (code >= 0x80 && code <= 0xff)
  );
}

function isQuotedPairChar(code: number): boolean {
  return code === HTAB || code === SP || (code >= 0x21 && code <= 0x7e) || (code >= 0x80 && code <= 0xff);
}

/** Parses one parameter after its `;` and OWS; null when malformed. */
function parseParam(scanner: Scanner): ExtensionParam | null {
  const name = scanner.token();
  if (name === null) return null;
  const afterName = scanner.pos;
  scanner.skipOws();
  if (scanner.done || scanner.peek() !== EQUALS) {
    scanner.pos = afterName; // the whitespace belongs to the separator that follows
    return { name, value: null };
  }
  scanner.pos++;
  scanner.skipOws();
  if (scanner.done) return null;
  const value = scanner.peek() === DQUOTE ? scanner.quotedString() : scanner.token();
  // RFC 6455 §9.1: a quoted value, once unescaped, must still be a token.
  if (value === null || !isToken(value)) return null;
  return { name, value };
}

/** Parses one list item starting at its token; leaves the scanner after its last param. */
function parseItem(scanner: Scanner): ExtensionOffer | null {
  const start = scanner.pos;
  const name = scanner.token();
  if (name === null) return null;
  let end = scanner.pos;
  const params: ExtensionParam[] = [];
  for (;;) {
    scanner.skipOws();
    if (scanner.done || scanner.peek() !== SEMICOLON) break;
    scanner.pos++;
    scanner.skipOws();
    const param = parseParam(scanner);
    if (param === null) return null;
    params.push(param);
    end = scanner.pos;
  }
  return { name, params, text: scanner.text.slice(start, end) };
}

/**
 * Parses a `Sec-WebSocket-Extensions` header value into its items, in order. Returns
 * `null` when the value does not match the grammar (including an empty list), so the
 * caller can reject the handshake; it never throws.
 *
 * @example
 * ```ts
 * parseExtensionHeader('permessage-deflate; client_max_window_bits="10", x-foo');
 * // [{ name: "permessage-deflate",
 * //    params: [{ name: "client_max_window_bits", value: "10" }],
 * //    text: 'permessage-deflate; client_max_window_bits="10"' },
 * //  { name: "x-foo", params: [], text: "x-foo" }]
 * parseExtensionHeader("permessage-deflate;;"); // null
 * ```
 */
export function parseExtensionHeader(value: string): ExtensionOffer[] | null {
  if (typeof value !== "string") return null;
  const scanner = new Scanner(value);
  const items: ExtensionOffer[] = [];
  scanner.skipOws();
  while (!scanner.done) {
    if (scanner.peek() === COMMA) {
      scanner.pos++; // empty list element
    } else {
      const item = parseItem(scanner);
      if (item === null) return null;
      items.push(item);
      if (!scanner.done && scanner.peek() !== COMMA) return null;
      if (!scanner.done) scanner.pos++;
    }
    scanner.skipOws();
  }
  return items.length === 0 ? null : items;
}

/**
 * Formats one extension item: `name; param; param=value`. Every name and value must be a
 * token (values are never quoted, the form every peer understands).
 *
 * @throws {LocalProtocolError} when a name or value is not a token.
 * @example
 * ```ts
 * formatExtensionOffer("permessage-deflate", [
 *   { name: "client_max_window_bits", value: null },
 *   { name: "server_max_window_bits", value: "10" },
 * ]); // "permessage-deflate; client_max_window_bits; server_max_window_bits=10"
 * ```
 */
export function formatExtensionOffer(name: string, params: readonly ExtensionParam[]): string {
  requireToken(name, "extension name");
  let text = name;
  for (const param of params) {
    requireToken(param.name, "extension parameter name");
    text += "; " + param.name;
    if (param.value !== null) {
      requireToken(param.value, `value of extension parameter ${param.name}`);
      text += "=" + param.value;
    }
  }
  return text;
}

function requireToken(text: string, what: string): void {
  if (typeof text !== "string" || !isToken(text)) {
    throw new LocalProtocolError(
      `${what} ${JSON.stringify(text)} is not an HTTP token (RFC 9110 §5.6.2): ` +
        "use only letters, digits and !#$%&'*+-.^_`|~",
    );
  }
}
