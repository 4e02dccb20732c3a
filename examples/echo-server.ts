/**
 * The echo loop of DESIGN.md over plain `node:net`, with the sans-I/O engine alone: bytes
 * from the socket go into `receiveData`, events come out of `events()`, and what `send`
 * returns goes back to the socket.
 *
 *   npx tsx examples/echo-server.ts      (PORT=0 picks a free port)
 */
import net from "node:net";
import {
  AcceptConnection,
  CloseConnection,
  ConnectionType,
  Ping,
  RemoteProtocolError,
  Request,
  TextMessage,
  WSConnection,
} from "../src/index.js";

const server = net.createServer((socket) => {
  const ws = new WSConnection(ConnectionType.SERVER);
  socket.on("data", (chunk) => {
    try {
      ws.receiveData(chunk);
    } catch (error) {
      // A bad handshake: answer with the HTTP error the engine suggests (400, 426 …).
      if (error instanceof RemoteProtocolError && error.eventHint) socket.end(ws.send(error.eventHint));
      else socket.destroy();
      return;
    }
    for (const event of ws.events()) {
      if (event instanceof Request) socket.write(ws.send(new AcceptConnection()));
      else if (event instanceof TextMessage) socket.write(ws.send(new TextMessage({ data: "Echo: " + event.data })));
      else if (event instanceof Ping) socket.write(ws.send(event.response()));
      else if (event instanceof CloseConnection) socket.end(ws.send(event.response()));
    }
  });
  socket.on("error", () => socket.destroy()); // a reset peer is no reason to crash
});

server.listen(Number(process.env.PORT ?? 8080), "127.0.0.1", () => {
  const { port } = server.address() as net.AddressInfo;
  console.log(`Echo server on ws://127.0.0.1:${port}/`);
});
