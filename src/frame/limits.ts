/**
 * The receive limits of the frame layer (DESIGN.md "Limits") and the validation of the
 * options that set them.
 *
 * Every limit is an integer from 1 to {@link MAX_LIMIT}. Anything else is refused at once
 * rather than coerced: ws stores `maxPayload | 0`, so 2^31 or 4 GiB silently became "no
 * limit" (hardening §4 item 6, row G09).
 */

/** How much one inbound message may cost. */
export interface FrameLimits {
  /** Bytes of one message after any extension (inflation) ran. Default 1 MiB. */
  maxMessageSize: number;
  /** Declared payload length of one data frame. Default: `maxMessageSize`. */
  maxFrameSize: number;
  /** Frames in one message, empty ones counted. Default 4096. */
  maxFragments: number;
}

/**
 * The largest value a limit may take: 2^31 − 1. Large enough for any message a
 * streaming consumer wants, small enough that every declared 64-bit length whose high
 * word is not zero is over the limit, and that no int32 coercion anywhere can wrap it.
 */
export const MAX_LIMIT = 0x7fff_ffff;

/**
 * The defaults: 1 MiB messages, frames up to the message size, 4096 fragments.
 *
 * @example
 * ```ts
 * DEFAULT_LIMITS.maxMessageSize; // 1048576
 * ```
 */
export const DEFAULT_LIMITS: Readonly<FrameLimits> = Object.freeze({
  maxMessageSize: 1024 * 1024,
  maxFrameSize: 1024 * 1024,
  maxFragments: 4096,
});

function checkLimit(name: keyof FrameLimits, value: unknown): number {
  if (typeof value !== "number") {
    throw new TypeError(`${name} must be a number (an integer from 1 to ${MAX_LIMIT}); got ${typeof value}`);
  }
  if (!Number.isInteger(value) || value < 1 || value > MAX_LIMIT) {
    throw new RangeError(`${name} must be an integer from 1 to ${MAX_LIMIT}; got ${value}`);
  }
  return value;
}

/**
 * Validates the limit options and fills in the defaults. `maxFrameSize` defaults to the
 * (possibly user-set) `maxMessageSize`.
 *
 * @throws TypeError when a limit is not a number (`"10"`), RangeError when it is not an
 *   integer from 1 to {@link MAX_LIMIT} (`NaN`, `1.5`, `-1`, `0`, `2 ** 31`).
 *
 * @example
 * ```ts
 * resolveLimits({ maxMessageSize: 64 * 1024 });
 * // { maxMessageSize: 65536, maxFrameSize: 65536, maxFragments: 4096 }
 * ```
 */
export function resolveLimits(options: Partial<FrameLimits> | undefined): Readonly<FrameLimits> {
  const given = options ?? {};
  const maxMessageSize =
    given.maxMessageSize === undefined
      ? DEFAULT_LIMITS.maxMessageSize
      : checkLimit("maxMessageSize", given.maxMessageSize);
  const maxFrameSize =
    given.maxFrameSize === undefined ? maxMessageSize : checkLimit("maxFrameSize", given.maxFrameSize);
  const maxFragments =
    given.maxFragments === undefined
      ? DEFAULT_LIMITS.maxFragments
      : checkLimit("maxFragments", given.maxFragments);
  // Connections made with the same limits share one frozen object: the defaults, or the last set made.
  for (const known of [DEFAULT_LIMITS, lastResolved]) {
    if (known.maxMessageSize === maxMessageSize && known.maxFrameSize === maxFrameSize && known.maxFragments === maxFragments) {
      return known;
    }
  }
  return (lastResolved = Object.freeze({ maxMessageSize, maxFrameSize, maxFragments }));
}

let lastResolved: Readonly<FrameLimits> = DEFAULT_LIMITS;
