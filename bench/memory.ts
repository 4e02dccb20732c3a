/**
 * Heap per idle connection: each server (its own process, started with --expose-gc)
 * holds 10,000 open, idle connections made by the same hand-rolled client (another
 * process). Measured in the server only: `heapUsed` after forced GCs, minus the same
 * before the connections opened (after a warm-up batch was opened and closed).
 *
 *   npx tsx bench/index.ts memory     (CONNECTIONS=10000 by default)
 */
import { startChild, type Child } from "./lib/child.js";
import { fixed, ratio, type Table } from "./lib/report.js";
import { childEnv, SERVER_VARIANTS, startServer, type RunningServer } from "./server-variants.js";

const WARMUP_CONNECTIONS = 200;

interface Heap {
  heapUsed: number;
  external: number;
  arrayBuffers: number;
  rss: number;
}

async function waitForOpen(server: RunningServer, count: number): Promise<void> {
  for (let tries = 0; tries < 600; tries++) {
    const { open } = await server.child.ask<{ open: number }>({ cmd: "connections" });
    if (open === count) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`${server.variant.name}: connections did not reach ${count}`);
}

async function measure(server: RunningServer, client: Child, connections: number): Promise<{ heap: number; external: number; rss: number }> {
  await client.ask({ cmd: "open", port: server.port, count: WARMUP_CONNECTIONS });
  await waitForOpen(server, WARMUP_CONNECTIONS);
  await client.ask({ cmd: "close" });
  await waitForOpen(server, 0);
  const before = await server.child.ask<Heap>({ cmd: "heap" });
  await client.ask({ cmd: "open", port: server.port, count: connections });
  await waitForOpen(server, connections);
  const after = await server.child.ask<Heap>({ cmd: "heap" });
  await client.ask({ cmd: "close" });
  return {
    heap: (after.heapUsed - before.heapUsed) / connections,
    external: (after.external - before.external) / connections,
    rss: (after.rss - before.rss) / connections,
  };
}

export async function memoryBenchmark(connections: number): Promise<Table> {
  const client = await startChild("idle-client.ts", [], { env: childEnv(true) });
  const results = new Map<string, { heap: number; external: number; rss: number }>();
  try {
    for (const variant of SERVER_VARIANTS) {
      const server = await startServer(variant, ["--expose-gc"]);
      try {
        results.set(variant.name, await measure(server, client, connections));
      } finally {
        await server.child.stop();
      }
    }
  } finally {
    await client.stop();
  }
  const wstate = results.get(SERVER_VARIANTS[0].name)!;
  const kib = (bytes: number) => fixed(bytes / 1024);
  return {
    title: `Memory per idle connection (${connections.toLocaleString("en")} connections, server process)`,
    header: ["server", "heap KiB/conn", "external KiB/conn", "RSS KiB/conn", "this ÷ wstate/node (heap)"],
    rows: SERVER_VARIANTS.map((variant) => {
      const r = results.get(variant.name)!;
      return [variant.name, kib(r.heap), kib(r.external), kib(r.rss), variant === SERVER_VARIANTS[0] ? "" : ratio(r.heap / wstate.heap)];
    }),
    notes: [
      "heap = process.memoryUsage().heapUsed after 4 forced GCs with the connections open, minus before (after a warm-up batch).",
      "Client: plain TCP sockets that send a fixed upgrade request and wait for the 101, in another process.",
      "wstate runs from its tsc build (dist/), as it ships; the bench scripts around it run under tsx.",
      "Ratio > 1: wstate/node uses less heap per connection.",
    ],
  };
}
