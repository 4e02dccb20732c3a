/**
 * The server's side of the HTTP/1.1 opening handshake (RFC 6455 §4.2): validating the
 * client's request into a `Request` event, and writing the 101 or the rejection.
 *
 * Validation follows wsproto's order and messages (spec §4.2) and the statuses of
 * hardening §5.1: every failure is a `RemoteProtocolError` whose `eventHint` is the
 * `RejectConnection` to send back.
 */

import { WEBSOCKET_VERSION } from "../constants.js";
import { LocalProtocolError, RemoteProtocolError } from "../errors.js";
import { type AcceptConnection, type Headers, RejectConnection, Request } from "../events.js";
import { parseExtensionHeader } from "../extensions/extension-header.js";
import { acceptToken, isValidNonce } from "./accept.js";
import { encodeHead } from "./bytes.js";
import { serverExtensionsHandshake } from "./extensions-handshake.js";
import {
  excerpt,
  groupHeaders,
  listHasToken,
  parseSubprotocols,
  requireExtraHeaders,
  requireHeaderName,
  requireHeaderValue,
  requireSubprotocol,
  requireTarget,
  splitCommaList,
  trimOws,
} from "./header-values.js";
import { decodeHost, isValidHost } from "./host.js";
import { type OutboundBodyFraming, RejectBodyWriter } from "./http-body.js";
import type { HeadFailure, RequestHead } from "./http-head.js";
import { reasonPhrase } from "./reason-phrases.js";

/** Options of {@link validateRequest}. */
export interface RequestValidationOptions {
  /**
   * Decides whether a request may connect from its `Origin` (`null` when absent);
   * returning false rejects with 403. Browsers send cookies on cross-site WebSocket
   * handshakes, so a server that authenticates by cookie must check (CWE-1385).
   */
  readonly checkOrigin?: (origin: string | null) => boolean;
}

/** Headers the `Request` event carries in its own fields instead of `extraHeaders`. */
const REQUEST_FIELDS: ReadonlySet<string> = new Set(["host", "sec-websocket-protocol", "sec-websocket-extensions"]);

function reject(message: string, statusCode: number, headers: Headers = []): RemoteProtocolError {
  return new RemoteProtocolError(message, new RejectConnection({ statusCode, headers }));
}

/**
 * The failure to report for a request head the parser refused: 400 for malformed
 * syntax, 414 for an over-long request line, 431 for too large or too many headers; an
 * input that ended early has no hint (there is nobody left to answer).
 *
 * @example
 * ```ts
 * const result = parser.feed(chunk);
 * if (result.status === "failed") throw requestHeadFailure(result.failure);
 * ```
 */
export function requestHeadFailure(failure: HeadFailure): RemoteProtocolError {
  const message = `Bad HTTP message: ${failure.message}`;
  switch (failure.reason) {
    case "incomplete":
      return new RemoteProtocolError(message, null);
    case "start-line-too-long":
      return reject(message, 414);
    case "head-too-large":
    case "too-many-headers":
      return reject(message, 431);
    default:
      return reject(message, 400);
  }
}

/**
 * A request head from headers an HTTP server already parsed (wsproto's
 * `initiate_upgrade_connection(headers, path)`): names lower-cased, values OWS-trimmed,
 * as the parser would report them. Pass the result to {@link validateRequest}.
 *
 * @throws {LocalProtocolError} for an invalid target or header (the same rules as for
 *   headers wstate writes: no CR, LF, NUL or other control characters).
 * @example
 * ```ts
 * // in node:http's "upgrade" handler
 * const request = validateRequest(upgradeRequestHead(pairs(req.rawHeaders), req.url!));
 * ```
 */
export function upgradeRequestHead(headers: Headers, target: string): RequestHead {
  requireTarget(target);
  const lowered = headers.map(([name, value]) => {
    requireHeaderName(name);
    requireHeaderValue(name, value);
    return [name.toLowerCase(), trimOws(value)] as const;
  });
  return { method: "GET", target, httpVersion: "1.1", headers: lowered };
}

