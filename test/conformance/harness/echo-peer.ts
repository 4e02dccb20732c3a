/**
 * The implementation under test: a wstate `Connection` behind the echo logic of wsproto's
 * compliance client/server (wsproto-1.2-behavior.md §10): every received data chunk is
 * sent straight back as a fragment with the same `messageFinished`, every Ping answered
 * with `response()`, a Close answered with `response()` when the state still allows it,
 * and then the transport is closed.
 */
import { Connection, type ConnectionEvent, type ConnectionOptions } from "../../../src/connection.js";
import { ConnectionState, ConnectionType } from "../../../src/constants.js";
import { BytesMessage, TextMessage } from "../../../src/events.js";
import type { Peer, PeerOutput } from "./tcp.js";

/** Which side wstate plays. */
export type PeerRole = "server" | "client";

/** How a peer reacts to one event: bytes to write, and whether to close the transport. */
export type Reaction = (connection: Connection, event: ConnectionEvent, write: (bytes: Uint8Array) => void) => "close" | void;

/** The echo reaction (wsproto's compliance peers). */
export const echo: Reaction = (connection, event, write) => {
  switch (event.type) {
    case "TextMessage":
      write(connection.send(new TextMessage({ data: event.data, messageFinished: event.messageFinished })));
      return;
    case "BytesMessage":
      write(connection.send(new BytesMessage({ data: event.data, messageFinished: event.messageFinished })));
      return;
    case "Ping":
      write(connection.send(event.response()));
      return;
    case "Pong":
      return;
    case "CloseConnection":
      if (connection.state !== ConnectionState.CLOSED) write(connection.send(event.response()));
      return "close";
  }
};

/** A peer: a wstate Connection in `role` that reacts to every event with `react`. */
export function reactingPeer(role: PeerRole, options: ConnectionOptions, react: Reaction): Peer {
  const connection = new Connection(role === "server" ? ConnectionType.SERVER : ConnectionType.CLIENT, options);
  let done = false;
  return {
    receive(data: Uint8Array | null): PeerOutput {
      const bytes: Uint8Array[] = [];
      if (done) return { bytes, closeTransport: true, error: null };
      const write = (chunk: Uint8Array) => bytes.push(chunk);
      try {
        connection.receiveData(data);
        for (const event of connection.events()) {
          if (react(connection, event, write) === "close") {
            done = true;
            return { bytes, closeTransport: true, error: null };
          }
        }
        return { bytes, closeTransport: false, error: null };
      } catch (error) {
        done = true;
        const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
        return { bytes, closeTransport: true, error: message };
      }
    },
  };
}

/** The wstate echo peer the suite judges. */
export function wstateEchoPeer(role: PeerRole, options: ConnectionOptions): Peer {
  return reactingPeer(role, options, echo);
}
