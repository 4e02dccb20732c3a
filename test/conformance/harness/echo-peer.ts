/**
 * The implementation under test: a wstate `Connection` behind the echo logic of wsproto's
 * compliance client/server (wsproto-1.2-behavior.md §10): every received data chunk is
 * sent straight back as a fragment with the same `messageFinished`, every Ping answered
 * with `response()`, a Close answered with `response()` when the state still allows it,
 * and then the transport is closed.
 */
import { Connection, type ConnectionOptions } from "../../../src/connection.js";
import { ConnectionState, ConnectionType } from "../../../src/constants.js";
import { BytesMessage, TextMessage } from "../../../src/events.js";
import type { Peer, PeerOutput } from "./tcp.js";

/** Which side wstate plays. */
export type PeerRole = "server" | "client";

export function wstateEchoPeer(role: PeerRole, options: ConnectionOptions): Peer {
  const connection = new Connection(role === "server" ? ConnectionType.SERVER : ConnectionType.CLIENT, options);
  let done = false;
  return {
    receive(data: Uint8Array | null): PeerOutput {
      const bytes: Uint8Array[] = [];
      if (done) return { bytes, closeTransport: true, error: null };
      try {
        connection.receiveData(data);
        for (const event of connection.events()) {
          switch (event.type) {
            case "TextMessage":
              bytes.push(connection.send(new TextMessage({ data: event.data, messageFinished: event.messageFinished })));
              break;
            case "BytesMessage":
              bytes.push(connection.send(new BytesMessage({ data: event.data, messageFinished: event.messageFinished })));
              break;
            case "Ping":
              bytes.push(connection.send(event.response()));
              break;
            case "Pong":
              break;
            case "CloseConnection":
              if (connection.state !== ConnectionState.CLOSED) bytes.push(connection.send(event.response()));
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