/**
 * Checks a parsed request head as a WebSocket opening handshake and turns it into the
 * `Request` event, or into the `RemoteProtocolError` to raise (its `eventHint` is the
 * rejection to send). Checks, in order: HTTP/1.1 (505), one valid `Host` (400), no body
 * (400), the target form (400), method GET (405 with `Allow: GET`), `Connection: upgrade`
 * (400), `Sec-WebSocket-Version: 13` (426 with `Sec-WebSocket-Version: 13` for another
 * version, 400 when absent, repeated or malformed), one `Sec-WebSocket-Key` that is base64
 * of 16 bytes (400), `Upgrade: websocket` (400), at most one `Origin` (400) and
 * `checkOrigin` (403), well-formed `Sec-WebSocket-Protocol` and `Sec-WebSocket-Extensions`
 * (400).
 *
 * The event's `host` is decoded from punycode; `subprotocols` and `extensions` (offer
 * items) merge every header line; `extraHeaders` holds every other header, lower-case.
 *
 * @example
 * ```ts
 * const request = validateRequest(result.head);
 * if (request instanceof RemoteProtocolError) socket.end(serialize(request.eventHint));
 * else console.log(request.target, request.subprotocols);
 * ```
 */
export function validateRequest(head: RequestHead, options: RequestValidationOptions = {}): Request | RemoteProtocolError {
  if (head.httpVersion !== "1.1") {
    return reject(`WebSocket requires HTTP/1.1, not HTTP/${head.httpVersion}`, 505);
  }
  const headers = groupHeaders(head.headers);
  const one = (name: string): string | undefined => headers.get(name)?.[0];
  const repeated = (name: string): boolean => (headers.get(name)?.length ?? 0) > 1;

  const hosts = headers.get("host");
  if (hosts === undefined) return reject("Missing header, 'Host'", 400);
  if (hosts.length > 1) return reject("Duplicate header 'Host'", 400);
  const host = hosts[0];
  if (!isValidHost(host)) return reject(`Invalid Host header ${JSON.stringify(excerpt(host))}`, 400);

  if (headers.has("transfer-encoding")) return reject("A request with a body (Transfer-Encoding) cannot be upgraded", 400);
  const contentLength = headers.get("content-length");
  if (contentLength !== undefined && !contentLength.flatMap(splitCommaList).every((v) => v === "0")) {
    return reject("A request with a body (Content-Length) cannot be upgraded", 400);
  }

  const targetProblem = checkTarget(head.target, host);
  if (targetProblem !== null) return reject(targetProblem, 400);

  if (head.method !== "GET") return reject("Request method must be GET", 405, [["Allow", "GET"]]);

  if (!listHasToken(headers.get("connection") ?? [], "upgrade")) {
    return reject("Missing header, 'Connection: Upgrade'", 400);
  }

  const versionProblem = checkVersion(headers.get("sec-websocket-version"));
  if (versionProblem !== null) return versionProblem;

  const key = one("sec-websocket-key");
  if (key === undefined) return reject("Missing header, 'Sec-WebSocket-Key'", 400);
  if (repeated("sec-websocket-key")) return reject("Duplicate header 'Sec-WebSocket-Key'", 400);
  if (!isValidNonce(key)) return reject("Invalid Sec-WebSocket-Key: it must be base64 of 16 bytes", 400);

  if (!listHasToken(headers.get("upgrade") ?? [], "websocket")) {
    return reject("Missing header, 'Upgrade: WebSocket'", 400);
  }

  if (repeated("origin")) return reject("Duplicate header 'Origin'", 400);
  if (options.checkOrigin !== undefined && !options.checkOrigin(one("origin") ?? null)) {
    return reject("Origin not allowed", 403);
  }

  const subprotocols = parseSubprotocols(headers.get("sec-websocket-protocol") ?? []);
  if (typeof subprotocols === "string") return reject(`Invalid Sec-WebSocket-Protocol header: ${subprotocols}`, 400);

  const extensions: string[] = [];
  for (const value of headers.get("sec-websocket-extensions") ?? []) {
    if (value === "") continue;
    const items = parseExtensionHeader(value);
    if (items === null) return reject("Invalid Sec-WebSocket-Extensions header", 400);
    for (const item of items) extensions.push(item.text);
  }

  return new Request({
    host: decodeHost(host),
    target: head.target,
    subprotocols,
    extensions,
    extraHeaders: head.headers.filter(([name]) => !REQUEST_FIELDS.has(name)),
  });
}

/**
 * The request target must be origin-form (`/path?query`) or, as RFC 6455 §4.1 allows,
 * an absolute URI (`http`, `https`, `ws`, `wss`) whose authority is the `Host` header,
 * so that routing on either gives the same answer. Returns what is wrong, or null.
 */
