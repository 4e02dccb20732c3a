/**
 * The examples run as shown: `npm start`'s demo server (in-process and as `tsx
 * examples/start.ts`), the DESIGN echo loop (`examples/echo-server.ts`), the README's
 * in-memory exchange, and a process using the adapter exits by itself once all is closed.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { get } from "node:http";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import WebSocket from "ws";
import { startDemoServer } from "../../examples/demo/demo-server.js";
import { PAGE_MISSING } from "../../examples/demo/static-files.js";
import { PAGE_DIR } from "../../examples/demo/visualizer-page.js";
import { afterTest, next, until } from "./helpers.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
/**
 * Scripts run as `node --import tsx <script>`: one process, so killing it ends the script
 * (the `tsx` command runs the script in a child that a kill of `tsx` can leave behind).
 */
const NODE_TSX = [process.execPath, "--import", "tsx"] as const;

function wsAttempt(url: string, options: WebSocket.ClientOptions = {}): WebSocket {
  const client = new WebSocket(url, options);
  client.on("error", () => {});
  afterTest(() => client.terminate());
  return client;
}

function httpGet(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    get(url, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (body += chunk));
      res.on("end", () => resolve({ status: res.statusCode!, body }));
    }).on("error", reject);
  });
}

/** Runs `tsx <script>`; resolves with the child once `ready` matches its output. */
function runScript(script: string, args: string[], env: Record<string, string>, ready: RegExp): Promise<{ child: ChildProcess; output: () => string; match: RegExpMatchArray }> {
  const child = spawn(NODE_TSX[0], [...NODE_TSX.slice(1), script, ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  afterTest(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  });
  let output = "";
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${script} did not get ready:\n${output}`)), 20_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = output.match(ready);
      if (match !== null) {
        clearTimeout(timer);
        resolve({ child, output: () => output, match });
      }
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.on("exit", (code) => reject(new Error(`${script} exited (${code}) before it was ready:\n${output}`)));
  });
}

function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once("exit", (code) => resolve(code)));
}

describe("npm start's demo server, in-process", () => {
  async function demo() {
    const lines: string[] = [];
    const pageDir = existsSync(`${PAGE_DIR}/index.html`) ? PAGE_DIR : null;
    const server = await startDemoServer({ port: 0, log: (line) => lines.push(line), pageDir });
    afterTest(() => server.close());
    return { server, lines, pageDir };
  }

  it("echoes over permessage-deflate and prints the lifecycle as it happens", async () => {
    const { server, lines } = await demo();
    const client = wsAttempt(server.echoUrl, { perMessageDeflate: true });
    await next(client, "open");
    // The transitions are printed synchronously, before the client even saw the 101.
    expect(lines).toContainEqual(
      "#1 CONNECTING.server.awaitingRequest → requestReceived  REQUEST_RECEIVED  RFC 6455 §4.2.1  A valid upgrade request arrived: the application accepts or rejects it.",
    );
    expect(lines.some((line) => line.startsWith("#1 CONNECTING.server.requestReceived → OPEN  SEND_ACCEPT  RFC 6455 §4.2.2"))).toBe(true);
    expect(client.extensions).toMatch(/^permessage-deflate/);
    client.send("hello wstate");
    expect((await next<[Buffer]>(client, "message"))[0].toString()).toBe("hello wstate");
    client.send(Buffer.alloc(70_000, 7));
    const [binary] = await next<[Buffer, boolean]>(client, "message");
    expect(binary.length).toBe(70_000);
    expect(lines).toContainEqual('#1   ← TextMessage "hello wstate" (12 chars)');
    expect(lines).toContainEqual('#1   → TextMessage "hello wstate" (12 chars)');
    client.close(1000, "bye");
    await next(client, "close");
    await until(() => lines.some((line) => line.includes("TCP connection closed")), "the closed line");
    const closing = lines.filter((line) => / (CLOSE_RECEIVED|SEND_CLOSE) /.test(line));
    expect(closing).toEqual([
      "#1 OPEN → REMOTE_CLOSING  CLOSE_RECEIVED  RFC 6455 §5.5.1, §7.1.3  The peer sent a Close: we must answer with a Close.",
      "#1 REMOTE_CLOSING → CLOSED  SEND_CLOSE  RFC 6455 §5.5.1, §7.1.3  Our Close answered the peer's: the closing handshake is complete.",
    ]);
    expect(lines.at(-1)).toBe('#1 TCP connection closed: code 1000 "bye", clean');
  });

  it("streams the hub's JSON to /__inspect, and refuses foreign pages and unknown paths", async () => {
    const { server } = await demo();
    const port = new URL(server.pageUrl).port;
    const page = wsAttempt(`ws://127.0.0.1:${port}/__inspect`, { origin: `http://localhost:${port}` });
    const seen: Array<{ type: string; rfc?: string; text?: string }> = [];
    page.on("message", (data: Buffer) => seen.push(JSON.parse(data.toString())));
    await until(() => seen.length > 0, "the hello");
    expect(seen[0]).toMatchObject({ type: "hello", version: 1 });
    const echo = wsAttempt(`${server.echoUrl}?watch=t1`);
    await next(echo, "open");
    await until(() => seen.some((m) => m.type === "transition" && m.rfc === "RFC 6455 §4.2.2"), "the SEND_ACCEPT transition");
    // The upgrade's request head, re-serialized for the page, names the watched target.
    expect(seen.find((m) => m.type === "http")?.text).toMatch(/^GET \/echo\?watch=t1 HTTP\/1\.1/);

    const foreign = wsAttempt(server.echoUrl, { origin: "https://evil.example" });
    expect((await next<[unknown, { statusCode: number }]>(foreign, "unexpected-response"))[1].statusCode).toBe(403);
    const lost = wsAttempt(`ws://127.0.0.1:${port}/elsewhere`);
    expect((await next<[unknown, { statusCode: number }]>(lost, "unexpected-response"))[1].statusCode).toBe(404);
  });

  it("serves the visualizer page at /, or says how to build it", async () => {
    const { server, pageDir } = await demo();
    const page = await httpGet(server.pageUrl);
    expect(page.status).toBe(200);
    if (pageDir === null) expect(page.body).toBe(PAGE_MISSING);
    else expect(page.body).toMatch(/<html/i);
    expect((await httpGet(`${server.pageUrl}../../etc/passwd`)).status).toBe(404);
    expect((await httpGet(`${server.pageUrl}%2e%2e/package.json`)).status).toBe(404);
  });
});

