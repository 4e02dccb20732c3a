/**
 * The `Host` header: international names go on the wire as punycode (`xn--` labels,
 * RFC 3492 / IDNA) and come back as Unicode. ASCII names pass unchanged, case included,
 * as do `[v6]` literals and `:port` suffixes.
 */

import punycode from "punycode/punycode.js";
import { LocalProtocolError } from "../errors.js";

/** A DNS name (253) plus ":" and a 5-digit port. */
const MAX_HOST_LENGTH = 259;

/** RFC 3986 `uri-host [":" port]` characters: unreserved, sub-delims, `%`, `:`, `[`, `]`. */
const HOST_CHAR: Uint8Array = (() => {
  const table = new Uint8Array(128);
  for (const c of "-._~!$&'()*+,;=%:[]") table[c.charCodeAt(0)] = 1;
  for (let c = 0x30; c <= 0x39; c++) table[c] = 1;
  for (let c = 0x41; c <= 0x5a; c++) table[c] = 1;
  for (let c = 0x61; c <= 0x7a; c++) table[c] = 1;
  return table;
})();

/**
 * Whether `host` uses only the characters of an ASCII `uri-host [":" port]` (so no
 * whitespace, control, `/`, `@` or non-ASCII). Empty is allowed, as in RFC 9110 §7.2.
 */
export function isValidHost(host: string): boolean {
  for (let i = 0; i < host.length; i++) {
    const code = host.charCodeAt(i);
    if (code >= 128 || HOST_CHAR[code] !== 1) return false;
  }
  return true;
}

/**
 * The `Host` header value for `host`: non-ASCII labels become `xn--` punycode.
 *
 * @throws {LocalProtocolError} when the result is not a valid host.
 * @example
 * ```ts
 * encodeHost("芝士汉堡.com:80"); // "xn--7ks3rz39bh7u.com:80"
 * encodeHost("EXAMPLE.com");    // "EXAMPLE.com"
 * ```
 */
export function encodeHost(host: string): string {
  if (typeof host !== "string") throw new LocalProtocolError(`Request.host must be a string, not ${typeof host}`);
  let ascii: string;
  try {
    ascii = punycode.toASCII(host);
  } catch (error) {
    throw new LocalProtocolError(`Request.host ${JSON.stringify(host)} cannot be encoded as punycode: ${String(error)}`);
  }
  if (!isValidHost(ascii)) {
    throw new LocalProtocolError(
      `Request.host ${JSON.stringify(host)} is not a host name, IP literal or host:port (no spaces, controls, "/" or "@")`,
    );
  }
  return ascii;
}

/**
 * The Unicode form of a received `Host` value. `xn--` labels are decoded only when the
 * result encodes back to the same label; anything else (bad punycode, a port glued to a
 * label) is returned as received. Never throws.
 *
 * @example
 * ```ts
 * decodeHost("xn--7ks3rz39bh7u.com:80"); // "芝士汉堡.com:80"
 * decodeHost("xn--zz:80x");             // "xn--zz:80x"
 * ```
 */
export function decodeHost(host: string): string {
  // Punycode decoding is quadratic in a label's length; real names are at most 253
  // characters (RFC 1035 §2.3.4), so longer values are returned as they came.
  if (host.startsWith("[") || host.length > MAX_HOST_LENGTH) return host;
  const colon = host.lastIndexOf(":");
  const hasPort = colon >= 0 && isDigits(host.slice(colon + 1));
  const name = hasPort ? host.slice(0, colon) : host;
  const port = hasPort ? host.slice(colon) : "";
  try {
    const unicode = punycode.toUnicode(name);
    return punycode.toASCII(unicode).toLowerCase() === name.toLowerCase() ? unicode + port : host;
  } catch {
    return host;
  }
}

function isDigits(text: string): boolean {
  if (text.length === 0) return false;
  for (let i = 0; i < text.length; i++) if (text[i] < "0" || text[i] > "9") return false;
  return true;
}
