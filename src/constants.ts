/**
 * Protocol constants shared by every layer: opcodes, close codes, roles and states.
 *
 * They are plain frozen objects (not TypeScript enums) so that they work the same in
 * every runtime and bundler, and each has a type of the same name for its values.
 */

/**
 * Frame opcodes of RFC 6455 §5.2.
 *
 * @example
 * ```ts
 * if (frame.opcode === Opcode.TEXT) console.log("text frame");
 * ```
 */
export const Opcode = Object.freeze({
  CONTINUATION: 0x0,
  TEXT: 0x1,
  BINARY: 0x2,
  CLOSE: 0x8,
  PING: 0x9,
  PONG: 0xa,
} as const);
/** One of the {@link Opcode} values. */
export type Opcode = (typeof Opcode)[keyof typeof Opcode];

/** True for the control opcodes (CLOSE, PING, PONG): RFC 6455 §5.5. */
export function isControlOpcode(opcode: number): boolean {
  return (opcode & 0x08) !== 0;
}

/**
 * Close status codes of RFC 6455 §7.4.1 and the IANA registry, with wsproto's names.
 *
 * @example
 * ```ts
 * ws.send(new CloseConnection({ code: CloseReason.GOING_AWAY, reason: "restarting" }));
 * ```
 */
export const CloseReason = Object.freeze({
  NORMAL_CLOSURE: 1000,
  GOING_AWAY: 1001,
  PROTOCOL_ERROR: 1002,
  UNSUPPORTED_DATA: 1003,
  NO_STATUS_RCVD: 1005,
  ABNORMAL_CLOSURE: 1006,
  INVALID_FRAME_PAYLOAD_DATA: 1007,
  POLICY_VIOLATION: 1008,
  MESSAGE_TOO_BIG: 1009,
  MANDATORY_EXT: 1010,
  INTERNAL_ERROR: 1011,
  SERVICE_RESTART: 1012,
  TRY_AGAIN_LATER: 1013,
  BAD_GATEWAY: 1014,
  TLS_HANDSHAKE_FAILED: 1015,
} as const);
/** One of the named {@link CloseReason} codes. */
export type CloseReason = (typeof CloseReason)[keyof typeof CloseReason];

/**
 * Whether `code` may appear in a Close frame on the wire (RFC 6455 §7.4, IANA registry):
 * 1000–1003, 1007–1014 and 3000–4999. 1005, 1006 and 1015 are local-only.
 */
export function isValidWireCloseCode(code: number): boolean {
  return (
    (code >= 1000 && code <= 1003) ||
    (code >= 1007 && code <= 1014) ||
    (code >= 3000 && code <= 4999)
  );
}

/**
 * Which side of the connection this engine plays.
 *
 * @example
 * ```ts
 * const ws = new WSConnection(ConnectionType.SERVER);
 * ```
 */
export const ConnectionType = Object.freeze({
  CLIENT: "CLIENT",
  SERVER: "SERVER",
} as const);
/** One of the {@link ConnectionType} values. */
export type ConnectionType = (typeof ConnectionType)[keyof typeof ConnectionType];

/**
 * The lifecycle states a connection reports (wsproto's `ConnectionState`).
 * Each is a top-level state of the statechart in `machines/`.
 *
 * @example
 * ```ts
 * if (ws.state === ConnectionState.OPEN) socket.write(ws.send(new Ping()));
 * ```
 */
export const ConnectionState = Object.freeze({
  CONNECTING: "CONNECTING",
  OPEN: "OPEN",
  REMOTE_CLOSING: "REMOTE_CLOSING",
  LOCAL_CLOSING: "LOCAL_CLOSING",
  CLOSED: "CLOSED",
  REJECTING: "REJECTING",
} as const);
/** One of the {@link ConnectionState} values. */
export type ConnectionState = (typeof ConnectionState)[keyof typeof ConnectionState];

/** The GUID of RFC 6455 §1.3 used to compute `Sec-WebSocket-Accept`. */
export const ACCEPT_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

/** The only WebSocket version this engine speaks (RFC 6455 §4.1). */
export const WEBSOCKET_VERSION = "13";
