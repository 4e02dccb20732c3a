/**
 * permessage-deflate parameter negotiation (RFC 7692 §7.1), as pure functions.
 *
 * Both directions parse with the RFC 6455 §9.1 grammar (quoted values allowed), reject
 * unknown and duplicate parameters, values on value-less parameters and window bits that
 * are not a plain decimal 8–15 without leading zeros. The server side declines what it
 * cannot honour; the client side explains why a response is unacceptable.
 *
 * Window bits: RFC 7692 allows 8, but zlib cannot deflate with a 256-byte window (raw
 * deflate with 8 is an error; zlib-wrapped deflate silently uses 9, so zlib-based peers
 * that agreed to 8 really send 9-bit streams). Therefore wstate never *compresses* with
 * 8: a server declines an offer demanding `server_max_window_bits=8`, and a client fails
 * a response demanding `client_max_window_bits=8`. Agreeing that the *peer* uses 8 is
 * fine; wstate then inflates with 9, which accepts every 8-bit stream.
 */

import { parseExtensionHeader, type ExtensionParam } from "./extension-header.js";

/** The extension token of RFC 7692. */
export const PERMESSAGE_DEFLATE = "permessage-deflate";

/** The largest LZ77 window, 2^15 bytes, used when nothing smaller was agreed. */
export const MAX_WINDOW_BITS = 15;
/** The smallest window zlib can compress with. */
export const MIN_DEFLATE_WINDOW_BITS = 9;

/** The four RFC 7692 parameters as negotiated (or as configured, before negotiation). */
export interface DeflateParams {
  readonly clientNoContextTakeover: boolean;
  /** The largest window the client compresses with: 8–15. */
  readonly clientMaxWindowBits: number;
  readonly serverNoContextTakeover: boolean;
  /** The largest window the server compresses with: 9–15 once negotiated. */
  readonly serverMaxWindowBits: number;
}

/** What the application configured; an absent window size means "no preference" (15). */
export interface DeflatePreferences {
  readonly clientNoContextTakeover: boolean;
  readonly clientMaxWindowBits: number | undefined;
  readonly serverNoContextTakeover: boolean;
  readonly serverMaxWindowBits: number | undefined;
}

/** The parameters found in one offer or response item. `true` = present without a value. */
interface ReceivedParams {
  clientNoContextTakeover: boolean;
  serverNoContextTakeover: boolean;
  clientMaxWindowBits: number | true | undefined;
  serverMaxWindowBits: number | true | undefined;
}

const WINDOW_BITS_TEXT: ReadonlyMap<string, number> = new Map(
  [8, 9, 10, 11, 12, 13, 14, 15].map((bits) => [String(bits), bits]),
);

/**
 * Parses one `permessage-deflate` item. `from` says who wrote it: in an offer
 * `client_max_window_bits` may be bare; everywhere else window sizes need a value.
 * Returns the parameters, or a sentence saying what is wrong.
 */
function parseItem(text: string, from: "offer" | "response"): ReceivedParams | string {
  const items = parseExtensionHeader(text);
  if (items === null || items.length !== 1) return `${JSON.stringify(text)} is not one extension item`;
  const [item] = items;
  if (item.name !== PERMESSAGE_DEFLATE) return `extension ${JSON.stringify(item.name)} is not ${PERMESSAGE_DEFLATE}`;
  const received: ReceivedParams = {
    clientNoContextTakeover: false,
    serverNoContextTakeover: false,
    clientMaxWindowBits: undefined,
    serverMaxWindowBits: undefined,
  };
  const seen = new Set<string>();
  for (const { name, value } of item.params) {
    if (seen.has(name)) return `parameter ${name} appears twice`;
    seen.add(name);
    switch (name) {
      case "client_no_context_takeover":
      case "server_no_context_takeover":
        if (value !== null) return `parameter ${name} takes no value`;
        if (name === "client_no_context_takeover") received.clientNoContextTakeover = true;
        else received.serverNoContextTakeover = true;
        break;
      case "client_max_window_bits":
      case "server_max_window_bits": {
        let bits: number | true;
        if (value === null) {
          if (from === "response" || name === "server_max_window_bits") return `parameter ${name} needs a value`;
          bits = true;
        } else {
          const parsed = WINDOW_BITS_TEXT.get(value);
          if (parsed === undefined) {
            return `${name}=${value} is not a window size from 8 to 15 (decimal, no leading zero)`;
          }
          bits = parsed;
        }
        if (name === "client_max_window_bits") received.clientMaxWindowBits = bits;
        else received.serverMaxWindowBits = bits;
        break;
      }
      default:
        return `unknown parameter ${name}`;
    }
  }
  return received;
}

/** `name; name=value` — our own parameters, whose names and values are tokens. */
function formatParams(params: readonly ExtensionParam[]): string {
  return params.map((p) => (p.value === null ? p.name : `${p.name}=${p.value}`)).join("; ");
}

