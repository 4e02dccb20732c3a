/**
 * The compression rows of the hardening catalogue (`spec/hardening.md` §5.4 Z01–Z24, the
 * RFC 7692 §7.2.3 vectors R1–R5) in the shape of `test/fixtures/frame-rows.ts`, each with
 * the negotiated `PerMessageDeflate` it runs with (`accept(offer)` for a server,
 * `finalize(response)` for a client). The extension tests keep their rows inline, so
 * the inputs are built here; compressed payloads come from pako, never from the engine.
 */
import { deflateRaw } from "pako";
import type { Extension } from "../../src/extensions/extension.js";
import { PerMessageDeflate } from "../../src/extensions/permessage-deflate.js";
import { concatBytes, fail, frame, hex, lazyRow, texts, toHex, type FrameRow } from "../fixtures/frame-rows.js";
import { clientDeflate, deflatePayload, serverDeflate } from "./helpers.js";

/** A frame row that runs with negotiated extensions. */
export interface CompressionRow extends FrameRow {
  /** Fresh extensions for one Connection (compression state is per connection). */
  readonly extensions: () => Extension[];
  /**
   * The failure may cut a message whose delivered part depends on the chunking: a
   * message that is not complete and comes right before the close is checked to be a
   * prefix of this, then left out of the comparison.
   */
  readonly cutBeforeClose?: { readonly type: "text" | "bytes"; readonly prefix: string };
}

const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);
const HELLO = hex("F2 48 CD C9 C9 07 00");

/** A server's PerMessageDeflate for a bare offer, or for `offer` parameters. */
const server = (parameters = "") => (): Extension[] => [serverDeflate(parameters === "" ? "permessage-deflate" : `permessage-deflate; ${parameters}`)];
/** What most rows run as: a server that accepted a bare offer. */
const AT_SERVER = { role: "server", extensions: server() } as const;
/** The RFC 7692 rows run as a client whose bare offer was accepted. */
const AT_CLIENT = { role: "client", extensions: () => [clientDeflate()] } as const;

/** Frames to a server, masked with key 00000000 as the catalogue writes them. */
const toServer = (first: number, payload: Uint8Array) => frame(first, payload, true);
const toClient = (first: number, payload: Uint8Array) => frame(first, payload, false);

/**
 * The hardening §1.2 bomb: the sync-flushed deflate of 1 MiB of zeros repeated `copies`
 * times, the last trailer removed (each copy inflates to 1 MiB).
 */
function bomb(copies: number): Uint8Array {
  const unit = concatBytes([deflatePayload(new Uint8Array(1 << 20)), hex("00 00 FF FF")]);
  const payload = new Uint8Array(unit.length * copies);
  for (let i = 0; i < copies; i++) payload.set(unit, i * unit.length);
  return payload.subarray(0, payload.length - 4);
}

/** 1,000 pseudo-random bytes (xorshift32): deflate finds no match within them. */
export function thousandRandomBytes(): Uint8Array {
  let seed = 0x2545f491;
  return Uint8Array.from({ length: 1000 }, () => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return seed & 0xff;
  });
}

/** Those bytes twice: the second copy is one match 1,000 bytes back. */
function farMatch(): Uint8Array {
  const random = thousandRandomBytes();
  return concatBytes([random, random]);
}

const ones = (n: number) => new Uint8Array(n).fill(1);

/** What a bomb may deliver before its 1009: zeros, at most the 1 MiB limit. */
const BOMB_CUT = { type: "bytes", prefix: "00".repeat(1 << 20) } as const;

