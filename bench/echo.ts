/**
 * Loopback echo over 127.0.0.1: each server (its own process) against the same load
 * client (another process: ws's client with bufferutil), interleaved round by round.
 * Reported: echoed messages per second, round-trip p50/p99, and the server process's CPU
 * time per echoed message (this machine may have fewer cores than processes, so the
 * server's CPU cost is the steadier number).
 *
 *   npx tsx bench/index.ts echo     (ECHO_ROUNDS=4, ECHO_SECONDS=2 by default)
 */
import { startChild } from "./lib/child.js";
import { fixed, median, ratio, sizeLabel, type Table } from "./lib/report.js";
import { childEnv, SERVER_VARIANTS, startServer, type RunningServer } from "./server-variants.js";

const CONNECTIONS = 50;
const INFLIGHT = 4;
const MESSAGES = [
  { size: 64, binary: false },
  { size: 16 * 1024, binary: true },
];

interface Result {
  perSecond: number;
  p50: number;
  p99: number;
  cpuUsPerMessage: number;
}

export async function echoBenchmark(rounds: number, seconds: number): Promise<Table> {
  const servers: RunningServer[] = [];
  for (const variant of SERVER_VARIANTS) servers.push(await startServer(variant));
  const client = await startChild("echo-client.ts", [], { env: childEnv(true) });
  const results = new Map<string, Result[]>();
  try {
    for (let round = 0; round < rounds; round++) {
      for (const message of MESSAGES) {
        for (let i = 0; i < servers.length; i++) {
          const server = servers[(i + round) % servers.length];
          let cpuStart: Promise<{ ms: number }> | null = null;
          let cpuEnd: Promise<{ ms: number }> | null = null;
          const listener = (name: string) => {
            if (name === "measuring") cpuStart = server.child.ask({ cmd: "cpu" });
            if (name === "measured") cpuEnd = server.child.ask({ cmd: "cpu" });
          };
          client.onEvent(listener);
          const run = await client.ask<{ perSecond: number; p50: number; p99: number }>({
            cmd: "run",
            url: `ws://127.0.0.1:${server.port}/`,
            connections: CONNECTIONS,
            inflight: INFLIGHT,
            size: message.size,
            binary: message.binary,
            warmupSeconds: Math.min(1, seconds / 2),
            seconds,
          });
          const cpu = (await cpuEnd!).ms - (await cpuStart!).ms;
          const key = `${server.variant.name}|${message.size}`;
          const list = results.get(key) ?? [];
          list.push({ ...run, cpuUsPerMessage: (cpu * 1000) / (run.perSecond * seconds) });
          results.set(key, list);
        }
      }
    }
  } finally {
    await client.stop();
    for (const server of servers) await server.child.stop();
  }
  const rows: string[][] = [];
  for (const message of MESSAGES) {
    const wstate = medians(results.get(`${SERVER_VARIANTS[0].name}|${message.size}`)!);
    for (const variant of SERVER_VARIANTS) {
      const m = medians(results.get(`${variant.name}|${message.size}`)!);
      rows.push([
        `${message.binary ? "binary" : "text"} ${sizeLabel(message.size)}`,
        variant.name,
        fixed(m.perSecond),
        fixed(m.p50),
        fixed(m.p99),
        fixed(m.cpuUsPerMessage),
        variant === SERVER_VARIANTS[0] ? "" : ratio(wstate.perSecond / m.perSecond),
        variant === SERVER_VARIANTS[0] ? "" : ratio(m.cpuUsPerMessage / wstate.cpuUsPerMessage),
      ]);
    }
  }
  return {
    title: `Loopback echo (median of ${rounds} rounds × ${seconds} s)`,
    header: ["message", "server", "echoes/s", "p50 ms", "p99 ms", "server CPU µs/echo", "wstate/node ÷ this (rate)", "this ÷ wstate/node (CPU)"],
    rows,
    notes: [
      `Client: ws (bufferutil) in its own process, ${CONNECTIONS} connections × ${INFLIGHT} messages in flight, each echo answered by the next message.`,
      "Servers echo text as text (ws's handler calls toString(), as wstate decodes text itself) and binary as binary.",
      "wstate core = node:net + WSConnection with the DESIGN.md echo loop: the engine without the Node adapter.",
      "Ratios > 1: wstate/node better (more echoes/s; less server CPU per echo).",
    ],
  };
}

function medians(results: Result[]): Result {
  return {
    perSecond: median(results.map((r) => r.perSecond)),
    p50: median(results.map((r) => r.p50)),
    p99: median(results.map((r) => r.p99)),
    cpuUsPerMessage: median(results.map((r) => r.cpuUsPerMessage)),
  };
}
