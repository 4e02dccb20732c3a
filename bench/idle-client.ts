/**
 * Child process: the client side of the memory benchmark, the same for every server.
 * Opens plain TCP connections and completes the opening handshake on each by hand (a
 * fixed request, the 101 awaited), so the client costs little and treats all servers
 * alike; the connections then stay idle until `close` resets them (no TIME_WAIT left).
 */
import net from "node:net";
import { serveCommands } from "./lib/child.js";

const PARALLEL = 256;
const REQUEST =
  "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
  "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";

const sockets: net.Socket[] = [];

function openOne(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, "127.0.0.1");
    let head = "";
    socket.setEncoding("latin1");
    socket.once("connect", () => socket.write(REQUEST));
    socket.on("error", reject);
    socket.on("data", function onData(text: string) {
      head += text;
      if (!head.includes("\r\n\r\n")) return;
      socket.off("data", onData);
      if (!head.startsWith("HTTP/1.1 101")) return reject(new Error(`handshake refused: ${head.split("\r\n")[0]}`));
      sockets.push(socket);
      resolve();
    });
  });
}

async function open(port: number, count: number): Promise<void> {
  let started = 0;
  const worker = async () => {
    while (started < count) {
      started++;
      await openOne(port);
    }
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL, count) }, worker));
}

serveCommands(async (command) => {
  if (command.cmd === "open") {
    await open(command.port as number, command.count as number);
    return { open: sockets.length };
  }
  if (command.cmd === "close") {
    for (const socket of sockets.splice(0)) socket.resetAndDestroy();
    return { open: 0 };
  }
  throw new Error(`unknown command ${String(command.cmd)}`);
});
