/** Shared helpers of the frame-layer tests: feeding bytes in given chunkings and collecting events. */
import fc from "fast-check";
import { FrameProtocol, type FrameEvent, type FrameProtocolOptions } from "../../src/frame/frame-protocol.js";
import { concatBytes, hex, summarizeEvents, toHex, type RowOutcome } from "../fixtures/frame-rows.js";

export { concatBytes, hex, toHex };

/** Feeds the chunks one by one, draining events after each; returns every event. */
export function feed(protocol: FrameProtocol, chunks: Iterable<Uint8Array>): FrameEvent[] {
  const events: FrameEvent[] = [];
  for (const chunk of chunks) {
    protocol.receiveBytes(chunk);
    for (let event = protocol.nextEvent(); event !== null; event = protocol.nextEvent()) events.push(event);
  }
  return events;
}

/** A fresh protocol fed the chunks; its events, summarized as the row table does. */
export function outcomeOf(options: FrameProtocolOptions, chunks: Iterable<Uint8Array>): RowOutcome {
  const protocol = new FrameProtocol(options);
  const events = feed(protocol, chunks);
  return summarizeEvents(events, protocol.failed);
}

/** The bytes one at a time (views, no copies). */
export function* bytewise(bytes: Uint8Array): Generator<Uint8Array> {
  for (let i = 0; i < bytes.length; i++) yield bytes.subarray(i, i + 1);
}

/** The bytes cut at the given offsets (sorted, deduplicated, clamped). */
export function splitAt(bytes: Uint8Array, cuts: readonly number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((cut) => Math.max(0, Math.min(bytes.length, cut))))].sort((a, b) => a - b);
  const pieces: Uint8Array[] = [];
  let start = 0;
  for (const point of points) {
    if (point > start) pieces.push(bytes.subarray(start, point));
    start = point;
  }
  if (start < bytes.length) pieces.push(bytes.subarray(start));
  return pieces;
}

/** An arbitrary of cut offsets into a byte string of `length` bytes. */
export function cutsFor(length: number, maxCuts = 12): fc.Arbitrary<number[]> {
  return fc.array(fc.integer({ min: 0, max: length }), { maxLength: maxCuts });
}

/**
 * Re-masks frames sent to a server (written with key 00000000) with keys from `nextKey`,
 * frame by frame, as far as the headers can be walked. Payloads are XORed with the key.
 */
export function remask(bytes: Uint8Array, nextKey: () => Uint8Array): Uint8Array {
  const out = bytes.slice();
  let at = 0;
  while (at + 2 <= out.length) {
    const masked = (out[at + 1] & 0x80) !== 0;
    let length = out[at + 1] & 0x7f;
    let headerEnd = at + 2;
    if (length === 126) {
      if (headerEnd + 2 > out.length) break;
      length = (out[headerEnd] << 8) | out[headerEnd + 1];
      headerEnd += 2;
    } else if (length === 127) {
      if (headerEnd + 8 > out.length) break;
      const high = ((out[headerEnd] << 24) | (out[headerEnd + 1] << 16) | (out[headerEnd + 2] << 8) | out[headerEnd + 3]) >>> 0;
      if (high !== 0) break; // a length no test payload has: leave the rest alone
      length = ((out[headerEnd + 4] << 24) | (out[headerEnd + 5] << 16) | (out[headerEnd + 6] << 8) | out[headerEnd + 7]) >>> 0;
      headerEnd += 8;
    }
    if (!masked) {
      at = headerEnd + length;
      continue;
    }
    if (headerEnd + 4 > out.length) break;
    const key = nextKey();
    out.set(key, headerEnd);
    const payloadStart = headerEnd + 4;
    const end = Math.min(out.length, payloadStart + length);
    for (let i = payloadStart; i < end; i++) out[i] ^= key[(i - payloadStart) & 3];
    at = payloadStart + length;
  }
  return out;
}

/** A deterministic random source for masking keys: bytes from a simple LCG. */
export function seededFill(seed: number): (buffer: Uint8Array) => void {
  let state = seed >>> 0;
  return (buffer) => {
    for (let i = 0; i < buffer.length; i++) {
      state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
      buffer[i] = state >>> 24;
    }
  };
}

/** UTF-8 bytes of a string. */
export function utf8(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

/** Well-formed text mixing 1-, 2-, 3- and 4-byte UTF-8 characters (fast to generate). */
export function unicodeText(maxLength: number): fc.Arbitrary<string> {
  const codePoint = fc.oneof(
    fc.integer({ min: 0, max: 0x7f }),
    fc.integer({ min: 0x80, max: 0x7ff }),
    fc.integer({ min: 0x800, max: 0xffff }).filter((code) => code < 0xd800 || code > 0xdfff),
    fc.integer({ min: 0x10000, max: 0x10ffff }),
    fc.constantFrom(0xfeff, 0xfffe, 0xffff, 0x1ffff),
  );
  return fc.array(codePoint, { maxLength }).map((codes) => String.fromCodePoint(...codes));
}
