/**
 * The fuzzer's own permessage-deflate (RFC 7692): Autobahn's negotiation semantics and a
 * codec on `node:zlib`, so wstate's pako-based codec is judged by an independent one.
 *
 * Context takeover is modelled with preset dictionaries: compressing a message with the
 * last 2^bits bytes of earlier messages as dictionary gives a stream an inflater with
 * that history decodes, and inflating with exactly that history (nothing more) fails on
 * a peer that keeps a context it promised to drop or reaches past its agreed window.
 */
import { constants, deflateRawSync, inflateRawSync } from "node:zlib";
import type { DeflateOfferSpec } from "./catalogue.js";
import { concatBytes } from "./wire.js";

export const PERMESSAGE_DEFLATE = "permessage-deflate";

/** The agreed parameters (RFC 7692 §7.1). */
export interface DeflateAgreement {
  readonly clientNoContextTakeover: boolean;
  readonly clientMaxWindowBits: number;
  readonly serverNoContextTakeover: boolean;
  readonly serverMaxWindowBits: number;
}

/** One (requestNoContextTakeover, requestMaxWindowBits) entry of an Autobahn server accept policy. */
export interface AcceptRule {
  readonly noContextTakeover: boolean;
  readonly maxWindowBits: number;
}

/** Autobahn's `PerMessageDeflateOffer` as text (its `get_extension_string`). */
export function offerString(offer: DeflateOfferSpec): string {
  let text = PERMESSAGE_DEFLATE;
  if (offer.accept_no_context_takeover) text += "; client_no_context_takeover";
  if (offer.accept_max_window_bits) text += "; client_max_window_bits";
  if (offer.request_no_context_takeover) text += "; server_no_context_takeover";
  if (offer.request_max_window_bits !== 0) text += `; server_max_window_bits=${offer.request_max_window_bits}`;
  return text;
}

/**
 * Parses one extension item: `name; p1; p2=v`. Returns the parameters, or a reason the
 * item is not a well-formed permessage-deflate item.
 */
export function parseDeflateItem(item: string): Map<string, string | null> | string {
  const [name, ...rest] = item.split(";").map((part) => part.trim());
  if (name !== PERMESSAGE_DEFLATE) return `not ${PERMESSAGE_DEFLATE}: ${JSON.stringify(item)}`;
  const params = new Map<string, string | null>();
  for (const part of rest) {
    const match = /^([a-z_]+)(?:\s*=\s*"?([0-9]+)"?)?$/.exec(part);
    if (match === null) return `malformed parameter ${JSON.stringify(part)}`;
    if (params.has(match[1])) return `duplicate parameter ${match[1]}`;
    params.set(match[1], match[2] ?? null);
  }
  for (const key of params.keys()) {
    if (!/^(client|server)_(no_context_takeover|max_window_bits)$/.test(key)) return `unknown parameter ${key}`;
  }
  return params;
}

function windowBits(value: string | null | undefined, fallback: number): number | string {
  if (value === undefined || value === null) return fallback;
  const bits = Number(value);
  return Number.isInteger(bits) && bits >= 8 && bits <= 15 ? bits : `window bits ${value} out of 8..15`;
}

/** Parses the policy text of the catalogue ("[(True, 9), (False, 0)]" or "accept … as-is"). */
export function parseAcceptPolicy(text: string): AcceptRule[] {
  const rules = [...text.matchAll(/\((True|False),\s*(\d+)\)/g)].map((m) => ({
    noContextTakeover: m[1] === "True",
    maxWindowBits: Number(m[2]),
  }));
  return rules.length > 0 ? rules : [{ noContextTakeover: false, maxWindowBits: 0 }];
}

/** The fuzzer as server: what it answers to the client's offers, or null when it declines all. */
export interface ServerAnswer {
  readonly offerIndex: number;
  readonly response: string;
  readonly agreement: DeflateAgreement;
}

/**
 * Autobahn's server accept functions (accept1…accept7): for each rule in order, the
 * first offer that supports it (client_no_context_takeover / client_max_window_bits
 * present when the rule requests them) is accepted with `PerMessageDeflateOfferAccept`.
 */
export function fuzzerServerAccept(rules: readonly AcceptRule[], offers: readonly string[]): ServerAnswer | null {
  for (const rule of rules) {
    for (let index = 0; index < offers.length; index++) {
      const params = parseDeflateItem(offers[index]);
      if (typeof params === "string") continue;
      const acceptsNoContextTakeover = params.has("client_no_context_takeover");
      const acceptsMaxWindowBits = params.has("client_max_window_bits");
      if (rule.noContextTakeover && !acceptsNoContextTakeover) continue;
      if (rule.maxWindowBits !== 0 && !acceptsMaxWindowBits) continue;
      const requestedServerBits = windowBits(params.get("server_max_window_bits"), 0);
      if (typeof requestedServerBits === "string") continue;
      const serverNoContextTakeover = params.has("server_no_context_takeover");
      let response = PERMESSAGE_DEFLATE;
      if (serverNoContextTakeover) response += "; server_no_context_takeover";
      if (requestedServerBits !== 0) response += `; server_max_window_bits=${requestedServerBits}`;
      if (rule.noContextTakeover) response += "; client_no_context_takeover";
      if (rule.maxWindowBits !== 0) response += `; client_max_window_bits=${rule.maxWindowBits}`;
      return {
        offerIndex: index,
        response,
        agreement: {
          clientNoContextTakeover: rule.noContextTakeover,
          clientMaxWindowBits: rule.maxWindowBits || 15,
          serverNoContextTakeover,
          serverMaxWindowBits: requestedServerBits || 15,
        },
      };
    }
  }
  return null;
}