describe("the examples as processes", () => {
  it("tsx examples/start.ts --port 0 prints how to connect and each connection's lifecycle; Ctrl+C stops it", async () => {
    const { child, output, match } = await runScript("examples/start.ts", ["--port", "0", "--no-build"], {}, /Echo\s+(ws:\/\/127\.0\.0\.1:\d+\/echo)/);
    expect(output()).toMatch(/Visualizer\s+http:\/\/127\.0\.0\.1:\d+\//);
    expect(output()).toMatch(/Try it\s+node --experimental-websocket -e "const ws = new WebSocket\('ws:\/\/127\.0\.0\.1:\d+\/echo'\)/);
    const client = wsAttempt(match[1]);
    await next(client, "open");
    client.send("ping?");
    expect((await next<[Buffer]>(client, "message"))[0].toString()).toBe("ping?");
    client.close();
    await next(client, "close");
    while (!output().includes("TCP connection closed")) await next(child.stdout!, "data");
    expect(output()).toContain("#1 REMOTE_CLOSING → CLOSED  SEND_CLOSE  RFC 6455 §5.5.1, §7.1.3");
    child.kill("SIGINT");
    expect(await exited(child)).toBe(0);
  });

  it("tsx examples/start.ts refuses a bad port", async () => {
    await expect(runScript("examples/start.ts", ["--port", "http"], {}, /never/)).rejects.toThrow(/port must be an integer from 0 to 65535/);
  });

  it("tsx examples/echo-server.ts echoes with the engine alone", async () => {
    const { child, match } = await runScript("examples/echo-server.ts", [], { PORT: "0" }, /Echo server on (ws:\/\/127\.0\.0\.1:\d+\/)/);
    const client = wsAttempt(match[1]);
    await next(client, "open");
    client.send("hi");
    expect((await next<[Buffer]>(client, "message"))[0].toString()).toBe("Echo: hi");
    client.ping("p");
    expect((await next<[Buffer]>(client, "pong"))[0].toString()).toBe("p");
    client.close(1000, "bye");
    const [code, reason] = await next<[number, Buffer]>(client, "close");
    expect([code, reason.toString()]).toEqual([1000, "bye"]);
    child.kill();
  });

  it("tsx examples/in-memory.ts prints the README's exchange", async () => {
    const child = spawn(NODE_TSX[0], [...NODE_TSX.slice(1), "examples/in-memory.ts"], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
    afterTest(() => child.kill("SIGKILL"));
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    expect(await exited(child)).toBe(0);
    expect(output.trim().split("\n")).toEqual([
      "server got: Hello, server",
      'server got: Pong "are you there?"',
      'server got: close 1000 "bye" (state REMOTE_CLOSING)',
      "client got: close 1000",
      "client CLOSED, server CLOSED",
    ]);
  });

  it("a process that used the adapter exits by itself once everything is closed (no timer or socket left)", async () => {
    const child = spawn(NODE_TSX[0], [...NODE_TSX.slice(1), "test/node/fixtures/exits-cleanly.ts"], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
    afterTest(() => child.kill("SIGKILL"));
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    // The fixture's deadlines are 120 s: exiting before this test's deadline means none was left running.
    expect(await exited(child)).toBe(0);
    expect(output.trim().split("\n")).toEqual([
      "closed by the client",
      "closed by the server",
      "refused: The server rejected the WebSocket handshake with HTTP 404",
      "client vanished",
      "handshake: HandshakeTimeoutError",
      "close timeout",
      "upgrade closed",
      "refused: ECONNREFUSED",
      "done",
    ]);
  });
});
