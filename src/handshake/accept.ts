/**
 * The `Sec-WebSocket-Key` nonce and the `Sec-WebSocket-Accept` token (RFC 6455 §4.1, §4.2.2).
 *
 * SHA-1 comes from `@noble/hashes` so the token is computed synchronously in every runtime
 * (WebCrypto's digest is async); base64 is written here so no `Buffer` is needed.
 */

import { sha1 } from "@noble/hashes/legacy.js";
import { ACCEPT_GUID } from "../constants.js";
import { latin1Encode } from "./bytes.js";

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/** Standard base64 (RFC 4648 §4) with padding. */
export function base64(bytes: Uint8Array): string {
  let out = "";
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2];
    out += ALPHABET[n >> 18] + ALPHABET[(n >> 12) & 63] + ALPHABET[(n >> 6) & 63] + ALPHABET[n & 63];
  }
  const rest = bytes.length - i;
  if (rest === 1) {
    const n = bytes[i] << 16;
    out += ALPHABET[n >> 18] + ALPHABET[(n >> 12) & 63] + "==";
  } else if (rest === 2) {
    const n = (bytes[i] << 16) | (bytes[i + 1] << 8);
    out += ALPHABET[n >> 18] + ALPHABET[(n >> 12) & 63] + ALPHABET[(n >> 6) & 63] + "=";
  }
  return out;
}

/**
 * The `Sec-WebSocket-Accept` value for a `Sec-WebSocket-Key`:
 * base64(SHA-1(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")). The key is used verbatim.
 *
 * @example
 * ```ts
 * acceptToken("dGhlIHNhbXBsZSBub25jZQ=="); // "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
 * ```
 */
export function acceptToken(key: string): string {
  return base64(sha1(latin1Encode(key + ACCEPT_GUID)));
}

/** Fills its argument with random bytes, like `crypto.getRandomValues`. */
export type RandomFill = (bytes: Uint8Array) => void;

const defaultRandomFill: RandomFill = (bytes) => {
  globalThis.crypto.getRandomValues(bytes);
};

/**
 * A fresh `Sec-WebSocket-Key`: base64 of 16 random bytes (24 characters ending in `==`).
 * Pass `randomFill` to make it deterministic in tests.
 *
 * @example
 * ```ts
 * const key = generateNonce(); // e.g. "DiqmQkBTcGo849B65FG3vw=="
 * generateNonce((b) => b.fill(0)); // "AAAAAAAAAAAAAAAAAAAAAA=="
 * ```
 */
export function generateNonce(randomFill: RandomFill = defaultRandomFill): string {
  const bytes = new Uint8Array(16);
  randomFill(bytes);
  return base64(bytes);
}

/**
 * Whether `key` is the canonical base64 encoding of exactly 16 bytes (RFC 6455 §4.2.1
 * item 4): 22 alphabet characters, the last of which carries no stray low bits, then `==`.
 *
 * @example
 * ```ts
 * isValidNonce("dGhlIHNhbXBsZSBub25jZQ=="); // true
 * isValidNonce("eHh4eHh4eHh4eHh4eHh4");     // false (15 bytes)
 * ```
 */
export function isValidNonce(key: string): boolean {
  if (key.length !== 24 || key[22] !== "=" || key[23] !== "=") return false;
  for (let i = 0; i < 22; i++) if (ALPHABET.indexOf(key[i]) < 0) return false;
  // The 22nd character holds the last 2 bits of byte 16 and 4 padding bits, which must be 0.
  return (ALPHABET.indexOf(key[21]) & 0x0f) === 0;
}
