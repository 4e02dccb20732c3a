/**
 * The `Origin` policy a server must choose explicitly (hardening §1.10, CWE-1385):
 * browsers send cookies with cross-site WebSocket handshakes, so a server that trusts
 * cookies must refuse foreign origins. There is no default.
 */

/** Exactly one of these must be given to a WebSocket server. */
export interface OriginPolicyOptions {
  /** Decides from the `Origin` header (`null` when absent); false answers 403. */
  checkOrigin?: (origin: string | null) => boolean;
  /**
   * The origins allowed, e.g. `["https://example.com"]` (scheme, host and port, compared
   * case-insensitively); any other `Origin` is answered 403. A request without `Origin`
   * is allowed: only browsers send one, and only browsers carry the cookies CSWSH abuses.
   */
  allowedOrigins?: readonly string[];
  /** Accept every origin: say so explicitly, knowing what it means (no cookie auth). */
  allowAnyOrigin?: boolean;
}

/**
 * Turns the options into the `checkOrigin` predicate the engine applies.
 *
 * @throws TypeError when no policy or more than one is given, or one is malformed.
 * @example
 * ```ts
 * const check = resolveOriginPolicy({ allowedOrigins: ["https://example.com"] });
 * check("https://example.com"); // true
 * check("https://evil.example"); // false
 * ```
 */
export function resolveOriginPolicy(options: OriginPolicyOptions): (origin: string | null) => boolean {
  const given = [
    options.checkOrigin !== undefined && "checkOrigin",
    options.allowedOrigins !== undefined && "allowedOrigins",
    options.allowAnyOrigin === true && "allowAnyOrigin",
  ].filter((name): name is string => name !== false);
  if (given.length === 0) {
    throw new TypeError(
      "A WebSocket server must decide about the Origin header (cross-site WebSocket hijacking, CWE-1385): " +
        "pass allowedOrigins: [...], checkOrigin: (origin) => boolean, or allowAnyOrigin: true.",
    );
  }
  if (given.length > 1) throw new TypeError(`Give one Origin policy, not ${given.join(" and ")}.`);
  if (options.checkOrigin !== undefined) {
    if (typeof options.checkOrigin !== "function") throw new TypeError("checkOrigin must be a function (origin: string | null) => boolean.");
    return options.checkOrigin;
  }
  if (options.allowedOrigins !== undefined) {
    if (!Array.isArray(options.allowedOrigins) || !options.allowedOrigins.every((o) => typeof o === "string")) {
      throw new TypeError('allowedOrigins must be an array of origin strings such as "https://example.com".');
    }
    const allowed = new Set(options.allowedOrigins.map((origin) => origin.toLowerCase()));
    return (origin) => origin === null || allowed.has(origin.toLowerCase());
  }
  return () => true;
}
