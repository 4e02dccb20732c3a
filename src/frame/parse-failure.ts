/**
 * Why the peer's bytes cannot be accepted: the close code to fail the connection with and
 * a diagnostic reason (wsproto's `ParseFailed`). A value, not an exception: the receive
 * path reports failures as `CloseConnection` events and never throws.
 *
 * @example
 * ```ts
 * const failure = new ParseFailure(1002, "Reserved bit set unexpectedly");
 * new CloseConnection({ code: failure.code, reason: failure.reason });
 * ```
 */
export class ParseFailure {
  constructor(
    /** The close code: 1002, 1007, 1008, 1009, or the code an extension returned. */
    readonly code: number,
    /** What was wrong, for logs and the Close frame's reason. */
    readonly reason: string,
  ) {}
}
