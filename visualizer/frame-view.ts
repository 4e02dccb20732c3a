/**
 * Decodes one WebSocket frame for display (RFC 6455 §5.2): every header field, the length
 * encoding, the masking key, the payload, and the RFC rules that apply to it.
 *
 * Unlike the engine's decoder this one never refuses: a broken frame is described, with
 * the rule it breaks. It runs in the browser (the page) and in Node (the hub).
 */
import { CloseReason, isControlOpcode, isValidWireCloseCode } from "../src/constants.js";

/** How the payload length is written: in the 7-bit field, or 16/64 bits after it. */
export type LengthEncoding = "7-bit" | "16-bit" | "64-bit";

/** Which side sent a frame; it decides whether the frame must be masked (§5.1). */
export type FrameSender = "CLIENT" | "SERVER";

/** The fixed part of a frame, as read from its first 2–14 bytes. */
export interface FrameHeader {
  readonly fin: boolean;
  readonly rsv1: boolean;
  readonly rsv2: boolean;
  readonly rsv3: boolean;
  /** 0–15. */
  readonly opcode: number;
  /** `text`, `binary`, `continuation`, `close`, `ping`, `pong`, or `reserved 0x3`… */
  readonly opcodeName: string;
  readonly masked: boolean;
  /** The declared payload length (exact up to 2^53). */
  readonly payloadLength: number;
  readonly lengthEncoding: LengthEncoding;
  /** The 4-byte masking key, or null when MASK is 0. */
  readonly maskingKey: Uint8Array | null;
  /** 2 + extended length (0, 2 or 8) + masking key (0 or 4). */
  readonly headerLength: number;
}

/** A header, or how many bytes are needed before it can be read. */
export type HeaderReading =
  | { readonly complete: true; readonly header: FrameHeader }
  | { readonly complete: false; readonly needed: number };

const OPCODE_NAMES: Readonly<Record<number, string>> = {
  0x0: "continuation",
  0x1: "text",
  0x2: "binary",
  0x8: "close",
  0x9: "ping",
  0xa: "pong",
};

/** The name of an opcode (RFC 6455 §5.2, §11.8). */
export function opcodeName(opcode: number): string {
  return OPCODE_NAMES[opcode] ?? `reserved 0x${opcode.toString(16)}`;
}

/**
 * Reads a frame header from the start of `bytes`.
 *
 * @example
 * ```ts
 * decodeFrameHeader(Uint8Array.of(0x81, 0x05)); // { complete: true, header: { fin: true, opcodeName: "text", payloadLength: 5, … } }
 * decodeFrameHeader(Uint8Array.of(0x82, 0x7e)); // { complete: false, needed: 4 }
 * ```
 */
export function decodeFrameHeader(bytes: Uint8Array): HeaderReading {
  if (bytes.length < 2) return { complete: false, needed: 2 };
  const first = bytes[0];
  const second = bytes[1];
  const masked = (second & 0x80) !== 0;
  const length7 = second & 0x7f;
  const extension = length7 === 126 ? 2 : length7 === 127 ? 8 : 0;
  const headerLength = 2 + extension + (masked ? 4 : 0);
  if (bytes.length < headerLength) return { complete: false, needed: headerLength };
  let payloadLength = length7;
  if (extension === 2) payloadLength = (bytes[2] << 8) | bytes[3];
  if (extension === 8) {
    const view = new DataView(bytes.buffer, bytes.byteOffset + 2, 8);
    payloadLength = view.getUint32(0) * 2 ** 32 + view.getUint32(4);
  }
  const opcode = first & 0x0f;
  return {
    complete: true,
    header: {
      fin: (first & 0x80) !== 0,
      rsv1: (first & 0x40) !== 0,
      rsv2: (first & 0x20) !== 0,
      rsv3: (first & 0x10) !== 0,
      opcode,
      opcodeName: opcodeName(opcode),
      masked,
      payloadLength,
      lengthEncoding: extension === 2 ? "16-bit" : extension === 8 ? "64-bit" : "7-bit",
      maskingKey: masked ? bytes.slice(2 + extension, headerLength) : null,
      headerLength,
    },
  };
}

