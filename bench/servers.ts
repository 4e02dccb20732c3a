/**
 * Child process: one echo server on 127.0.0.1, driven by bench/index.ts over IPC.
 *
 *   wstate       wstate/node's createWebSocketServer (NodeWebSocket per connection)
 *   wstate-core  node:net + WSConnection, the echo loop of DESIGN.md (the engine alone)
 *   ws           ws's WebSocketServer (bufferutil unless WS_NO_BUFFER_UTIL=1 was set)
 *
 * Every server echoes a message as it came (text as text, binary as binary) and turns
 * received text into a string first, as an application reading it would (wstate does
 * this itself; ws hands out a Buffer, so its handler calls toString()).
 * Commands: `port`, `connections` (how many are open), `cpu` (process CPU ms so far),
 * `heap` (after forced GCs; needs --expose-gc).
 */
import net from "node:net";
import { WebSocketServer as WsServer } from "ws";
import { serveCommands } from "./lib/child.js";
import { cpuMs } from "./lib/report.js";
import { wstate, wstateNode } from "./lib/wstate.js";

const { AcceptConnection, ConnectionType, WSConnection } = wstate;
const { createWebSocketServer } = wstateNode;

export type ServerKind = "wstate" | "wstate-core" | "ws";

let open = 0;

async function startWstate(): Promise<number> {
  const wss = createWebSocketServer({ port: 0, allowAnyOrigin: true });
  wss.on("connection", (socket) => {
    open++;
    socket.on("message", (data) => socket.send(data));
    socket.on("close", () => open--);
  });
  await new Promise<void>((resolve) => wss.once("listening", () => resolve()));
  return (wss.address() as net.AddressInfo).port;
}

async function startWstateCore(): Promise<number> {
  const server = net.createServer((socket) => {
    socket.setNoDelay(true);
    // A socket's chunks are fresh buffers nobody else reads: they may be unmasked in place.
    const ws = new WSConnection(ConnectionType.SERVER, { unmaskInPlace: true });
    let counted = false;
    socket.on("data", (chunk) => {
      try {
        ws.receiveData(chunk);
        for (const event of ws.events()) {
          switch (event.type) {
            case "Request":
              socket.write(ws.send(new AcceptConnection()));
              counted = true;
              open++;
              break;
            case "TextMessage":
            case "BytesMessage":
              socket.write(ws.send(event));
              break;
            case "Ping":
              socket.write(ws.send(event.response()));
              break;
            case "CloseConnection":
              socket.end(ws.send(event.response()));
              break;
          }
        }
      } catch {
        socket.destroy();
      }
    });
    socket.on("error", () => socket.destroy());
    socket.on("close", () => {
      if (counted) open--;
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return (server.address() as net.AddressInfo).port;
}

async function startWs(): Promise<number> {
  const wss = new WsServer({ port: 0, host: "127.0.0.1" });
  wss.on("connection", (socket) => {
    open++;
    socket.on("message", (data: Buffer, isBinary) => socket.send(isBinary ? data : data.toString()));
    socket.on("close", () => open--);
  });
  await new Promise((resolve) => wss.once("listening", resolve));
  return (wss.address() as net.AddressInfo).port;
}

function heap(): Record<string, number> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error("start the server with --expose-gc");
  for (let i = 0; i < 4; i++) gc();
  const usage = process.memoryUsage();
  return { heapUsed: usage.heapUsed, external: usage.external, arrayBuffers: usage.arrayBuffers, rss: usage.rss };
}

const kind = process.argv[2] as ServerKind;
const start = { wstate: startWstate, "wstate-core": startWstateCore, ws: startWs }[kind];
if (start === undefined) throw new Error(`unknown server kind ${kind}`);
const port = await start();

serveCommands((command) => {
  switch (command.cmd) {
    case "port":
      return { port };
    case "connections":
      return { open };
    case "cpu":
      return { ms: cpuMs() };
    case "heap":
      return heap();
    default:
      throw new Error(`unknown command ${String(command.cmd)}`);
  }
});
