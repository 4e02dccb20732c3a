/**
 * Byte helpers of the handshake. HTTP heads are read and written as Latin-1: one
 * character per byte, so every byte sequence decodes and round-trips.
 */

/** Reads `bytes[start, end)` as Latin-1. */
export function latin1Decode(bytes: Uint8Array, start = 0, end = bytes.length): string {
  let text = "";
  for (let at = start; at < end; at += 4096) {
    const stop = Math.min(end, at + 4096);
    text += String.fromCharCode.apply(null, bytes.subarray(at, stop) as unknown as number[]);
  }
  return text;
}

/** Writes `text` as Latin-1; the caller has checked that every code unit is ≤ U+00FF. */
export function latin1Encode(text: string): Uint8Array {
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return bytes;
}

/**
 * A head on the wire: the start line, `Name: value` lines, and the empty line, each ended
 * by CRLF. The caller has validated every part.
 */
export function encodeHead(startLine: string, headers: ReadonlyArray<readonly [string, string]>): Uint8Array {
  let head = startLine + "\r\n";
  for (const [name, value] of headers) head += name + ": " + value + "\r\n";
  return latin1Encode(head + "\r\n");
}
