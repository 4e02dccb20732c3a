/**
 * RFC 8441 (Bootstrapping WebSockets with HTTP/2) with wstate and `node:http2`: the
 * recipe that RFC8441.md explains, exactly as http2.test.ts runs it.
 *
 * Over HTTP/2 there is no Upgrade and no Sec-WebSocket-Key/Accept: the client opens a
 * stream with an extended CONNECT (`:protocol = websocket`), the server answers 200, and
 * the stream's DATA carries RFC 6455 frames (still masked by the client). Subprotocols
 * and extensions are negotiated with the same headers as over HTTP/1.1, so wstate's
 * `serverExtensionsHandshake` / `clientExtensionsHandshake` do that part, and a bare
 * `Connection` runs the session.
 */
import { once } from "node:events";
import type { ClientHttp2Session, ClientHttp2Stream, IncomingHttpHeaders, ServerHttp2Stream } from "node:http2";
import {
  Connection,
  ConnectionType,
  PerMessageDeflate,
  clientExtensionsHandshake,
  clientExtensionsOffer,
  parseExtensionHeader,
  serverExtensionsHandshake,
  type Extension,
} from "../../src/index.js";

/** A header's value as one string (Node gives repeated headers as an array). */
function headerValue(headers: IncomingHttpHeaders, name: string): string {
  const value = headers[name];
  return Array.isArray(value) ? value.join(", ") : (value ?? "");
}

/** The comma-separated tokens of a header (`Sec-WebSocket-Protocol`). */
function headerTokens(headers: IncomingHttpHeaders, name: string): string[] {
  return headerValue(headers, name)
    .split(",")
    .map((token) => token.trim())
    .filter((token) => token !== "");
}

/** The items of `Sec-WebSocket-Extensions`: none when absent, `null` when malformed. */
function extensionItems(headers: IncomingHttpHeaders): string[] | null {
  const value = headerValue(headers, "sec-websocket-extensions");
  if (value === "") return [];
  return parseExtensionHeader(value)?.map((item) => item.text) ?? null;
}

// --- server ---------------------------------------------------------------------------

/** What the server supports. */
export interface AcceptOptions {
  /** Subprotocols in the server's order of preference. */
  subprotocols?: readonly string[];
  /** Fresh extension objects for this stream (they keep per-connection state). */
  extensions?: () => Extension[];
}

/**
 * Server: answers one HTTP/2 stream. An RFC 8441 WebSocket request gets a 200 with the
 * negotiated subprotocol and extensions, and a server `Connection` to run over the
 * stream; anything else gets an error response and `null`.
 * The `Http2Server` must be created with `settings: { enableConnectProtocol: true }`.
 */
export function acceptWebSocket(stream: ServerHttp2Stream, headers: IncomingHttpHeaders, options: AcceptOptions = {}): Connection | null {
  if (headers[":method"] !== "CONNECT" || headers[":protocol"] !== "websocket") {
    stream.respond({ ":status": 400 }, { endStream: true });
    return null;
  }
  if (headers["sec-websocket-version"] !== "13") {
    stream.respond({ ":status": 400, "sec-websocket-version": "13" }, { endStream: true });
    return null;
  }
  const offers = extensionItems(headers);
  if (offers === null) {
    stream.respond({ ":status": 400 }, { endStream: true });
    return null;
  }
  const supported = options.extensions?.() ?? [new PerMessageDeflate()];
  const accepted = serverExtensionsHandshake(offers, supported);
  const offered = headerTokens(headers, "sec-websocket-protocol");
  const subprotocol = options.subprotocols?.find((protocol) => offered.includes(protocol));

  stream.respond({
    ":status": 200,
    ...(accepted === null ? {} : { "sec-websocket-extensions": accepted }),
    ...(subprotocol === undefined ? {} : { "sec-websocket-protocol": subprotocol }),
  });
  return new Connection(ConnectionType.SERVER, {
    extensions: supported.filter((extension) => extension.enabled()),
  });
}

// --- client ---------------------------------------------------------------------------

/** What the client asks for. */
export interface ConnectOptions {
  /** The `:path`, e.g. `/chat`. */
  path: string;
  /** Subprotocols to offer. */
  subprotocols?: readonly string[];
  /** Extensions to offer (fresh objects). Default: permessage-deflate. */
  extensions?: Extension[];
}

/** An open WebSocket over an HTTP/2 stream. */
export interface WebSocketStream {
  readonly stream: ClientHttp2Stream;
  readonly connection: Connection;
  readonly subprotocol: string | null;
  /** The response headers (`sec-websocket-extensions`…). */
  readonly headers: IncomingHttpHeaders;
}

/**
 * Client: opens a WebSocket on an HTTP/2 session. Waits for the server's SETTINGS to
 * allow extended CONNECT, sends it, checks the 200 and its negotiation, and returns a
 * client `Connection` to run over the stream.
 */
export async function connectWebSocket(session: ClientHttp2Session, options: ConnectOptions): Promise<WebSocketStream> {
  if (session.remoteSettings.enableConnectProtocol !== true) {
    const [settings] = (await once(session, "remoteSettings")) as [{ enableConnectProtocol?: boolean }];
    if (settings.enableConnectProtocol !== true) {
      throw new Error("The server does not allow extended CONNECT (SETTINGS_ENABLE_CONNECT_PROTOCOL): no WebSockets over HTTP/2 there");
    }
  }
  const extensions = options.extensions ?? [new PerMessageDeflate()];
  const { header: offer, offered } = clientExtensionsOffer(extensions);
  const subprotocols = options.subprotocols ?? [];

  const stream = session.request(
    {
      ":method": "CONNECT",
      ":protocol": "websocket",
      ":scheme": "http",
      ":path": options.path,
      "sec-websocket-version": "13",
      ...(offer === null ? {} : { "sec-websocket-extensions": offer }),
      ...(subprotocols.length === 0 ? {} : { "sec-websocket-protocol": subprotocols.join(", ") }),
    },
    { endStream: false },
  );
  const [headers] = (await once(stream, "response")) as [IncomingHttpHeaders];
  const status = Number(headers[":status"]);
  if (status !== 200) {
    stream.close();
    throw new Error(`The server refused the WebSocket with status ${status}`);
  }
  const subprotocol = headerValue(headers, "sec-websocket-protocol") || null;
  if (subprotocol !== null && !subprotocols.includes(subprotocol)) {
    stream.close();
    throw new Error(`The server chose the subprotocol ${subprotocol}, which was not offered`);
  }
  const accepted = extensionItems(headers);
  if (accepted === null) {
    stream.close();
    throw new Error("The server's Sec-WebSocket-Extensions is malformed");
  }
  let negotiated: Extension[];
  try {
    negotiated = clientExtensionsHandshake(accepted, offered);
  } catch (error) {
    // A RemoteProtocolError: the server accepted what was not offered, or bad parameters.
    stream.close();
    throw error;
  }
  const connection = new Connection(ConnectionType.CLIENT, { extensions: negotiated });
  return { stream, connection, subprotocol, headers };
}
