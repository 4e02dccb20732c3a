/**
 * Child process: the load client of the loopback echo benchmark, the same for every
 * server — ws's WebSocket client (with bufferutil). Each `run` opens `connections`
 * sockets, keeps `inflight` messages outstanding on each, warms up, then counts the
 * echoes and their round-trip times for `seconds`.
 */
import WebSocket from "ws";
import { serveCommands } from "./lib/child.js";
import { payload } from "./lib/inputs.js";
import { percentile } from "./lib/report.js";

interface RunCommand {
  url: string;
  connections: number;
  inflight: number;
  size: number;
  binary: boolean;
  warmupSeconds: number;
  seconds: number;
}

async function run(command: RunCommand): Promise<Record<string, unknown>> {
  const message = command.binary ? payload("binary", command.size, 1) : payload("text", command.size, 1).toString("latin1");
  const sockets = await Promise.all(
    Array.from(
      { length: command.connections },
      () =>
        new Promise<WebSocket>((resolve, reject) => {
          const socket = new WebSocket(command.url, { perMessageDeflate: false });
          socket.once("open", () => resolve(socket));
          socket.once("error", reject);
        }),
    ),
  );
  let measuring = false;
  let stopped = false;
  let count = 0;
  const latencies: number[] = [];
  for (const socket of sockets) {
    const sentAt: number[] = [];
    let head = 0;
    const send = () => {
      sentAt.push(performance.now());
      socket.send(message);
    };
    socket.on("message", (data: Buffer, isBinary) => {
      const rtt = performance.now() - sentAt[head++];
      if (head > 1024) {
        sentAt.splice(0, head);
        head = 0;
      }
      if (isBinary !== command.binary || data.length !== command.size) throw new Error("echo differs from what was sent");
      if (measuring) {
        count++;
        latencies.push(rtt);
      }
      if (!stopped) send();
    });
    for (let i = 0; i < command.inflight; i++) send();
  }
  await new Promise((resolve) => setTimeout(resolve, command.warmupSeconds * 1000));
  process.send!({ event: "measuring" });
  measuring = true;
  const start = performance.now();
  await new Promise((resolve) => setTimeout(resolve, command.seconds * 1000));
  measuring = false;
  const elapsed = (performance.now() - start) / 1000;
  process.send!({ event: "measured" });
  stopped = true;
  await Promise.all(sockets.map((socket) => new Promise((resolve) => (socket.once("close", resolve), socket.close()))));
  return { perSecond: count / elapsed, p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99) };
}

serveCommands((command) => run(command as unknown as RunCommand));
