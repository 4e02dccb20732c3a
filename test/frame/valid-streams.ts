/**
 * Valid frame streams for the property tests of FrameProtocol and of Connection: an
 * arbitrary of messages (every length class, fragmented, with control frames between
 * fragments) and control frames, and the wire bytes and outcome they must give, built
 * with the independent encoder of the row table (`wireFrame`), never the one under test.
 */
import fc from "fast-check";
import { Opcode } from "../../src/constants.js";
import { concatBytes, toHex, wireFrame, type RowOutcome, type SummaryEvent } from "../fixtures/frame-rows.js";
import { seededFill, splitAt, unicodeText, utf8 } from "./helpers.js";

type Control = { ping: boolean; payload: Uint8Array };

/** A message, cut into frames at `cuts`, with control frames `between` them; or a lone control frame. */
export type StreamItem =
  | { kind: "message"; text: boolean; payload: Uint8Array; cuts: number[]; between: Array<Control & { after: number }> }
  | ({ kind: "control" } & Control);

const payloadLength = fc.oneof(
  { weight: 10, arbitrary: fc.integer({ min: 0, max: 40 }) },
  { weight: 3, arbitrary: fc.constantFrom(0, 125, 126, 127) },
  { weight: 1, arbitrary: fc.constantFrom(65535, 65536) },
);
const control = fc.record({ ping: fc.boolean(), payload: fc.uint8Array({ maxLength: 125 }) });

export const streamItem: fc.Arbitrary<StreamItem> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant("message" as const),
      text: fc.boolean(),
      payload: fc.oneof(
        payloadLength.map((n) => new Uint8Array(n).map((_, i) => 0x61 + (i % 26))),
        unicodeText(30).map(utf8),
        fc.uint8Array({ maxLength: 40 }),
      ),
      cuts: fc.array(fc.nat(70000), { maxLength: 3 }),
      between: fc.array(fc.record({ after: fc.nat(3), ping: fc.boolean(), payload: fc.uint8Array({ maxLength: 125 }) }), { maxLength: 2 }),
    }),
  },
  { weight: 1, arbitrary: control.map((c) => ({ kind: "control" as const, ...c })) },
);

const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
function validText(bytes: Uint8Array): string | null {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return null;
  }
}

export interface Stream {
  readonly wire: Uint8Array;
  /** Where each frame starts. */
  readonly frameStarts: number[];
  readonly expected: RowOutcome;
  /** Messages sent in more than one frame. */
  readonly fragmented: number;
}

/**
 * The frames a peer of `client` sends for `items` (then `close`, and a frame after it that
 * must never be parsed), and what they must give. Text that is not UTF-8 goes as binary.
 */
export function buildStream(items: readonly StreamItem[], close: { code: number; reason: string } | null, client: boolean, seed: number): Stream {
  const fill = seededFill(seed);
  const key = (): Uint8Array | null => {
    if (client) return null; // a server never masks
    const bytes = new Uint8Array(4);
    fill(bytes);
    return bytes;
  };
  const frames: Uint8Array[] = [];
  const events: SummaryEvent[] = [];
  let fragmented = 0;
  const sendControl = (entry: Control): void => {
    frames.push(wireFrame(entry.ping ? 0x89 : 0x8a, entry.payload, key()));
    events.push({ type: entry.ping ? "ping" : "pong", hex: toHex(entry.payload) });
  };
  for (const entry of items) {
    if (entry.kind === "control") {
      sendControl(entry);
      continue;
    }
    const text = entry.text ? validText(entry.payload) : null;
    events.push(text === null ? { type: "bytes", hex: toHex(entry.payload), complete: true } : { type: "text", data: text, complete: true });
    const pieces = splitAt(entry.payload, entry.cuts.map((cut) => cut % (entry.payload.length + 1)));
    if (pieces.length === 0) pieces.push(new Uint8Array(0));
    if (pieces.length > 1) fragmented++;
    pieces.forEach((piece, index) => {
      const fin = index === pieces.length - 1 ? 0x80 : 0;
      const opcode = index > 0 ? Opcode.CONTINUATION : text === null ? Opcode.BINARY : Opcode.TEXT;
      frames.push(wireFrame(fin | opcode, piece, key()));
      for (const extra of entry.between) if (extra.after === index && fin === 0) sendControl(extra);
    });
  }
  if (close !== null) {
    const payload = close.code === 1005 ? new Uint8Array(0) : concatBytes([new Uint8Array([close.code >> 8, close.code & 0xff]), utf8(close.reason)]);
    frames.push(wireFrame(0x88, payload, key()));
    // Anything after the Close is never parsed.
    frames.push(wireFrame(0x81, utf8("after"), key()));
  }
  const frameStarts: number[] = [];
  let offset = 0;
  for (const frame of frames) {
    frameStarts.push(offset);
    offset += frame.length;
  }
  return { wire: concatBytes(frames), frameStarts, expected: { events, close, failed: false }, fragmented };
}
