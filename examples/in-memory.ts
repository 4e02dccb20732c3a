// A client and a server Connection exchange a message, a ping and a close, in memory.
// Run: npx tsx examples/in-memory.ts
import { CloseConnection, Connection, ConnectionType, Ping, TextMessage } from "../src/index.js";

const client = new Connection(ConnectionType.CLIENT);
const server = new Connection(ConnectionType.SERVER);

// The client sends a text message: send() returns the bytes to write (masked, as RFC 6455 §5.3 asks).
server.receiveData(client.send(new TextMessage({ data: "Hello, server" })));
for (const event of server.events()) {
  if (event instanceof TextMessage) console.log(`server got: ${event.data}`);
}

// The server pings; the client answers with the matching pong.
client.receiveData(server.send(new Ping({ payload: new TextEncoder().encode("are you there?") })));
for (const event of client.events()) {
  if (event instanceof Ping) server.receiveData(client.send(event.response()));
}
for (const event of server.events()) console.log(`server got: ${event.type} "${new TextDecoder().decode((event as Ping).payload)}"`);

// The client closes; the server answers; both end CLOSED.
server.receiveData(client.send(new CloseConnection({ code: 1000, reason: "bye" })));
for (const event of server.events()) {
  if (event instanceof CloseConnection) {
    console.log(`server got: close ${event.code} "${event.reason}" (state ${server.state})`);
    client.receiveData(server.send(event.response()));
  }
}
for (const event of client.events()) console.log(`client got: close ${(event as CloseConnection).code}`);
console.log(`client ${client.state}, server ${server.state}`);
