/**
 * wstate against a browser: Debian's Chromium, driven by playwright-core (no browser is
 * ever downloaded). Chromium's own `WebSocket` talks to a wstate server — with the
 * permessage-deflate offer Chromium makes — and wstate's own bundle, built for the
 * browser with esbuild, runs a client and a server engine inside the page.
 */
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  AcceptConnection,
  BytesMessage,
  ConnectionState,
  PerMessageDeflate,
  TextMessage,
  type PerMessageDeflateOptions,
  type Request,
  type WSConnectionOptions,
} from "../../src/index.js";
import {
  LOOPBACK,
  closeCleanly,
  compressibleBytes,
  firstDifference,
  listenWstate,
  randomBytes,
  unicodeText,
  useResources,
  type WstateEndpoint,
} from "./helpers.js";

const CHROMIUM = "/usr/bin/chromium";
const available = existsSync(CHROMIUM);
const resources = useResources();

const here = (path: string): string => fileURLToPath(new URL(path, import.meta.url));

/** The pages' http server: `/` (a blank page that loads page.js), `/page.js`, `/wstate.js` (the bundle). */
async function servePages(bundle: string): Promise<{ url: string; close: () => Promise<void> }> {
  const files: Record<string, () => Promise<string>> = {
    "/": async () => '<!doctype html><meta charset="utf-8"><title>wstate interop</title>',
    "/page.js": () => readFile(here("./browser/page.js"), "utf8"),
    "/wstate.js": () => readFile(bundle, "utf8"),
  };
  const server = http.createServer((request, response) => {
    const file = files[request.url ?? ""];
    if (file === undefined) {
      response.writeHead(404).end();
      return;
    }
    void file().then((body) =>
      response.writeHead(200, { "content-type": request.url === "/" ? "text/html" : "text/javascript" }).end(body),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, LOOPBACK, resolve));
  return {
    url: `http://${LOOPBACK}:${(server.address() as AddressInfo).port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

describe.skipIf(!available)(`Chromium${available ? "" : ` — skipped: ${CHROMIUM} is not installed (apt-get install chromium)`}`, () => {
  let bundleDir = "";
  let pages: { url: string; close: () => Promise<void> } | null = null;
  let browser: Browser | null = null;
  let page: Page;

  beforeAll(async () => {
    bundleDir = await mkdtemp(join(tmpdir(), "wstate-bundle-"));
    const bundle = join(bundleDir, "wstate.js");
    await build({
      entryPoints: [here("../../src/index.ts")],
      bundle: true,
      format: "esm",
      platform: "browser",
      target: "es2022",
      outfile: bundle,
      logLevel: "silent",
    });
    pages = await servePages(bundle);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
    });
    page = await browser.newPage();
    await page.goto(`${pages.url}/`);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await pages?.close();
    if (bundleDir !== "") await rm(bundleDir, { recursive: true, force: true });
  });

  /** Opens Chromium's WebSocket (an echo client, see browser/page.js) to a wstate server. */
  async function openFromPage(url: string): Promise<{ extensions: string; protocol: string }> {
    return page.evaluate(
      `import("/page.js").then((m) => m.openEcho(${JSON.stringify(url)}, ["chat.v2", "chat.v1"]))`,
    ) as Promise<{ extensions: string; protocol: string }>;
  }

  async function pageSawClose(): Promise<{ code: number; reason: string; wasClean: boolean }> {
    return page.evaluate("window.echoClosed") as Promise<{ code: number; reason: string; wasClean: boolean }>;
  }

  /** A wstate server for the page's echo client (Chromium requires the subprotocol it asked for). */
  async function echoServer(deflate: PerMessageDeflateOptions, connection: WSConnectionOptions = {}) {
    return listenWstate(resources, {
      connection,
      echo: false,
      onRequest: (request: Request) => [
        new AcceptConnection({
          subprotocol: request.subprotocols.includes("chat.v1") ? "chat.v1" : null,
          extensions: [new PerMessageDeflate(deflate)],
        }),
      ],
    });
  }

  /** Sends messages to the page, which echoes them; compares each byte for byte. */
  async function roundTrips(peer: WstateEndpoint): Promise<void> {
    for (const payload of ["", "hello", unicodeText(50_000), new Uint8Array(0), randomBytes(100_000, 8), compressibleBytes(200_000)]) {
      peer.send(typeof payload === "string" ? new TextMessage({ data: payload }) : new BytesMessage({ data: payload }));
      const echoed = await peer.nextMessage();
      if (typeof payload === "string") expect(echoed).toEqual({ kind: "text", data: payload });
      else expect(firstDifference(echoed.data as Uint8Array, payload)).toBeNull();
    }
    // A fragmented message, compressed fragment by fragment.
    peer.send(new TextMessage({ data: "frag", messageFinished: false }));
    peer.send(new TextMessage({ data: "mented ✓", messageFinished: true }));
    expect(await peer.nextMessage()).toEqual({ kind: "text", data: "fragmented ✓" });
  }

  it.each([
    ["wstate's defaults", {}, "permessage-deflate"],
    [
      "limits chosen by wstate",
      { serverNoContextTakeover: true, serverMaxWindowBits: 10, clientMaxWindowBits: 11 },
      "permessage-deflate; server_no_context_takeover; client_max_window_bits=11; server_max_window_bits=10",
    ],
  ])("negotiates permessage-deflate (%s) with Chromium and echoes compressed messages", { timeout: 60_000 }, async (_name, deflate, negotiated) => {
    const server = await echoServer(deflate);
    const opened = await openFromPage(server.url);
    const peer = await server.nextEndpoint();
    const request = peer.received[0] as Request;

    expect(request.extensions).toEqual(["permessage-deflate; client_max_window_bits"]);
    expect(request.subprotocols).toEqual(["chat.v2", "chat.v1"]);
    expect(peer.sentHeaders("sec-websocket-extensions")).toEqual([negotiated]);
    expect(opened).toEqual({ extensions: negotiated, protocol: "chat.v1" });

    await roundTrips(peer);
    const before = { read: peer.socket.bytesRead, written: peer.socket.bytesWritten };
    const compressible = compressibleBytes(300_000);
    peer.send(new BytesMessage({ data: compressible }));
    expect(firstDifference((await peer.nextMessage()).data as Uint8Array, compressible)).toBeNull();
    expect(peer.socket.bytesWritten - before.written, "wstate compressed").toBeLessThan(compressible.length / 4);
    expect(peer.socket.bytesRead - before.read, "Chromium compressed").toBeLessThan(compressible.length / 4);

    peer.send(new TextMessage({ data: "close yourself" }));
    expect(await peer.nextOf("CloseConnection")).toMatchObject({ code: 4002, reason: "from the page" });
    expect(await pageSawClose()).toEqual({ code: 4002, reason: "from the page", wasClean: true });
    expect(peer.unexpectedErrors).toEqual([]);
  });

  it("closes from wstate with a code and reason, and from the page without a code", { timeout: 60_000 }, async () => {
    const server = await echoServer({});
    await openFromPage(server.url);
    const peer = await server.nextEndpoint();
    expect(await closeCleanly(peer, 4001, "bye ✓")).toMatchObject({ code: 4001, reason: "bye ✓" });
    expect(await pageSawClose()).toEqual({ code: 4001, reason: "bye ✓", wasClean: true });

    await openFromPage(server.url);
    const second = await server.nextEndpoint();
    second.send(new TextMessage({ data: "close without code" }));
    expect(await second.nextOf("CloseConnection")).toMatchObject({ code: 1005, reason: "" });
    expect(await pageSawClose()).toEqual({ code: 1005, reason: "", wasClean: true });
  });

  it("hands Chromium's Origin to checkOrigin; a refused origin gets a 403 and the page a failed WebSocket", { timeout: 60_000 }, async () => {
    const origins: Array<string | null> = [];
    const server = await echoServer({}, { checkOrigin: (origin) => (origins.push(origin), origins.length === 1) });
    await openFromPage(server.url);
    expect(origins).toEqual([pages!.url]);
    const accepted = await server.nextEndpoint();
    expect(accepted.ws.state).toBe(ConnectionState.OPEN);

    await expect(openFromPage(server.url)).rejects.toThrow(/failed before it opened/);
    const refused = await server.nextEndpoint();
    await refused.socketClosed;
    expect(origins).toEqual([pages!.url, pages!.url]);
    expect(refused.handshakeErrors).toHaveLength(1);
    expect(refused.sentHeaders("content-length")).toEqual(["0"]);
    expect(new TextDecoder().decode(refused.handshakeSent[0])).toMatch(/^HTTP\/1\.1 403 /);
  });

  it("runs wstate's browser bundle in the page: client and server engines in memory", { timeout: 60_000 }, async () => {
    const summary = await page.evaluate('import("/page.js").then((m) => m.engineRoundTrip("/wstate.js"))');
    expect(summary).toEqual({
      nodeGlobals: ["undefined", "undefined"],
      request: { type: "Request", subprotocols: ["chat"], extensions: ["permessage-deflate; client_max_window_bits"] },
      accepted: {
        type: "AcceptConnection",
        subprotocol: "chat",
        extensions: ["<PerMessageDeflate client_max_window_bits=15; server_max_window_bits=15>"],
      },
      text: { same: true, frameBytes: expect.any(Number), utf8Bytes: 38_000 },
      bytes: { same: true, parts: 2, payloadUncopied: true, upload: true },
      pong: { type: "Pong", payload: [1, 2, 3] },
      close: [[["CloseConnection", 1000, "done"]], [["CloseConnection", 1000, "done"]]],
      states: ["CLOSED", "CLOSED"],
    });
    // The text went compressed: deflate ran in the browser.
    expect((summary as { text: { frameBytes: number } }).text.frameBytes).toBeLessThan(1000);
  });
});
