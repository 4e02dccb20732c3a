/**
 * Errors of the Node adapter: a refused handshake and a deadline that ran out.
 */
import type { Headers } from "../events.js";

/**
 * The server answered the opening handshake with an HTTP status other than 101.
 * `body` holds the start of the response body (at most {@link REJECTION_BODY_LIMIT} bytes).
 *
 * @example
 * ```ts
 * try { await connect("ws://127.0.0.1:8080/private"); }
 * catch (error) {
 *   if (error instanceof ConnectionRejectedError) console.log(error.statusCode, error.body.toString());
 * }
 * ```
 */
export class ConnectionRejectedError extends Error {
  override name = "ConnectionRejectedError";
  /** The response's status, e.g. 403. */
  readonly statusCode: number;
  /** The response's headers, names lower-case. */
  readonly headers: Headers;
  /** The body received (truncated past {@link REJECTION_BODY_LIMIT} bytes). */
  readonly body: Buffer;

  constructor(statusCode: number, headers: Headers, body: Buffer) {
    super(`The server rejected the WebSocket handshake with HTTP ${statusCode}`);
    this.statusCode = statusCode;
    this.headers = headers;
    this.body = body;
  }
}

/** How much of a rejection's body a client keeps; the rest is not read. */
export const REJECTION_BODY_LIMIT = 64 * 1024;

/**
 * A handshake did not complete in time (`handshakeTimeout`); the socket was destroyed.
 *
 * @example
 * ```ts
 * await connect(url, { handshakeTimeout: 2000 }).catch((e) => e instanceof HandshakeTimeoutError);
 * ```
 */
export class HandshakeTimeoutError extends Error {
  override name = "HandshakeTimeoutError";
  /** The deadline that ran out, in milliseconds. */
  readonly timeout: number;

  constructor(timeout: number) {
    super(`The WebSocket opening handshake did not complete within ${timeout} ms`);
    this.timeout = timeout;
  }
}
