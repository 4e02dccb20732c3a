/**
 * `npm start`: the wstate demo. An echo server on 127.0.0.1 that prints every
 * connection's lifecycle as it happens, next to the visualizer page that draws it.
 *
 *   npm start                  port 8080 (or $PORT)
 *   npm start -- --port 0      any free port
 *   npm start -- --no-build    do not build a missing visualizer page
 */
import { startDemoServer } from "./demo/demo-server.js";
import { visualizerPage } from "./demo/visualizer-page.js";

function portFrom(args: readonly string[], env: string | undefined): number {
  const at = args.findIndex((arg) => arg === "--port" || arg.startsWith("--port="));
  const text = at < 0 ? (env ?? "8080") : args[at].startsWith("--port=") ? args[at].slice(7) : (args[at + 1] ?? "");
  const port = Number(text);
  if (text.trim() === "" || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new RangeError(`The port must be an integer from 0 to 65535, got ${JSON.stringify(text)}`);
  }
  return port;
}

const args = process.argv.slice(2);
const log = (line: string) => console.log(line);
const port = portFrom(args, process.env.PORT);
const pageDir = await visualizerPage({ build: !args.includes("--no-build"), log });
const demo = await startDemoServer({ port, log, pageDir });

const tryIt =
  `node --experimental-websocket -e "const ws = new WebSocket('${demo.echoUrl}'); ` +
  `ws.onopen = () => ws.send('hello'); ws.onmessage = (e) => { console.log(e.data); ws.close(1000, 'bye'); }"`;
log(`wstate demo: an echo server built on wstate, with permessage-deflate.

  Visualizer  ${demo.pageUrl}${pageDir === null ? "  (page not built: see above)" : "  (open it, press Connect)"}
  Echo        ${demo.echoUrl}
  Try it      ${tryIt}

Each connection's lifecycle is printed below as it happens: ← events received, → events sent,
and every statechart transition with its RFC section. Ctrl+C stops.
`);

process.once("SIGINT", () => {
  log("Closing every connection (1001 going away)…");
  void demo.close().then(() => process.exit(0));
});