/**
 * The fuzzer as client: checks the server's response against the offers it sent
 * (RFC 7692 §7.1) and returns the agreement, or a reason the response is invalid.
 */
export function fuzzerClientAgreement(offers: readonly DeflateOfferSpec[], response: string): DeflateAgreement | string {
  const params = parseDeflateItem(response);
  if (typeof params === "string") return params;
  // The response must fit at least one offer.
  const reasons: string[] = [];
  for (const offer of offers) {
    const serverBits = windowBits(params.get("server_max_window_bits"), 15);
    const clientBits = windowBits(params.get("client_max_window_bits"), 15);
    if (typeof serverBits === "string" || typeof clientBits === "string") return `${serverBits}${clientBits}`;
    if (params.has("server_max_window_bits") && params.get("server_max_window_bits") === null) return "bare server_max_window_bits";
    if (params.has("client_max_window_bits") && params.get("client_max_window_bits") === null) return "bare client_max_window_bits";
    if (offer.request_no_context_takeover && !params.has("server_no_context_takeover")) {
      reasons.push("server_no_context_takeover was requested but not answered");
    } else if (offer.request_max_window_bits !== 0 && serverBits > offer.request_max_window_bits) {
      reasons.push(`server_max_window_bits=${serverBits} exceeds the ${offer.request_max_window_bits} requested`);
    } else if (params.has("client_max_window_bits") && !offer.accept_max_window_bits) {
      reasons.push("client_max_window_bits answered although the offer did not allow it");
    } else if (params.has("client_no_context_takeover") && !offer.accept_no_context_takeover) {
      reasons.push("client_no_context_takeover answered although the offer did not allow it");
    } else {
      return {
        clientNoContextTakeover: params.has("client_no_context_takeover"),
        clientMaxWindowBits: clientBits,
        serverNoContextTakeover: params.has("server_no_context_takeover"),
        serverMaxWindowBits: serverBits,
      };
    }
  }
  return reasons.join("; ");
}

const SYNC_TAIL = Uint8Array.of(0x00, 0x00, 0xff, 0xff);

/** The last `size` bytes of everything sent in one direction, for context takeover. */
class History {
  #window: Uint8Array = new Uint8Array(0);
  constructor(readonly size: number) {}

  get bytes(): Uint8Array {
    return this.#window;
  }

  append(data: Uint8Array): void {
    if (data.length >= this.size) {
      this.#window = data.slice(data.length - this.size);
    } else {
      const keep = Math.min(this.#window.length, this.size - data.length);
      this.#window = concatBytes([this.#window.subarray(this.#window.length - keep), data]);
    }
  }
}

/** The fuzzer's per-connection codec, for the agreed parameters and the fuzzer's role. */
export class FuzzerDeflate {
  readonly #outBits: number;
  readonly #outTakeover: boolean;
  readonly #outHistory: History;
  readonly #inBits: number;
  readonly #inTakeover: boolean;
  readonly #inHistory: History;
  /** Compressed and uncompressed byte counts of the peer's messages (its compression ratio). */
  inboundCompressed = 0;
  inboundPlain = 0;

  constructor(agreement: DeflateAgreement, fuzzerIsClient: boolean) {
    const clientBits = agreement.clientMaxWindowBits;
    const serverBits = agreement.serverMaxWindowBits;
    this.#outBits = fuzzerIsClient ? clientBits : serverBits;
    this.#outTakeover = !(fuzzerIsClient ? agreement.clientNoContextTakeover : agreement.serverNoContextTakeover);
    this.#inBits = fuzzerIsClient ? serverBits : clientBits;
    this.#inTakeover = !(fuzzerIsClient ? agreement.serverNoContextTakeover : agreement.clientNoContextTakeover);
    // zlib cannot compress with an 8-bit window (RFC 7692 §7.1.2.1 allows it on the wire).
    this.#outBits = Math.max(this.#outBits, 9);
    this.#outHistory = new History(2 ** this.#outBits);
    this.#inHistory = new History(2 ** this.#inBits);
  }

  /** One message, compressed and without the trailing 00 00 ff ff (RFC 7692 §7.2.1). */
  compress(message: Uint8Array): Uint8Array {
    const options: Parameters<typeof deflateRawSync>[1] = {
      windowBits: this.#outBits,
      finishFlush: constants.Z_SYNC_FLUSH,
    };
    if (this.#outTakeover && this.#outHistory.bytes.length > 0) options.dictionary = this.#outHistory.bytes;
    const out = new Uint8Array(deflateRawSync(message, options));
    if (this.#outTakeover) this.#outHistory.append(message);
    return out.subarray(0, out.length - SYNC_TAIL.length);
  }

  /** One whole message from the peer, inflated. Throws a zlib error for a bad stream. */
  decompress(payload: Uint8Array): Uint8Array {
    const options: Parameters<typeof inflateRawSync>[1] = {
      windowBits: Math.max(this.#inBits, 8),
      finishFlush: constants.Z_SYNC_FLUSH,
    };
    if (this.#inTakeover && this.#inHistory.bytes.length > 0) options.dictionary = this.#inHistory.bytes;
    const out = new Uint8Array(inflateRawSync(concatBytes([payload, SYNC_TAIL]), options));
    if (this.#inTakeover) this.#inHistory.append(out);
    this.inboundCompressed += payload.length;
    this.inboundPlain += out.length;
    return out;
  }
}