/** The parameters a client offers for its preferences (RFC 7692 §7.1), without the name. */
export function clientOfferParams(prefs: DeflatePreferences): string {
  const params: ExtensionParam[] = [];
  // Always announce support for client_max_window_bits: it lets a server that wants a
  // small inflate window ask for one instead of declining.
  params.push({
    name: "client_max_window_bits",
    value: prefs.clientMaxWindowBits === undefined ? null : String(prefs.clientMaxWindowBits),
  });
  if (prefs.serverMaxWindowBits !== undefined) {
    params.push({ name: "server_max_window_bits", value: String(prefs.serverMaxWindowBits) });
  }
  if (prefs.clientNoContextTakeover) params.push({ name: "client_no_context_takeover", value: null });
  if (prefs.serverNoContextTakeover) params.push({ name: "server_no_context_takeover", value: null });
  return formatParams(params);
}

/** A server's answer to one acceptable offer. */
export interface ServerAgreement {
  readonly params: DeflateParams;
  /** The response item's parameters (`""` = the bare name). */
  readonly response: string;
}

/**
 * Server side: what to answer to one offer item, or a reason to decline it.
 *
 * The server honours every limit the client asked for, adds its own, and answers
 * `client_max_window_bits` only when the client announced support for it (RFC 7692
 * §7.1.2.2); when it did not, the client may use a 15-bit window whatever the server
 * prefers, and the returned params say so.
 */
export function serverAgreement(prefs: DeflatePreferences, offer: string): ServerAgreement | string {
  const offered = parseItem(offer, "offer");
  if (typeof offered === "string") return offered;

  const clientNoContextTakeover = prefs.clientNoContextTakeover || offered.clientNoContextTakeover;
  const serverNoContextTakeover = prefs.serverNoContextTakeover || offered.serverNoContextTakeover;

  let serverMaxWindowBits = prefs.serverMaxWindowBits ?? MAX_WINDOW_BITS;
  if (typeof offered.serverMaxWindowBits === "number") {
    serverMaxWindowBits = Math.min(serverMaxWindowBits, offered.serverMaxWindowBits);
  }
  if (serverMaxWindowBits < MIN_DEFLATE_WINDOW_BITS) {
    return `server_max_window_bits=${serverMaxWindowBits} is smaller than zlib can compress with`;
  }
  const announceServerBits = offered.serverMaxWindowBits !== undefined || prefs.serverMaxWindowBits !== undefined;

  let clientMaxWindowBits = MAX_WINDOW_BITS;
  let announceClientBits = false;
  if (offered.clientMaxWindowBits === true) {
    clientMaxWindowBits = prefs.clientMaxWindowBits ?? MAX_WINDOW_BITS;
    announceClientBits = prefs.clientMaxWindowBits !== undefined;
  } else if (offered.clientMaxWindowBits !== undefined) {
    clientMaxWindowBits = Math.min(prefs.clientMaxWindowBits ?? MAX_WINDOW_BITS, offered.clientMaxWindowBits);
    announceClientBits = true;
  }

  const response: ExtensionParam[] = [];
  if (clientNoContextTakeover) response.push({ name: "client_no_context_takeover", value: null });
  if (serverNoContextTakeover) response.push({ name: "server_no_context_takeover", value: null });
  if (announceClientBits) response.push({ name: "client_max_window_bits", value: String(clientMaxWindowBits) });
  if (announceServerBits) response.push({ name: "server_max_window_bits", value: String(serverMaxWindowBits) });
  return {
    params: { clientNoContextTakeover, clientMaxWindowBits, serverNoContextTakeover, serverMaxWindowBits },
    response: formatParams(response),
  };
}

/**
 * Client side: the parameters a server's response item establishes, checked against what
 * `clientOffer(prefs)` offered. Returns a sentence saying what is wrong when the response
 * is not acceptable.
 */
export function clientAgreement(prefs: DeflatePreferences, response: string): DeflateParams | string {
  const answered = parseItem(response, "response");
  if (typeof answered === "string") return answered;

  if (prefs.serverNoContextTakeover && !answered.serverNoContextTakeover) {
    return "the client asked for server_no_context_takeover and the server did not agree to it";
  }
  // A response never holds a bare window size: parseItem rejected those.
  const serverBits = answered.serverMaxWindowBits as number | undefined;
  if (prefs.serverMaxWindowBits !== undefined) {
    if (serverBits === undefined) {
      return `the client asked for server_max_window_bits=${prefs.serverMaxWindowBits} and the server did not agree to it`;
    }
    if (serverBits > prefs.serverMaxWindowBits) {
      return `server_max_window_bits=${serverBits} exceeds the ${prefs.serverMaxWindowBits} the client asked for`;
    }
  }
  const clientLimit = prefs.clientMaxWindowBits ?? MAX_WINDOW_BITS;
  const clientBits = answered.clientMaxWindowBits as number | undefined;
  if (clientBits !== undefined) {
    if (clientBits > clientLimit) {
      return `client_max_window_bits=${clientBits} exceeds the ${clientLimit} the client offered`;
    }
    if (clientBits < MIN_DEFLATE_WINDOW_BITS) {
      return `client_max_window_bits=${clientBits} is smaller than zlib can compress with`;
    }
  }
  return {
    clientNoContextTakeover: prefs.clientNoContextTakeover || answered.clientNoContextTakeover,
    clientMaxWindowBits: clientBits ?? clientLimit,
    serverNoContextTakeover: answered.serverNoContextTakeover,
    serverMaxWindowBits: serverBits ?? MAX_WINDOW_BITS,
  };
}
