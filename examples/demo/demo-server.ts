/**
 * The demo behind `npm start`: one HTTP server on 127.0.0.1 with
 * - `/`           the visualizer page (static files),
 * - `/echo`       a wstate echo server with permessage-deflate, every connection watched:
 *                 its lifecycle transitions are logged as they happen and fed to the hub,
 * - `/__inspect`  the hub's JSON messages, for the page to draw the watched connections.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import type { Duplex } from "node:stream";
import { createInspectionHub } from "../../visualizer/hub.js";
import { summarizeEvent } from "../../visualizer/event-summary.js";
import { createWebSocketServer, logLifecycle, rejectUpgrade, type ConnectionObserver } from "../../src/node/index.js";
import { staticFiles } from "./static-files.js";

/** Options of {@link startDemoServer}. */
export interface DemoServerOptions {
  /** The port on 127.0.0.1; 0 picks a free one. */
  readonly port: number;
  /** Where each log line goes. */
  readonly log: (line: string) => void;
  /** The built visualizer page, or null to serve a build hint at `/`. */
  readonly pageDir: string | null;
}

/** A running demo server. */
export interface DemoServer {
  /** The page's URL, e.g. `http://127.0.0.1:8080/`. */
  readonly pageUrl: string;
  /** The echo endpoint, e.g. `ws://127.0.0.1:8080/echo`. */
  readonly echoUrl: string;
  /** Closes every connection and the server. */
  close(): Promise<void>;
}

/** A page that falls this far behind on `/__inspect` is disconnected rather than buffered for. */
const MAX_FEED_BACKLOG = 4 * 1024 * 1024;

function listen(server: Server, port: number): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => {
      server.off("error", reject);
      resolve(server.address() as AddressInfo);
    });
  });
}

/**
 * Starts the demo server.
 *
 * @example
 * ```ts
 * const demo = await startDemoServer({ port: 8080, log: console.log, pageDir: "visualizer/dist" });
 * console.log(demo.pageUrl, demo.echoUrl);
 * ```
 */
export async function startDemoServer(options: DemoServerOptions): Promise<DemoServer> {
  const { log } = options;
  const hub = createInspectionHub();
  const http = createServer(staticFiles(options.pageDir));
  // The page is served from this server: its origin, or no Origin (a non-browser client).
  const pageOrigins = new Set<string>();
  const checkOrigin = (origin: string | null) => origin === null || pageOrigins.has(origin);

  let count = 0;
  const ids = new WeakMap<Duplex, string>();
  const observe = (socket: Duplex): ConnectionObserver => {
    const id = `#${++count}`;
    const line = (text: string) => log(`${id} ${text}`);
    const { remoteAddress, remotePort } = socket as Socket;
    ids.set(socket, id);
    line(`TCP connection from ${remoteAddress}:${remotePort}`);
    const watch = hub.observerFor(id);
    const logTransitions = logLifecycle(line);
    return {
      inspect: (event) => {
        watch(event);
        logTransitions(event);
      },
      bytesIn: (bytes) => hub.frameIn(id, bytes),
      bytesOut: (bytes) => hub.frameOut(id, bytes),
      eventIn: (event) => {
        hub.eventIn(id, event);
        line(`  ← ${event.type} ${summarizeEvent(event)}`);
      },
      eventOut: (event) => {
        hub.eventOut(id, event);
        line(`  → ${event.type} ${summarizeEvent(event)}`);
      },
    };
  };

  const echo = createWebSocketServer({ checkOrigin, perMessageDeflate: true, observe });
  echo.on("connection", (ws) => {
    ws.on("message", (data) => ws.send(data));
    ws.on("close", ({ code, reason, wasClean }) =>
      log(`${ids.get(ws.socket)} TCP connection closed: code ${code}${reason ? ` "${reason}"` : ""}, ${wasClean ? "clean" : "not clean"}`),
    );
  });
  echo.on("handshakeError", (error, socket) => log(`${ids.get(socket) ?? "#?"} handshake failed: ${error.message}`));

  const feed = createWebSocketServer({ checkOrigin });
  feed.on("connection", (ws) => {
    const unsubscribe = hub.subscribe((json) => {
      // Throwing tells the hub to drop this page.
      if (ws.state !== "OPEN") throw new Error("The page is gone");
      if (ws.bufferedAmount > MAX_FEED_BACKLOG) {
        ws.close(1008, "The page reads the inspection feed too slowly");
        throw new Error("The page is too slow");
      }
      ws.send(json);
    });
    ws.on("close", unsubscribe);
  });

  http.on("upgrade", (req, socket, head) => {
    const path = new URL(req.url ?? "/", "http://localhost").pathname;
    if (path === "/echo") echo.handleUpgrade(req, socket, head);
    else if (path === "/__inspect") feed.handleUpgrade(req, socket, head);
    else rejectUpgrade(socket, 404, { body: "The WebSocket endpoints here are /echo and /__inspect.\n" });
  });

  const { port } = await listen(http, options.port);
  pageOrigins.add(`http://127.0.0.1:${port}`).add(`http://localhost:${port}`);
  return {
    pageUrl: `http://127.0.0.1:${port}/`,
    echoUrl: `ws://127.0.0.1:${port}/echo`,
    async close() {
      await Promise.all([echo.close(), feed.close()]);
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}
