/**
 * Names a value a caller passed where it did not belong, for LocalProtocolError messages.
 *
 * @example
 * ```ts
 * describeValue(new Uint16Array(2)); // "Uint16Array"
 * describeValue("10");               // "\"10\""
 * ```
 */
export function describeValue(value: unknown): string {
  if (typeof value === "number" || typeof value === "bigint" || typeof value === "boolean") return String(value);
  if (typeof value === "string") return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (value === null) return "null";
  if (typeof value === "object") return (value as { constructor?: { name?: string } }).constructor?.name ?? "an object";
  return typeof value;
}
