/**
 * wstate: a sans-I/O WebSocket protocol engine (RFC 6455, RFC 7692, RFC 8441 helpers)
 * whose connection lifecycle is an XState v5 statechart.
 *
 * @example
 * ```ts
 * import { WSConnection, ConnectionType, Request, AcceptConnection } from "wstate";
 * const ws = new WSConnection(ConnectionType.SERVER);
 * ws.receiveData(bytesFromTheSocket);
 * for (const event of ws.events()) if (event instanceof Request) socket.write(ws.send(new AcceptConnection()));
 * ```
 *
 * @packageDocumentation
 */
export {
  ACCEPT_GUID,
  CloseReason,
  ConnectionState,
  ConnectionType,
  Opcode,
  WEBSOCKET_VERSION,
  isControlOpcode,
  isValidWireCloseCode,
} from "./constants.js";
export { LocalProtocolError, ProtocolError, RemoteProtocolError } from "./errors.js";
export {
  AcceptConnection,
  BytesMessage,
  CloseConnection,
  Event,
  Ping,
  Pong,
  RejectConnection,
  RejectData,
  Request,
  TextMessage,
  type AcceptConnectionInit,
  type AnyEvent,
  type BytesMessageInit,
  type CloseConnectionInit,
  type EventByType,
  type EventType,
  type Headers,
  type Message,
  type RejectConnectionInit,
  type RejectDataInit,
  type RequestInit,
  type TextMessageInit,
} from "./events.js";
export { Extension, NO_RSV, type FrameContext, type HookFailure, type RsvBits } from "./extensions/extension.js";
export {
  DEFAULT_COMPRESSION_LEVEL,
  DEFAULT_COMPRESSION_THRESHOLD,
  PerMessageDeflate,
  type PerMessageDeflateOptions,
} from "./extensions/permessage-deflate.js";
export {
  formatExtensionOffer,
  parseExtensionHeader,
  type ExtensionOffer,
  type ExtensionParam,
} from "./extensions/extension-header.js";
export {
  clientExtensionsHandshake,
  clientExtensionsOffer,
  serverExtensionsHandshake,
  type ExtensionsOffer,
} from "./handshake/extensions-handshake.js";
export { acceptToken, generateNonce } from "./handshake/accept.js";
export { DEFAULT_LIMITS, type FrameLimits } from "./frame/limits.js";
export { DEFAULT_HEAD_LIMITS, type HeadLimits } from "./handshake/http-head.js";
export { Connection, type ConnectionEvent, type ConnectionOptions, type Listener } from "./connection.js";
export { WSConnection, type WSConnectionOptions } from "./ws-connection.js";
export { connectionMachine, type ConnectionMachine, type ConnectionMachineEvent } from "../machines/connection.machine.js";
export {
  webSocketLogic,
  type WebSocketActorContext,
  type WebSocketActorEmitted,
  type WebSocketActorEvent,
  type WebSocketActorInput,
  type WebSocketActorRef,
} from "./actor.js";
