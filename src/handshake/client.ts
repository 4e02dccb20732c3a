/**
 * The client's side of the HTTP/1.1 opening handshake (RFC 6455 §4.1): writing the
 * upgrade request, and validating the server's answer into `AcceptConnection`,
 * `RejectConnection` (with a body reader) or a `RemoteProtocolError`.
 */

import { WEBSOCKET_VERSION } from "../constants.js";
import { LocalProtocolError, RemoteProtocolError } from "../errors.js";
import { AcceptConnection, RejectConnection, type Request } from "../events.js";
import type { Extension } from "../extensions/extension.js";
import { parseExtensionHeader } from "../extensions/extension-header.js";
import { acceptToken, isValidNonce } from "./accept.js";
import { encodeHead } from "./bytes.js";
import { clientExtensionsHandshake, clientExtensionsOffer } from "./extensions-handshake.js";
import {
  excerpt,
  groupHeaders,
  listHasToken,
  requireExtraHeaders,
  requireSubprotocol,
  requireTarget,
  splitCommaList,
} from "./header-values.js";
import { encodeHost } from "./host.js";
import { RejectBodyReader, responseBodyFraming } from "./http-body.js";
import type { HeadFailure, HeadLimits, ResponseHead } from "./http-head.js";

/** Headers a request gets from wstate; the hint says where they come from. */
const REQUEST_RESERVED: ReadonlyMap<string, string> = new Map([
  ["host", "set Request.host instead"],
  ["upgrade", "it is always Upgrade: websocket"],
  ["connection", "it is always Connection: Upgrade"],
  ["sec-websocket-key", "it is generated for each request"],
  ["sec-websocket-version", "it is always 13"],
  ["sec-websocket-protocol", "set Request.subprotocols instead"],
  ["sec-websocket-extensions", "pass Extension objects in Request.extensions instead"],
  ["content-length", "an upgrade request has no body"],
  ["transfer-encoding", "an upgrade request has no body"],
]);

/** What {@link buildRequest} produced. */
export interface ClientRequest {
  /** The request head to write. */
  readonly bytes: Uint8Array;
  /** The extensions that made an offer, to pass to {@link validateResponse}. */
  readonly offeredExtensions: readonly Extension[];
}

function isExtension(value: unknown): value is Extension {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as Extension).name === "string" &&
    typeof (value as Extension).offer === "function" &&
    typeof (value as Extension).finalize === "function"
  );
}

/**
 * The upgrade request for `request` with `nonce` as `Sec-WebSocket-Key`: `GET <target>
 * HTTP/1.1`, then `Host` (punycode for international names), `Upgrade: websocket`,
 * `Connection: Upgrade`, `Sec-WebSocket-Key`, `Sec-WebSocket-Version: 13`, the
 * subprotocols joined by `, `, the extension offers (each extension's `offer()`: `true`
 * or `""` offers the bare name, a string `name; <string>`, `false`/`null` nothing), then
 * `request.extraHeaders` as given.
 *
 * @throws {LocalProtocolError} for an invalid host, target, subprotocol, extension,
 *   offer or header (CR, LF, NUL and other controls are never written), a header wstate
 *   writes itself, or an extension or subprotocol listed twice.
 * @example
 * ```ts
 * const nonce = generateNonce();
 * const { bytes, offeredExtensions } = buildRequest(
 *   new Request({ host: "example.com", target: "/chat", extensions: [new PerMessageDeflate()] }),
 *   nonce,
 * );
 * ```
 */
export function buildRequest(request: Request, nonce: string): ClientRequest {
  const host = encodeHost(request.host);
  requireTarget(request.target);
  if (typeof nonce !== "string" || !isValidNonce(nonce)) {
    throw new LocalProtocolError("The nonce must be base64 of 16 random bytes: use generateNonce()");
  }
  const headers: Array<readonly [string, string]> = [
    ["Host", host],
    ["Upgrade", "websocket"],
    ["Connection", "Upgrade"],
    ["Sec-WebSocket-Key", nonce],
    ["Sec-WebSocket-Version", WEBSOCKET_VERSION],
  ];
  if (request.subprotocols.length > 0) {
    const seen = new Set<string>();
    for (const protocol of request.subprotocols) {
      requireSubprotocol(protocol);
      if (seen.has(protocol)) throw new LocalProtocolError(`Subprotocol ${protocol} is listed twice in Request.subprotocols`);
      seen.add(protocol);
    }
    headers.push(["Sec-WebSocket-Protocol", request.subprotocols.join(", ")]);
  }
  for (const extension of request.extensions) {
    if (!isExtension(extension)) {
      throw new LocalProtocolError("Request.extensions must hold Extension objects (such as PerMessageDeflate) to send");
    }
  }
  const { header, offered: offeredExtensions } = clientExtensionsOffer(request.extensions as readonly Extension[]);
  if (header !== null) headers.push(["Sec-WebSocket-Extensions", header]);
  requireExtraHeaders(request.extraHeaders, REQUEST_RESERVED);
  headers.push(...request.extraHeaders);
  return { bytes: encodeHead(`GET ${request.target} HTTP/1.1`, headers), offeredExtensions };
}