/** Whether a frame follows a rule (`ok`), breaks it (`broken`), or the rule just explains (`info`). */
export type RuleStatus = "ok" | "broken" | "info";

/** One RFC rule that applies to a frame. */
export interface FrameRule {
  /** E.g. `RFC 6455 §5.3`. */
  readonly section: string;
  readonly text: string;
  readonly status: RuleStatus;
}

/** A Close frame's body (RFC 6455 §5.5.1). */
export interface CloseBody {
  /** null when the body is empty (the receiver reports 1005) or 1 byte long. */
  readonly code: number | null;
  /** `NORMAL_CLOSURE`, … or `application` / `unregistered`. */
  readonly codeName: string;
  readonly reason: string;
}

/** Everything the page shows about one frame. */
export interface FrameView {
  readonly header: FrameHeader;
  /** The header bytes as hex pairs, e.g. `81 85 37 fa 21 3d`. */
  readonly headerHex: string;
  /** The payload bytes present (unmasked); fewer than declared when the frame was cut. */
  readonly payload: Uint8Array;
  /** Whether `payload` holds the whole declared payload. */
  readonly payloadComplete: boolean;
  /** The payload as text, for text frames and their continuations (lossy UTF-8). */
  readonly payloadText: string | null;
  readonly close: CloseBody | null;
  readonly rules: readonly FrameRule[];
}

/** What the reader knows about the frame's context. */
export interface FrameContextHint {
  /** Who sent the frame; decides the masking rule. */
  readonly sender?: FrameSender;
  /** The kind of message a continuation frame continues, when known. */
  readonly continues?: "text" | "binary";
  /** permessage-deflate was negotiated, so RSV1 may mark a compressed message (RFC 7692). */
  readonly deflate?: boolean;
}

/** Hex pairs separated by spaces. */
export function toHex(bytes: Uint8Array): string {
  let out = "";
  for (let i = 0; i < bytes.length; i++) out += (i === 0 ? "" : " ") + bytes[i].toString(16).padStart(2, "0");
  return out;
}