function checkTarget(target: string, host: string): string | null {
  if (target.startsWith("/")) return null;
  const schemeEnd = target.indexOf("://");
  const scheme = schemeEnd < 0 ? "" : target.slice(0, schemeEnd).toLowerCase();
  if (scheme !== "http" && scheme !== "https" && scheme !== "ws" && scheme !== "wss") {
    return `Invalid request target ${JSON.stringify(excerpt(target))}: expected /path or an absolute http(s) or ws(s) URI`;
  }
  const authorityStart = schemeEnd + 3;
  let authorityEnd = authorityStart;
  while (authorityEnd < target.length && !"/?#".includes(target[authorityEnd])) authorityEnd++;
  const authority = target.slice(authorityStart, authorityEnd);
  if (authority.toLowerCase() !== host.toLowerCase()) {
    return `Request target authority ${JSON.stringify(excerpt(authority))} does not match the Host header`;
  }
  return null;
}

/** RFC 6455 §4.1 `version = DIGIT | (NZDIGIT DIGIT) | ("1" DIGIT DIGIT) | ("2" DIGIT DIGIT)`, 0–255. */
function isVersionNumber(text: string): boolean {
  if (text.length === 0 || text.length > 3 || (text.length > 1 && text[0] === "0")) return false;
  for (let i = 0; i < text.length; i++) if (text[i] < "0" || text[i] > "9") return false;
  return Number(text) <= 255;
}

/**
 * `Sec-WebSocket-Version` must appear once with the value 13. Another well-formed
 * version (or list of versions) gets 426 so the client can retry with 13 (RFC 6455
 * §4.4); an absent, repeated or malformed header gets 400. Both carry
 * `Sec-WebSocket-Version: 13`.
 */
function checkVersion(values: readonly string[] | undefined): RemoteProtocolError | null {
  const advertise: Headers = [["Sec-WebSocket-Version", WEBSOCKET_VERSION]];
  const message = "Missing header, 'Sec-WebSocket-Version'";
  if (values === undefined) return reject(message, 400, advertise);
  if (values.length > 1) return reject("Duplicate header 'Sec-WebSocket-Version'", 400, advertise);
  if (values[0] === WEBSOCKET_VERSION) return null;
  const wellFormed = splitCommaList(values[0]).every(isVersionNumber);
  return reject(message, wellFormed ? 426 : 400, advertise);
}

/** Headers a 101 response gets from wstate; the hint says where they come from. */
const ACCEPT_RESERVED: ReadonlyMap<string, string> = new Map([
  ["upgrade", "it is always Upgrade: websocket"],
  ["connection", "it is always Connection: Upgrade"],
  ["sec-websocket-accept", "it is computed from the request's key"],
  ["sec-websocket-protocol", "set AcceptConnection.subprotocol instead"],
  ["sec-websocket-extensions", "pass the Extension objects in AcceptConnection.extensions instead"],
  ["content-length", "a 101 response has no body"],
  ["transfer-encoding", "a 101 response has no body"],
]);

/**
 * The `HTTP/1.1 101 Switching Protocols` response accepting `request`: `Upgrade`,
 * `Connection`, `Sec-WebSocket-Accept`, then the chosen subprotocol, the negotiated
 * `Sec-WebSocket-Extensions` (see {@link serverExtensionsHandshake}; the accepted
 * extension objects become enabled) and `accept.extraHeaders` as given.
 *
 * Everything is checked before any extension is asked, so a refused call changes nothing.
 *
 * @throws {LocalProtocolError} when the subprotocol was not offered by the client, an
 *   extra header is invalid or reserved, or an extension misbehaves.
 * @example
 * ```ts
 * socket.write(buildAcceptResponse(request, new AcceptConnection({ subprotocol: "chat" })));
 * ```
 */