export const COMPRESSION_ROWS: readonly CompressionRow[] = Object.freeze([
  { id: "Z01", title: "RFC 7692 'Hello'", ...AT_SERVER, input: [hex("C1 87 k F2 48 CD C9 C9 07 00")], expected: texts("Hello") },
  {
    id: "Z02",
    title: "RSV1 on a continuation frame",
    ...AT_SERVER,
    input: [hex("41 83 k F2 48 CD"), hex("C0 84 k C9 C9 07 00")],
    cutBeforeClose: { type: "text", prefix: "Hello" },
    expected: fail(1002),
  },
  { id: "Z03", title: "RSV1 on a ping", ...AT_SERVER, input: [hex("C9 80 k")], expected: fail(1002) },
  { id: "Z04", title: "RSV1 on a close", ...AT_SERVER, input: [hex("C8 82 k 03 E8")], expected: fail(1002) },
  {
    id: "Z05",
    title: "RSV1 on the continuation of an uncompressed message",
    ...AT_SERVER,
    input: [hex("01 82 k 61 62"), hex("C0 87 k F2 48 CD C9 C9 07 00")],
    expected: { events: [{ type: "text", data: "ab", complete: false }], close: { code: 1002 }, failed: true },
  },
  {
    id: "Z06",
    title: "invalid deflate data FF FF FF FF",
    ...AT_SERVER,
    input: [hex("C1 84 k FF FF FF FF")],
    cutBeforeClose: { type: "text", prefix: "" },
    expected: fail(1007),
  },
  {
    id: "Z07",
    title: "deflate reserved block type 07",
    ...AT_SERVER,
    input: [hex("C2 81 k 07")],
    cutBeforeClose: { type: "bytes", prefix: "" },
    expected: fail(1007),
  },
  {
    id: "Z08",
    title: "BFINAL=1 block, then a message that still inflates",
    ...AT_SERVER,
    input: [hex("C1 87 k CB 48 CD C9 C9 07 00"), hex("C1 87 k F2 48 CD C9 C9 07 00")],
    expected: texts("hello", "Hello"),
  },
  {
    id: "Z09",
    title: "trailer 00 00 FF FF left in the payload",
    ...AT_SERVER,
    input: [hex("C1 8B k F2 48 CD C9 C9 07 00 00 00 FF FF")],
    expected: texts("Hello"),
  },
  { id: "Z10", title: "empty compressed message (00)", ...AT_SERVER, input: [hex("C1 81 k 00")], expected: texts("") },
  {
    id: "Z11",
    title: "compressed invalid UTF-8",
    ...AT_SERVER,
    input: [hex("C1 84 k 3A B0 1E 00")],
    cutBeforeClose: { type: "text", prefix: "" },
    expected: fail(1007),
  },
  lazyRow(
    {
      id: "Z12",
      title: "bomb: 66 KB → 64 MiB, max 1 MiB",
      ...AT_SERVER,
      big: true,
      cutBeforeClose: BOMB_CUT,
      expected: fail(1009),
    },
    () => [toServer(0xc2, bomb(64))],
  ),
  ...(
    [
      ["Z13", "inflates to exactly max", 4096],
      ["Z14", "inflates to max+1", 4097],
      ["Z15", "inflates to max+2", 4098],
    ] as const
  ).map(
    ([id, title, size]): CompressionRow => ({
      id,
      title: `${title} (max 4096)`,
      ...AT_SERVER,
      limits: { maxMessageSize: 4096 },
      input: [toServer(0xc2, deflatePayload(ones(size)))],
      ...(size === 4096
        ? { expected: { events: [{ type: "bytes", hex: "01".repeat(4096), complete: true }], close: null, failed: false } }
        : { cutBeforeClose: { type: "bytes", prefix: "01".repeat(4096) }, expected: fail(1009) }),
    }),
  ),
  lazyRow(
    {
      id: "Z16",
      title: "the bomb spread over 1 KiB continuation frames",
      ...AT_SERVER,
      big: true,
      cutBeforeClose: BOMB_CUT,
      expected: fail(1009),
    },
    () => {
      const payload = bomb(64);
      const frames: Uint8Array[] = [];
      for (let offset = 0; offset < payload.length; offset += 1024) {
        const fin = offset + 1024 >= payload.length ? 0x80 : 0;
        frames.push(toServer(fin | (offset === 0 ? 0x42 : 0x00), payload.subarray(offset, offset + 1024)));
      }
      return [concatBytes(frames)];
    },
  ),
  lazyRow(
    {
      id: "Z17",
      title: "1 GiB bomb (1,024 copies) in one frame",
      ...AT_SERVER,
      big: true,
      limits: { maxFrameSize: 2 << 20 },
      cutBeforeClose: BOMB_CUT,
      expected: fail(1009),
    },
    () => [toServer(0xc2, bomb(1024))],
  ),
  lazyRow(
    {
      id: "Z18",
      title: "the bomb spread over 100,000 one-byte continuation frames",
      ...AT_SERVER,
      big: true,
      cutBeforeClose: BOMB_CUT,
      expected: fail(1009),
    },
    () => {
      const payload = bomb(2).subarray(0, 100_000);
      return [concatBytes(Array.from(payload, (_, i) => toServer((i === payload.length - 1 ? 0x80 : 0) | (i === 0 ? 0x42 : 0), payload.subarray(i, i + 1))))];
    },
  ),
  {
    id: "Z19",
    title: "client_no_context_takeover: the 2nd message refers back into the 1st",
    role: "server",
    extensions: server("client_no_context_takeover"),
    input: [hex("C1 87 k F2 48 CD C9 C9 07 00"), hex("C1 85 k F2 00 11 00 00")],
    cutBeforeClose: { type: "text", prefix: "Hello" },
    expected: { events: [{ type: "text", data: "Hello", complete: true }], close: { code: 1007 }, failed: true },
  },
  lazyRow(
    {
      id: "Z20",
      title: "client_max_window_bits=9: a distance > 512 (strict)",
      role: "server",
      extensions: server("client_max_window_bits=9"),
      cutBeforeClose: { type: "bytes", prefix: toHex(farMatch()) },
      expected: fail(1007),
    },
    () => [toServer(0xc2, deflateRaw(farMatch(), { windowBits: 15, level: 9 }))],
  ),
  lazyRow(
    {
      id: "Z21",
      title: "an RSV1 message split across three frames at every pair of offsets",
      ...AT_SERVER,
      expected: texts(...Array.from({ length: 36 }, () => "Hello")),
    },
    () => {
      const frames: Uint8Array[] = [];
      for (let a = 0; a <= HELLO.length; a++) {
        for (let b = a; b <= HELLO.length; b++) {
          frames.push(toServer(0x41, HELLO.subarray(0, a)), toServer(0x00, HELLO.subarray(a, b)), toServer(0x80, HELLO.subarray(b)));
        }
      }
      return [concatBytes(frames)];
    },
  ),
  lazyRow(
    {
      id: "Z22",
      title: "inflated bytes split UTF-8 sequences across output chunks",
      ...AT_SERVER,
      expected: texts("κόσμε 😀 ".repeat(50)),
    },
    () => [toServer(0xc1, deflatePayload(utf8("κόσμε 😀 ".repeat(50))))],
  ),
  {
    id: "Z23",
    title: "client: RSV1 frame when permessage-deflate was offered but not accepted",
    role: "client",
    // Offered (offer() was called) but never finalized: not enabled.
    extensions: () => {
      const offered = new PerMessageDeflate();
      offered.offer();
      return [offered];
    },
    input: [hex("C1 07 F2 48 CD C9 C9 07 00")],
    expected: fail(1002, "Reserved bit set unexpectedly"),
  },
  {
    id: "Z24",
    title: "trailing garbage after the final block",
    ...AT_SERVER,
    input: [hex("C1 8A k F3 48 CD C9 C9 07 00 00 DE AD")],
    cutBeforeClose: { type: "text", prefix: "Hello" },
    expected: fail(1007),
  },
  // RFC 7692 §7.2.3, client role, unmasked.
  {
    id: "R1",
    title: "§7.2.3.1 then §7.2.3.2 (the second uses the shared window)",
    ...AT_CLIENT,
    input: [toClient(0xc1, HELLO), toClient(0xc1, hex("F2 00 11 00 00"))],
    expected: texts("Hello", "Hello"),
  },
  { id: "R2", title: "§7.2.3.3 stored block", ...AT_CLIENT, input: [hex("C1 0B 00 05 00 FA FF 48 65 6C 6C 6F 00")], expected: texts("Hello") },
  {
    id: "R3",
    title: "§7.2.3.4 BFINAL=1, then §7.2.3.1",
    ...AT_CLIENT,
    input: [hex("C1 08 F3 48 CD C9 C9 07 00 00"), toClient(0xc1, HELLO)],
    expected: texts("Hello", "Hello"),
  },
  { id: "R4", title: "§7.2.3.5 two blocks", ...AT_CLIENT, input: [hex("C1 0D F2 48 05 00 00 00 FF FF CA C9 C9 07 00")], expected: texts("Hello") },
  { id: "R5", title: "§7.2.3.6 empty message", ...AT_CLIENT, input: [hex("C1 01 00")], expected: texts("") },
] satisfies CompressionRow[]);
