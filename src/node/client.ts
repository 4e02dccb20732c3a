/**
 * The client side: `connect(url)` opens a TCP (ws:) or TLS (wss:) connection, runs the
 * opening handshake and resolves with an open {@link NodeWebSocket}.
 */
import { connect as tcpConnect, isIP } from "node:net";
import { connect as tlsConnect, type ConnectionOptions as TlsOptions } from "node:tls";
import { Request, type Headers } from "../events.js";
import { PerMessageDeflate } from "../extensions/permessage-deflate.js";
import {
  allocateUnsafe,
  deflateOptions,
  engineLimits,
  resolveAdapterSettings,
  type ConnectionObserver,
  type SocketOptions,
} from "./options.js";
import { NodeWebSocket } from "./web-socket.js";

/** Options of {@link connect}. */
export interface ConnectOptions extends SocketOptions {
  /** Subprotocols to offer, in order of preference (`Sec-WebSocket-Protocol`). */
  protocols?: readonly string[];
  /** Further request headers, as pairs or an object. */
  headers?: Headers | Readonly<Record<string, string>>;
  /** The `Origin` header to send (browsers always send one; Node clients need not). */
  origin?: string;
  /** TLS options for `wss:` (`ca`, `rejectUnauthorized`, `servername`, client certificates …). */
  tls?: TlsOptions;
  /** Observes the connection from its first byte. */
  observer?: ConnectionObserver;
}

interface Endpoint {
  readonly secure: boolean;
  /** For `net.connect`: no brackets around an IPv6 address. */
  readonly hostname: string;
  readonly port: number;
  /** For the `Host` header: with brackets, and the port unless it is the default. */
  readonly host: string;
  readonly target: string;
}

function endpointOf(url: string | URL): Endpoint {
  const parsed = new URL(url);
  const secure = parsed.protocol === "wss:" || parsed.protocol === "https:";
  if (!secure && parsed.protocol !== "ws:" && parsed.protocol !== "http:") {
    throw new TypeError(`A WebSocket URL starts with ws: or wss: (or http:, https:); got ${parsed.protocol}`);
  }
  if (parsed.hash !== "") throw new TypeError("A WebSocket URL has no #fragment (RFC 6455 §3).");
  if (parsed.username !== "" || parsed.password !== "") {
    throw new TypeError("Credentials in the URL are not sent: pass an Authorization header in headers instead.");
  }
  const hostname = parsed.hostname.startsWith("[") ? parsed.hostname.slice(1, -1) : parsed.hostname;
  return {
    secure,
    hostname,
    port: parsed.port === "" ? (secure ? 443 : 80) : Number(parsed.port),
    host: parsed.host,
    target: parsed.pathname + parsed.search,
  };
}

function headerList(headers: ConnectOptions["headers"], origin: string | undefined): Headers {
  const list: Array<readonly [string, string]> =
    headers === undefined ? [] : Array.isArray(headers) ? [...(headers as Headers)] : Object.entries(headers);
  if (origin !== undefined) list.push(["Origin", origin]);
  return list;
}

/**
 * Opens a WebSocket connection to a `ws://` or `wss://` URL. Resolves with the open
 * socket once the server answered 101; rejects with a `ConnectionRejectedError` (status,
 * headers, body) when it answered otherwise, a `RemoteProtocolError` when its answer is
 * not a valid handshake, a `HandshakeTimeoutError` after `handshakeTimeout`, or the
 * transport's error (`ECONNREFUSED` …).
 *
 * @example
 * ```ts
 * import { connect } from "wstate/node";
 *
 * const ws = await connect("ws://127.0.0.1:8080/echo", { protocols: ["chat"], perMessageDeflate: true });
 * ws.on("message", (data) => console.log("got", data));
 * ws.send("hello");
 * ```
 */
export async function connect(url: string | URL, options: ConnectOptions = {}): Promise<NodeWebSocket> {
  const endpoint = endpointOf(url);
  const settings = resolveAdapterSettings(options);
  const limits = engineLimits(options);
  const deflate = deflateOptions(options.perMessageDeflate);
  const request = new Request({
    host: endpoint.host,
    target: endpoint.target,
    subprotocols: options.protocols,
    extensions: deflate === null ? [] : [new PerMessageDeflate(deflate)],
    extraHeaders: headerList(options.headers, options.origin),
  });
  const socket = endpoint.secure
    ? tlsConnect({
        host: endpoint.hostname,
        port: endpoint.port,
        servername: isIP(endpoint.hostname) === 0 ? endpoint.hostname : undefined,
        ALPNProtocols: ["http/1.1"],
        ...options.tls,
      })
    : tcpConnect({ host: endpoint.hostname, port: endpoint.port });
  return new Promise<NodeWebSocket>((resolve, reject) => {
    try {
      const host = { role: "client", settings, engineOptions: { ...limits, allocate: allocateUnsafe }, onOpen: resolve, onHandshakeFailure: reject } as const;
      new NodeWebSocket(socket, host, { request, observer: options.observer });
    } catch (error) {
      socket.destroy();
      reject(error);
    }
  });
}
