/**
 * The README's examples run as shown: the in-memory example's output, and the echo server
 * over node:net answering a real `ws` client. The README quotes the example files, so they
 * must not drift apart.
 */
import { execFile, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import WebSocket from "ws";

const run = promisify(execFile);
const tsx = "node_modules/.bin/tsx";

describe("README examples", () => {
  it("examples/in-memory.ts prints the exchange and both sides end CLOSED", async () => {
    const { stdout } = await run(tsx, ["examples/in-memory.ts"], { timeout: 30_000 });
    expect(stdout.trim().split("\n")).toEqual([
      "server got: Hello, server",
      'server got: Pong "are you there?"',
      'server got: close 1000 "bye" (state REMOTE_CLOSING)',
      "client got: close 1000",
      "client CLOSED, server CLOSED",
    ]);
  });

  it("the README quotes examples/in-memory.ts verbatim and the echo loop of examples/echo-server.ts", () => {
    const readme = readFileSync("README.md", "utf8");
    expect(readme).toContain(readFileSync("examples/in-memory.ts", "utf8"));
    const echo = readFileSync("examples/echo-server.ts", "utf8");
    const loop = echo.slice(echo.indexOf("const server = net.createServer"), echo.indexOf("\nserver.listen"));
    expect(loop.length).toBeGreaterThan(200);
    expect(readme).toContain(loop.trim());
  });

  it("examples/echo-server.ts echoes a ws client's message", async () => {
    const child = spawn(tsx, ["examples/echo-server.ts"], { env: { ...process.env, PORT: "0" } });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = "";
        child.stdout.on("data", (d: Buffer) => {
          out += d;
          const match = /ws:\/\/127\.0\.0\.1:\d+\//.exec(out);
          if (match) resolve(match[0]);
        });
        child.on("exit", (code) => reject(new Error(`echo server exited with ${code}`)));
      });
      const ws = new WebSocket(url);
      const reply = await new Promise<string>((resolve, reject) => {
        ws.on("open", () => ws.send("hi"));
        ws.on("message", (data) => resolve(String(data)));
        ws.on("error", reject);
      });
      expect(reply).toBe("Echo: hi");
      const code = await new Promise<number>((resolve) => {
        ws.on("close", (c) => resolve(c));
        ws.close(1000, "done");
      });
      expect(code).toBe(1000);
    } finally {
      child.kill();
    }
  });
});
