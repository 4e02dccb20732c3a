/** Turns the catalogue's payload descriptions into bytes, checked against their SHA-1. */
import { createHash } from "node:crypto";
import type { PayloadSpec } from "./catalogue.js";

export function hexToBytes(hex: string): Uint8Array {
  return Uint8Array.from(Buffer.from(hex, "hex"));
}

export function bytesToHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex");
}

export function sha1Hex(bytes: Uint8Array): string {
  return createHash("sha1").update(bytes).digest("hex");
}

function repeatToLength(pattern: Uint8Array, length: number): Uint8Array {
  const out = new Uint8Array(length);
  if (length === 0) return out;
  out.set(pattern.subarray(0, Math.min(pattern.length, length)));
  // Doubling copies: O(log n) calls for multi-megabyte payloads.
  for (let filled = pattern.length; filled < length; filled *= 2) {
    out.copyWithin(filled, 0, Math.min(filled, length - filled));
  }
  return out;
}

const cache = new Map<PayloadSpec, Uint8Array>();

/**
 * The bytes of a payload. Fill rules are tried in order (pattern, then byte) until one
 * matches the listed SHA-1; a payload that matches none is a catalogue error.
 */
export function materialize(spec: PayloadSpec): Uint8Array {
  const hit = cache.get(spec);
  if (hit !== undefined) return hit;
  let bytes: Uint8Array | undefined;
  if (spec.hex !== undefined) {
    bytes = hexToBytes(spec.hex);
  } else {
    const fills = [spec.fill_pattern_hex, spec.fill_byte_hex].filter((f): f is string => f !== undefined);
    for (const fill of fills) {
      const candidate = repeatToLength(hexToBytes(fill), spec.length);
      if (spec.sha1 === undefined || sha1Hex(candidate) === spec.sha1) {
        bytes = candidate;
        break;
      }
    }
  }
  if (bytes === undefined || bytes.length !== spec.length) {
    throw new Error(`catalogue payload cannot be rebuilt: ${JSON.stringify(spec)}`);
  }
  cache.set(spec, bytes);
  return bytes;
}
