/** Shared helpers for the handshake tests: byte strings, chunkings, feeding a head parser. */

import { concatBytes } from "../../src/bytes.js";
import type { HeadFailure, HeadParseResult, HttpHeadParser } from "../../src/handshake/http-head.js";
import type { Headers } from "../../src/events.js";

/** Bytes of a string read as Latin-1 (one byte per character). */
export function bytes(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i);
  return out;
}

/** A byte array read back as Latin-1. */
export function text(data: Uint8Array): string {
  let out = "";
  for (const b of data) out += String.fromCharCode(b);
  return out;
}

/** Splits `data` at the given cut points (sorted, deduplicated, within range). */
export function splitAt(data: Uint8Array, cuts: readonly number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => Math.max(0, Math.min(data.length, c))))].sort((a, b) => a - b);
  const parts: Uint8Array[] = [];
  let from = 0;
  for (const p of points) {
    parts.push(data.slice(from, p));
    from = p;
  }
  parts.push(data.slice(from));
  return parts;
}

/** One chunk per byte, produced lazily (a 1 MiB input need not become 1 M arrays up front). */
export function* byteByByte(data: Uint8Array): Generator<Uint8Array> {
  for (let i = 0; i < data.length; i++) yield data.subarray(i, i + 1);
}

/** A deterministic pseudo-random chunking (for table-driven rows). */
export function seededSplits(data: Uint8Array, seed: number): Uint8Array[] {
  let state = seed >>> 0 || 1;
  const next = (): number => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 2 ** 32;
  };
  const cuts: number[] = [];
  for (let i = 0; i < 1 + Math.floor(next() * 8); i++) cuts.push(Math.floor(next() * data.length));
  return splitAt(data, cuts);
}

/** The chunkings every input is fed in: whole, byte by byte, and two random splits. */
export function chunkings(data: Uint8Array): Array<[string, Iterable<Uint8Array>]> {
  return [
    ["whole", [data]],
    ["byte by byte", byteByByte(data)],
    ["random split 1", seededSplits(data, 1)],
    ["random split 2", seededSplits(data, 0xdecafbad)],
  ];
}

/** What feeding a whole input produced, in a form `toEqual` can compare across chunkings. */
export type FeedOutcome<H> =
  | { status: "incomplete" }
  | { status: "complete"; head: H; rest: Uint8Array }
  | ({ status: "failed" } & HeadFailure);

/**
 * Feeds the chunks in order until the parser completes or fails; `rest` is the trailing
 * data of the completing chunk plus every later chunk. With `eof`, an incomplete input
 * ends with `end()`.
 */
export function feedHead<H extends { readonly headers: Headers }>(
  parser: HttpHeadParser<H>,
  chunks: Iterable<Uint8Array>,
  eof = false,
): FeedOutcome<H> {
  const iterator = chunks[Symbol.iterator]();
  for (let next = iterator.next(); !next.done; next = iterator.next()) {
    const result: HeadParseResult<H> = parser.feed(next.value);
    if (result.status === "complete") {
      const rest = [result.trailing];
      for (let more = iterator.next(); !more.done; more = iterator.next()) rest.push(more.value);
      return { status: "complete", head: result.head, rest: concatBytes(rest) };
    }
    if (result.status === "failed") return { status: "failed", ...result.failure };
  }
  if (!eof) return { status: "incomplete" };
  const end = parser.end();
  return end.status === "failed" ? { status: "failed", ...end.failure } : { status: "incomplete" };
}
