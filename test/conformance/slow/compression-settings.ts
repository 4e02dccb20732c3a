/**
 * How many messages the compression cases send. Autobahn sends 1000 per case (about
 * 40 minutes for sections 12 and 13 on two cores); by default every case runs with 100
 * (every size, fragmentation and parameter set; windows still slide many times over).
 * `WSTATE_AUTOBAHN_COUNT=1000 npm run test:conformance` runs the suite unabridged.
 */
const DEFAULT_COUNT = 100;

function readCount(): number {
  const text = process.env.WSTATE_AUTOBAHN_COUNT;
  if (text === undefined || text === "") return DEFAULT_COUNT;
  const count = Number(text);
  if (!Number.isSafeInteger(count) || count < 1) throw new Error(`WSTATE_AUTOBAHN_COUNT must be a positive integer, got ${text}`);
  return count;
}

export const COMPRESSION_COUNT = readCount();
