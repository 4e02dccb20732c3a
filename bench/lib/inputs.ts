/**
 * Benchmark inputs: deterministic payloads and the wire bytes of many messages, framed by
 * ws's own `Sender.frame` (so wstate's encoder is not trusted to make its own input).
 */
import type { WsCopy } from "./ws-copies.js";

export type MessageKind = "text" | "binary";

/** `size` bytes: JSON-like ASCII text, or pseudo-random binary. */
export function payload(kind: MessageKind, size: number, seed: number): Buffer {
  let state = (seed * 2654435761 + size) >>> 0 || 1;
  const next = () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return state >>> 0;
  };
  const out = Buffer.allocUnsafe(size);
  if (kind === "binary") {
    for (let i = 0; i < size; i++) out[i] = next() & 0xff;
    return out;
  }
  const words = ['{"id":', '"name":', '"value":', "true", "false", "null", '"websocket"', '"frame"', ",", "[", "]", "}", " "];
  let text = "";
  while (text.length < size) text += next() % 3 === 0 ? String(next() % 100000) : words[next() % words.length];
  out.write(text.slice(0, size), "latin1");
  return out;
}

/** The frames of `count` distinct messages, one after the other, as one buffer. */
export function wireMessages(ws: WsCopy, kind: MessageKind, size: number, count: number, masked: boolean): Buffer {
  const distinct = Array.from({ length: Math.min(count, 16) }, (_, i) => payload(kind, size, i + 1));
  const parts: Buffer[] = [];
  for (let i = 0; i < count; i++) {
    const frame = ws.Sender.frame(distinct[i % distinct.length], {
      fin: true,
      opcode: kind === "text" ? 1 : 2,
      mask: masked,
      readOnly: true,
      rsv1: false,
    });
    for (const part of frame) parts.push(typeof part === "string" ? Buffer.from(part) : Buffer.from(part));
  }
  return Buffer.concat(parts);
}

/** `wire` cut into `chunkSize` pieces (or whole), each a fresh copy (ws unmasks in place). */
export function freshChunks(wire: Buffer, chunkSize: number): Buffer[] {
  const chunks: Buffer[] = [];
  for (let at = 0; at < wire.length; at += chunkSize) chunks.push(Buffer.from(wire.subarray(at, at + chunkSize)));
  return chunks;
}