/** What the client offered, to check the response against. */
export interface ClientOffer {
  /** The `Sec-WebSocket-Key` sent. */
  readonly nonce: string;
  /** The subprotocols offered (`Request.subprotocols`). */
  readonly subprotocols: readonly string[];
  /** The extensions that made an offer ({@link ClientRequest.offeredExtensions}). */
  readonly extensions: readonly Extension[];
  /** Bounds for a chunked rejection body's trailer section (default: the head limits). */
  readonly limits?: Partial<HeadLimits>;
}

/**
 * The outcome of a response head:
 * - `accepted`: a valid 101; the connection opens (the head's trailing bytes are frames);
 * - `rejected`: any other status; `body` reads the body when `event.hasBody` (1xx, 204,
 *   304 and `Content-Length: 0` have none);
 * - `failed`: the response breaks RFC 6455 §4.1; the connection must be dropped.
 */
export type ResponseOutcome =
  | { readonly type: "accepted"; readonly event: AcceptConnection }
  | { readonly type: "rejected"; readonly event: RejectConnection; readonly body: RejectBodyReader | null }
  | { readonly type: "failed"; readonly error: RemoteProtocolError };

/** Headers the `AcceptConnection` event carries in its own fields instead of `extraHeaders`. */
const ACCEPT_FIELDS: ReadonlySet<string> = new Set([
  "connection",
  "upgrade",
  "sec-websocket-accept",
  "sec-websocket-protocol",
  "sec-websocket-extensions",
]);

function failed(message: string): ResponseOutcome {
  return { type: "failed", error: new RemoteProtocolError(message, new RejectConnection()) };
}

/**
 * The failure to report for a response head the parser refused (or that never came).
 *
 * @example
 * ```ts
 * const result = parser.feed(chunk);
 * if (result.status === "failed") throw responseHeadFailure(result.failure);
 * ```
 */
export function responseHeadFailure(failure: HeadFailure): RemoteProtocolError {
  return new RemoteProtocolError(`Bad HTTP message: ${failure.message}`, new RejectConnection());
}

/**
 * Checks the server's response head against what the client offered (RFC 6455 §4.1,
 * hardening §5.2). For a 101, in order: HTTP/1.1, `Connection: upgrade`,
 * `Upgrade: websocket`, exactly one `Sec-WebSocket-Accept` equal to the token of the nonce,
 * at most one `Sec-WebSocket-Protocol` naming an offered subprotocol, and
 * `Sec-WebSocket-Extensions` (every header line, merged) accepting only offered extensions,
 * each once, with parameters their `finalize()` takes. Any other status is a rejection.
 *
 * @example
 * ```ts
 * const outcome = validateResponse(result.head, { nonce, subprotocols: ["chat"], extensions: offeredExtensions });
 * if (outcome.type === "accepted") console.log(outcome.event.subprotocol);
 * ```
 */
export function validateResponse(head: ResponseHead, offer: ClientOffer): ResponseOutcome {
  if (head.statusCode !== 101) return rejection(head, offer);
  if (head.httpVersion !== "1.1") return failed(`Bad HTTP message: a 101 response must be HTTP/1.1, not HTTP/${head.httpVersion}`);
  const headers = groupHeaders(head.headers);

  if (!listHasToken(headers.get("connection") ?? [], "upgrade")) return failed("Missing header, 'Connection: Upgrade'");
  const upgrade = (headers.get("upgrade") ?? []).flatMap(splitCommaList);
  if (upgrade.length !== 1 || upgrade[0].toLowerCase() !== "websocket") return failed("Missing header, 'Upgrade: WebSocket'");

  const accepts = headers.get("sec-websocket-accept") ?? [];
  if (accepts.length > 1) return failed("Duplicate header 'Sec-WebSocket-Accept'");
  if (accepts[0] !== acceptToken(offer.nonce)) return failed("Bad accept token");

  const protocols = headers.get("sec-websocket-protocol");
  let subprotocol: string | null = null;
  if (protocols !== undefined) {
    if (protocols.length > 1) return failed("Duplicate header 'Sec-WebSocket-Protocol'");
    subprotocol = protocols[0];
    if (!offer.subprotocols.includes(subprotocol)) return failed(`unrecognized subprotocol ${excerpt(subprotocol)}`);
  }

  const accepted: string[] = [];
  for (const value of headers.get("sec-websocket-extensions") ?? []) {
    if (value === "") continue;
    const items = parseExtensionHeader(value);
    if (items === null) return failed("Invalid Sec-WebSocket-Extensions header");
    for (const item of items) accepted.push(item.text);
  }
  let extensions: Extension[];
  try {
    extensions = clientExtensionsHandshake(accepted, offer.extensions);
  } catch (error) {
    if (error instanceof RemoteProtocolError) return { type: "failed", error };
    throw error;
  }

  const event = new AcceptConnection({
    subprotocol,
    extensions,
    extraHeaders: head.headers.filter(([name]) => !ACCEPT_FIELDS.has(name)),
  });
  return { type: "accepted", event };
}

/** A non-101 response: the rejection event and, when a body follows, its reader. */
function rejection(head: ResponseHead, offer: ClientOffer): ResponseOutcome {
  const framing = responseBodyFraming(head.statusCode, head.headers);
  if (typeof framing === "string") return failed(`Bad HTTP message: ${framing}`);
  const hasBody = framing.kind !== "none";
  const event = new RejectConnection({ statusCode: head.statusCode, headers: head.headers, hasBody });
  return { type: "rejected", event, body: hasBody ? new RejectBodyReader(framing, offer.limits) : null };
}