/** Bytes from hex, spaces allowed (`"81 05"` or `"8105"`); null when it is not hex. */
export function fromHex(hex: string): Uint8Array | null {
  const digits = hex.replace(/\s+/g, "");
  if (digits.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(digits)) return null;
  const bytes = new Uint8Array(digits.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(digits.slice(2 * i, 2 * i + 2), 16);
  return bytes;
}

const CLOSE_CODE_NAMES = new Map<number, string>(Object.entries(CloseReason).map(([name, code]) => [code, name]));

/** The registered name of a close code, or its range (RFC 6455 §7.4). */
export function closeCodeName(code: number): string {
  const name = CLOSE_CODE_NAMES.get(code);
  if (name !== undefined) return name;
  if (code >= 3000 && code <= 3999) return "registered for libraries and frameworks";
  if (code >= 4000 && code <= 4999) return "private use (application)";
  return "unassigned";
}

const lenientUtf8 = new TextDecoder("utf-8", { fatal: false });
const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

function isUtf8(bytes: Uint8Array): boolean {
  try {
    strictUtf8.decode(bytes);
    return true;
  } catch {
    return false;
  }
}

function unmask(bytes: Uint8Array, key: Uint8Array | null): Uint8Array {
  const out = bytes.slice();
  if (key !== null) for (let i = 0; i < out.length; i++) out[i] ^= key[i & 3];
  return out;
}

/**
 * Decodes a whole frame (or its beginning: `bytes` may stop inside the payload), unmasks
 * the payload, and lists the RFC 6455 rules that apply. Returns null when `bytes` does not
 * hold a whole header.
 *
 * @example
 * ```ts
 * const view = describeFrame(Uint8Array.of(0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f), { sender: "SERVER" });
 * view?.payloadText; // "Hello"
 * view?.rules[0];    // { section: "RFC 6455 §5.1", text: "A server MUST NOT mask…", status: "ok" }
 * ```
 */
export function describeFrame(bytes: Uint8Array, hint: FrameContextHint = {}): FrameView | null {
  const reading = decodeFrameHeader(bytes);
  if (!reading.complete) return null;
  const { header } = reading;
  const payloadEnd = Math.min(bytes.length, header.headerLength + header.payloadLength);
  const payload = unmask(bytes.subarray(header.headerLength, payloadEnd), header.maskingKey);
  const payloadComplete = payload.length === header.payloadLength;
  const compressed = header.rsv1 && hint.deflate === true;
  const isText = header.opcode === 0x1 || (header.opcode === 0x0 && hint.continues === "text");
  const close = header.opcode === 0x8 ? readCloseBody(payload) : null;
  return {
    header,
    headerHex: toHex(bytes.subarray(0, header.headerLength)),
    payload,
    payloadComplete,
    payloadText: isText && !compressed ? lenientUtf8.decode(payload) : null,
    close,
    rules: frameRules(header, payload, payloadComplete, close, hint),
  };
}

function readCloseBody(payload: Uint8Array): CloseBody {
  if (payload.length < 2) return { code: null, codeName: payload.length === 0 ? "no status code" : "truncated", reason: "" };
  const code = (payload[0] << 8) | payload[1];
  return { code, codeName: closeCodeName(code), reason: lenientUtf8.decode(payload.subarray(2)) };
}

const rule = (section: string, text: string, status: RuleStatus): FrameRule => ({ section, text, status });

function frameRules(
  header: FrameHeader,
  payload: Uint8Array,
  payloadComplete: boolean,
  close: CloseBody | null,
  hint: FrameContextHint,
): FrameRule[] {
  return [
    maskingRule(header, hint.sender),
    ...(header.masked ? [rule("RFC 6455 §5.3", "Payload byte i is XOR-ed with masking-key byte (i mod 4).", "info")] : []),
    lengthRule(header),
    ...reservedBitRules(header, hint.deflate === true),
    ...opcodeRules(header, payload, payloadComplete, close, hint),
  ];
}

function maskingRule(header: FrameHeader, sender: FrameSender | undefined): FrameRule {
  if (sender === "CLIENT") {
    return header.masked
      ? rule("RFC 6455 §5.1", "A client MUST mask every frame it sends to the server.", "ok")
      : rule("RFC 6455 §5.1", "A client MUST mask every frame: the server MUST close the connection on an unmasked one.", "broken");
  }
  if (sender === "SERVER") {
    return header.masked
      ? rule("RFC 6455 §5.1", "A server MUST NOT mask frames: the client MUST close the connection on a masked one.", "broken")
      : rule("RFC 6455 §5.1", "A server MUST NOT mask the frames it sends to the client.", "ok");
  }
  return rule("RFC 6455 §5.1", "Clients mask every frame they send; servers never mask.", "info");
}

function lengthRule(header: FrameHeader): FrameRule {
  const length = header.payloadLength;
  switch (header.lengthEncoding) {
    case "7-bit":
      return rule("RFC 6455 §5.2", `Length ${length} (0–125) fits in the 7-bit field itself.`, "ok");
    case "16-bit":
      return length >= 126
        ? rule("RFC 6455 §5.2", `7-bit field 126: the length ${length} (126–65535) follows as a 16-bit unsigned integer.`, "ok")
        : rule("RFC 6455 §5.2", `Length ${length} is written in 16 bits but fits in 7: the minimal encoding MUST be used.`, "broken");
    case "64-bit":
      if (length >= 2 ** 63) {
        return rule("RFC 6455 §5.2", "The most significant bit of a 64-bit length MUST be 0.", "broken");
      }
      return length >= 65536
        ? rule("RFC 6455 §5.2", `7-bit field 127: the length ${length} (≥ 65536) follows as a 64-bit unsigned integer.`, "ok")
        : rule("RFC 6455 §5.2", `Length ${length} is written in 64 bits but fits in 16: the minimal encoding MUST be used.`, "broken");
  }
}

function reservedBitRules(header: FrameHeader, deflate: boolean): FrameRule[] {
  const rules: FrameRule[] = [];
  if (header.rsv1 && deflate) {
    rules.push(
      header.opcode === 0x1 || header.opcode === 0x2
        ? rule("RFC 7692 §6", "RSV1 on the first frame of a message: the message is compressed (permessage-deflate).", "ok")
        : rule("RFC 7692 §6.1", "RSV1 may only be set on the first frame of a data message.", "broken"),
    );
  }
  const unexplained = [header.rsv1 && !deflate && "RSV1", header.rsv2 && "RSV2", header.rsv3 && "RSV3"].filter(Boolean);
  if (unexplained.length > 0) {
    rules.push(
      rule(
        "RFC 6455 §5.2",
        `${unexplained.join(", ")} set, but no negotiated extension defines it: the receiver MUST fail the connection.`,
        "broken",
      ),
    );
  } else if (!header.rsv1) {
    rules.push(rule("RFC 6455 §5.2", "RSV1–3 are 0: they stay 0 unless an extension gives them a meaning.", "ok"));
  }
  return rules;
}

function opcodeRules(
  header: FrameHeader,
  payload: Uint8Array,
  payloadComplete: boolean,
  close: CloseBody | null,
  hint: FrameContextHint,
): FrameRule[] {
  const { opcode } = header;
  if (OPCODE_NAMES[opcode] === undefined) {
    return [rule("RFC 6455 §5.2", `Opcode 0x${opcode.toString(16)} is reserved: the receiver MUST fail the connection.`, "broken")];
  }
  if (isControlOpcode(opcode)) {
    const small = header.payloadLength <= 125;
    const rules = [
      rule(
        "RFC 6455 §5.5",
        small && header.fin
          ? "Control frames carry at most 125 bytes and are never fragmented (FIN = 1)."
          : `Control frames MUST carry at most 125 bytes and MUST NOT be fragmented: this one has ${header.payloadLength} bytes, FIN = ${header.fin ? 1 : 0}.`,
        small && header.fin ? "ok" : "broken",
      ),
    ];
    if (close !== null) rules.push(closeRule(close, payload, payloadComplete));
    if (opcode === 0x9) rules.push(rule("RFC 6455 §5.5.2", "The receiver MUST answer a Ping with a Pong carrying the same data.", "info"));
    if (opcode === 0xa) rules.push(rule("RFC 6455 §5.5.3", "A Pong echoes the Ping it answers; an unsolicited Pong is a heartbeat.", "info"));
    return rules;
  }
  const rules: FrameRule[] = [];
  if (opcode === 0x0) {
    rules.push(rule("RFC 6455 §5.4", `Opcode 0 continues the ${hint.continues ?? "fragmented"} message begun by a frame with FIN = 0.`, "info"));
  } else if (!header.fin) {
    rules.push(rule("RFC 6455 §5.4", "FIN = 0: the first fragment of a message; continuation frames (opcode 0) follow.", "info"));
  }
  if (opcode === 0x1 && header.fin && payloadComplete && !(header.rsv1 && hint.deflate === true)) {
    rules.push(
      isUtf8(payload)
        ? rule("RFC 6455 §5.6", "A text message is UTF-8.", "ok")
        : rule("RFC 6455 §8.1", "A text message MUST be valid UTF-8: the receiver fails the connection with 1007.", "broken"),
    );
  } else if (opcode === 0x2) {
    rules.push(rule("RFC 6455 §5.6", "Binary data: its meaning is up to the application.", "info"));
  }
  return rules;
}

function closeRule(close: CloseBody, payload: Uint8Array, payloadComplete: boolean): FrameRule {
  if (payload.length === 0 && payloadComplete) {
    return rule("RFC 6455 §5.5.1", "An empty Close body: no status code (the receiver reports 1005).", "ok");
  }
  if (close.code === null) {
    return rule("RFC 6455 §5.5.1", "A Close body, if any, MUST start with a 2-byte status code.", "broken");
  }
  if (!isValidWireCloseCode(close.code)) {
    return rule("RFC 6455 §7.4", `Code ${close.code} MUST NOT be sent in a Close frame.`, "broken");
  }
  if (payloadComplete && !isUtf8(payload.subarray(2))) {
    return rule("RFC 6455 §5.5.1", "The close reason MUST be UTF-8.", "broken");
  }
  return rule("RFC 6455 §5.5.1", `Status code ${close.code} (${close.codeName}), then a UTF-8 reason.`, "ok");
}