export function buildAcceptResponse(request: Request, accept: AcceptConnection): Uint8Array {
  const keys = request.extraHeaders.filter(([name]) => name === "sec-websocket-key");
  if (keys.length !== 1 || !isValidNonce(keys[0][1])) {
    throw new LocalProtocolError(
      "The Request has no single valid sec-websocket-key header: accept only a Request received from the client",
    );
  }
  const headers: Array<readonly [string, string]> = [
    ["Upgrade", "websocket"],
    ["Connection", "Upgrade"],
    ["Sec-WebSocket-Accept", acceptToken(keys[0][1])],
  ];
  const subprotocol = accept.subprotocol;
  if (subprotocol !== null) {
    requireSubprotocol(subprotocol);
    if (!request.subprotocols.includes(subprotocol)) {
      throw new LocalProtocolError(
        `unexpected subprotocol ${subprotocol}: choose one the client offered (${request.subprotocols.join(", ") || "none"})`,
      );
    }
    headers.push(["Sec-WebSocket-Protocol", subprotocol]);
  }
  requireExtraHeaders(accept.extraHeaders, ACCEPT_RESERVED);
  if (accept.extensions.length > 0) {
    const offers = request.extensions.filter((offer): offer is string => typeof offer === "string");
    const negotiated = serverExtensionsHandshake(offers, accept.extensions);
    if (negotiated !== null) headers.push(["Sec-WebSocket-Extensions", negotiated]);
  }
  headers.push(...accept.extraHeaders);
  return encodeHead("HTTP/1.1 101 Switching Protocols", headers);
}

/** What {@link buildRejectResponse} produced: the head, and the body encoder if a body follows. */
export interface RejectResponse {
  readonly bytes: Uint8Array;
  /** Encodes each `RejectData`; null when `hasBody` was false (the response is complete). */
  readonly body: RejectBodyWriter | null;
}

/**
 * The response head rejecting the handshake, status line `HTTP/1.1 <code> <reason>`, then
 * `reject.headers` and the body framing (RFC 9112 §6): `content-length: 0` without a
 * body; with a body, the application's own `Content-Length` if given (the body must
 * then be exactly that long), else `transfer-encoding: chunked`, or `connection: close`
 * with a close-delimited body when the client spoke HTTP/1.0.
 *
 * @param peerIsHttp10 - the request was HTTP/1.0, which cannot read a chunked body.
 * @throws {LocalProtocolError} for a status outside 200–999, invalid headers, a
 *   `Transfer-Encoding` header, or a `Content-Length` that contradicts `hasBody`.
 * @example
 * ```ts
 * const { bytes, body } = buildRejectResponse(new RejectConnection({ statusCode: 403, hasBody: true }));
 * socket.write(bytes);
 * socket.end(body!.write(new TextEncoder().encode("forbidden"), true));
 * ```
 */
export function buildRejectResponse(reject: RejectConnection, peerIsHttp10 = false): RejectResponse {
  const { statusCode, hasBody } = reject;
  if (!Number.isInteger(statusCode) || statusCode < 200 || statusCode > 999) {
    throw new LocalProtocolError(
      `RejectConnection.statusCode must be an integer from 200 to 999 (accept with AcceptConnection for 101), not ${String(statusCode)}`,
    );
  }
  if (hasBody && (statusCode === 204 || statusCode === 304)) {
    throw new LocalProtocolError(`A ${statusCode} response cannot have a body: set hasBody to false`);
  }
  const headers: Array<readonly [string, string]> = [];
  let declaredLength: number | null = null;
  for (const [name, value] of reject.headers) {
    requireHeaderName(name);
    requireHeaderValue(name, value);
    const lower = name.toLowerCase();
    if (lower === "transfer-encoding") {
      throw new LocalProtocolError("Do not set Transfer-Encoding: wstate frames the rejection body itself");
    }
    if (lower === "content-length") {
      if (declaredLength !== null || !/^[0-9]{1,15}$/.test(value)) {
        throw new LocalProtocolError(`Give one Content-Length with a decimal length, not ${JSON.stringify(value)}`);
      }
      declaredLength = Number(value);
      if (!hasBody && declaredLength !== 0) {
        throw new LocalProtocolError(`Content-Length is ${value} but hasBody is false: set hasBody to true`);
      }
    }
    headers.push([name, value]);
  }
  let framing: OutboundBodyFraming | null = null;
  if (!hasBody) {
    if (declaredLength === null) headers.push(["content-length", "0"]);
  } else if (declaredLength !== null) {
    framing = { kind: "length", length: declaredLength };
  } else if (peerIsHttp10) {
    headers.push(["connection", "close"]);
    framing = { kind: "close" };
  } else {
    headers.push(["transfer-encoding", "chunked"]);
    framing = { kind: "chunked" };
  }
  const bytes = encodeHead(`HTTP/1.1 ${statusCode} ${reasonPhrase(statusCode)}`, headers);
  return { bytes, body: framing === null ? null : new RejectBodyWriter(framing) };
}
