/**
 * The payload of a Close frame (RFC 6455 §5.5.1, §7.4): a 2-byte code and a UTF-8
 * reason. Parsing follows wsproto's `_process_close` (behavior spec §6.7) except that
 * 1012–1014 are accepted (IANA-registered); encoding follows wsproto's `close()` (§7.3)
 * except that illegal codes are refused instead of sent (DESIGN.md deviation 7).
 */
import { CloseReason, isValidWireCloseCode } from "../constants.js";
import { LocalProtocolError } from "../errors.js";
import { CloseConnection } from "../events.js";
import { describeValue } from "./describe-value.js";
import { ParseFailure } from "./parse-failure.js";
import { decodeUtf8, isWellFormedText, truncateUtf8 } from "./utf8.js";

/** A close reason is at most 123 bytes: the 125-byte control payload minus the code. */
export const MAX_CLOSE_REASON_BYTES = 123;

const EMPTY = new Uint8Array(0);
const utf8Encoder = new TextEncoder();

function protocolError(reason: string): ParseFailure {
  return new ParseFailure(CloseReason.PROTOCOL_ERROR, reason);
}

/**
 * Reads a received Close payload. An empty payload means "no status" (code 1005, reason
 * ""). A 1-byte payload, a code that may not be sent, or a reason that is not UTF-8 is a
 * failure (1002, 1002, 1007).
 *
 * @example
 * ```ts
 * parseClosePayload(new Uint8Array([0x03, 0xe8, 0x62, 0x79, 0x65])); // CloseConnection 1000 "bye"
 * parseClosePayload(new Uint8Array([0x03, 0xed]));                   // ParseFailure 1002
 * ```
 */
export function parseClosePayload(payload: Uint8Array): CloseConnection | ParseFailure {
  if (payload.length === 0) return new CloseConnection({ code: CloseReason.NO_STATUS_RCVD, reason: "" });
  if (payload.length === 1) return protocolError("CLOSE with 1 byte payload");
  const code = (payload[0] << 8) | payload[1];
  if (code < 1000 || code > 4999) return protocolError("CLOSE with invalid code");
  if (
    code === CloseReason.NO_STATUS_RCVD ||
    code === CloseReason.ABNORMAL_CLOSURE ||
    code === CloseReason.TLS_HANDSHAKE_FAILED
  ) {
    return protocolError("remote CLOSE with local-only reason");
  }
  if (!isValidWireCloseCode(code)) return protocolError("CLOSE with unknown reserved code");
  const { text, error } = decodeUtf8(payload.subarray(2));
  if (text === null) {
    return new ParseFailure(CloseReason.INVALID_FRAME_PAYLOAD_DATA, `Error decoding CLOSE reason: ${error}`);
  }
  return new CloseConnection({ code, reason: text });
}

/**
 * Builds the payload of a Close frame to send. `1005` (NO_STATUS_RCVD) means "no code":
 * an empty payload, which cannot carry a reason. The reason is cut to 123 UTF-8 bytes
 * without splitting a character.
 *
 * @throws LocalProtocolError for a code that may not be sent (below 1000, 1004, 1006,
 *   1015, 1016–2999, 5000 and above, non-integers), a reason that is not a string, a
 *   reason with a lone surrogate, or a reason with code 1005.
 *
 * @example
 * ```ts
 * encodeClosePayload(1000, "bye"); // Uint8Array [0x03, 0xe8, 0x62, 0x79, 0x65]
 * encodeClosePayload(1005);        // Uint8Array []
 * ```
 */
export function encodeClosePayload(code: number, reason: string = ""): Uint8Array {
  if (typeof reason !== "string") {
    throw new LocalProtocolError(
      `The close reason must be a string; got ${describeValue(reason)}. Pass text (at most 123 UTF-8 bytes) or omit it.`,
    );
  }
  if (code === CloseReason.NO_STATUS_RCVD) {
    if (reason !== "") {
      throw new LocalProtocolError(
        "A close reason needs a close code: code 1005 (NO_STATUS_RCVD) sends a Close without code or reason. " +
          "Use 1000 (NORMAL_CLOSURE) to send a reason.",
      );
    }
    return EMPTY;
  }
  if (typeof code !== "number" || !Number.isInteger(code) || !isValidWireCloseCode(code)) {
    throw new LocalProtocolError(
      `Close code ${describeValue(code)} may not be sent: use 1000–1003, 1007–1014 or 3000–4999 ` +
        "(1000 = normal closure), or 1005 for a Close without a code. 1006 and 1015 are local-only.",
    );
  }
  if (!isWellFormedText(reason)) {
    throw new LocalProtocolError(
      "The close reason contains a lone surrogate, which has no UTF-8 encoding: pass well-formed text.",
    );
  }
  const reasonBytes = truncateUtf8(utf8Encoder.encode(reason), MAX_CLOSE_REASON_BYTES);
  const payload = new Uint8Array(2 + reasonBytes.length);
  payload[0] = code >> 8;
  payload[1] = code & 0xff;
  payload.set(reasonBytes, 2);
  return payload;
}
