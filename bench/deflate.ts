/**
 * permessage-deflate cost per message: wstate's PerMessageDeflate (synchronous, pako)
 * against ws's PerMessageDeflate (Node's zlib through its thread pool, callback-based,
 * each call run to completion before the next), both with context takeover, 15-bit
 * windows, zlib level 6, no threshold. The cases run interleaved in one process.
 *
 *   npx tsx bench/deflate.ts            (ROUNDS=7 MESSAGES=200 by default)
 */
import { randomBytes } from "node:crypto";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import type { FrameContext, PerMessageDeflate as PerMessageDeflateType } from "../src/index.js";
import { wstate } from "./lib/wstate.js";

const { NO_RSV, Opcode, PerMessageDeflate } = wstate;

interface WsPerMessageDeflate {
  accept(configurations: unknown): unknown;
  compress(data: Buffer, fin: boolean, callback: (error: Error | null, result?: Buffer) => void): void;
  decompress(data: Buffer, fin: boolean, callback: (error: Error | null, result?: Buffer) => void): void;
  cleanup(): void;
}
const require = createRequire(import.meta.url);
// ws exports only its entry point; its modules are loaded by path.
const wsLib = (file: string) => join(dirname(require.resolve("ws")), "lib", file);
const WsPerMessageDeflate = require(wsLib("permessage-deflate.js")) as new (options: object) => WsPerMessageDeflate;
const { parse: parseWsExtensions } = require(wsLib("extension.js")) as {
  parse(header: string): Record<string, unknown[]>;
};

const ROUNDS = Number(process.env.ROUNDS ?? 7);
const MESSAGES = Number(process.env.MESSAGES ?? 200);
const SIZES = [1024, 64 * 1024];

/** Distinct JSON-ish text messages: compressible, but not copies of each other. */
function textMessages(size: number, count: number): Uint8Array[] {
  const words = ["\"id\":", "\"name\":", "\"value\":", "true", "false", "null", "websocket", "frame", "deflate", "message", "{", "}", ",", "[", "]"];
  let seed = 12345 + size;
  const next = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff);
  return Array.from({ length: count }, () => {
    let text = "";
    while (text.length < size) text += next() % 3 === 0 ? String(next() % 100000) : words[next() % words.length];
    return new TextEncoder().encode(text.slice(0, size));
  });
}

function randomMessages(size: number, count: number): Uint8Array[] {
  return Array.from({ length: count }, () => new Uint8Array(randomBytes(size)));
}

const serverCtx: FrameContext = { client: false, inboundBudget: Number.MAX_SAFE_INTEGER };
const clientCtx: FrameContext = { client: true, inboundBudget: Number.MAX_SAFE_INTEGER };

function wstatePair(): { server: PerMessageDeflateType; client: PerMessageDeflateType } {
  const client = new PerMessageDeflate({ threshold: 0 });
  const server = new PerMessageDeflate({ threshold: 0 });
  const response = server.accept(`permessage-deflate; ${client.offer()}`);
  client.finalize(response ? `permessage-deflate; ${response}` : "permessage-deflate");
  return { server, client };
}

function wsServer(): WsPerMessageDeflate {
  const pmd = new WsPerMessageDeflate({ isServer: true, threshold: 0, maxPayload: 0 });
  pmd.accept(parseWsExtensions("permessage-deflate; client_max_window_bits")["permessage-deflate"]);
  return pmd;
}

/** Compresses `messages` as one client would, for the decompression cases. */
function compressAsClient(messages: Uint8Array[]): Uint8Array[] {
  const { client } = wstatePair();
  return messages.map((m) => client.frameOutbound(clientCtx, Opcode.BINARY, NO_RSV, m, true)[1]);
}

function promisify(run: (callback: (error: Error | null, result?: Buffer) => void) => void): Promise<Buffer> {
  return new Promise((resolve, reject) => run((error, result) => (error ? reject(error) : resolve(result as Buffer))));
}

type Case = {
  name: string;
  size: number;
  kind: string;
  op: "compress" | "decompress";
  wstate: () => number;
  ws: () => Promise<number>;
};

function cases(): Case[] {
  const out: Case[] = [];
  for (const size of SIZES) {
    for (const [kind, messages] of [
      ["text", textMessages(size, MESSAGES)],
      ["random", randomMessages(size, MESSAGES)],
    ] as const) {
      const compressed = compressAsClient(messages);
      const buffers = messages.map((m) => Buffer.from(m));
      const compressedBuffers = compressed.map((m) => Buffer.from(m));
      out.push({
        name: `${kind} ${size / 1024} KiB`,
        size,
        kind,
        op: "compress",
        wstate: () => {
          const { server } = wstatePair();
          let bytes = 0;
          for (const m of messages) bytes += server.frameOutbound(serverCtx, Opcode.BINARY, NO_RSV, m, true)[1].length;
          return bytes;
        },
        ws: async () => {
          const pmd = wsServer();
          let bytes = 0;
          for (const m of buffers) bytes += (await promisify((cb) => pmd.compress(m, true, cb))).length;
          pmd.cleanup();
          return bytes;
        },
      });
      out.push({
        name: `${kind} ${size / 1024} KiB`,
        size,
        kind,
        op: "decompress",
        wstate: () => {
          const { server } = wstatePair();
          let bytes = 0;
          for (const m of compressed) {
            server.frameInboundHeader(serverCtx, Opcode.BINARY, { rsv1: true, rsv2: false, rsv3: false }, m.length);
            const data = server.frameInboundPayloadData(serverCtx, m) as Uint8Array;
            const tail = server.frameInboundComplete(serverCtx, true) as Uint8Array;
            bytes += data.length + tail.length;
          }
          return bytes;
        },
        ws: async () => {
          const pmd = wsServer();
          let bytes = 0;
          for (const m of compressedBuffers) bytes += (await promisify((cb) => pmd.decompress(m, true, cb))).length;
          pmd.cleanup();
          return bytes;
        },
      });
    }
  }
  return out;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[sorted.length >> 1];
}

async function main(): Promise<void> {
  const all = cases();
  const times = new Map<Case, { wstate: number[]; ws: number[]; bytes: [number, number] }>();
  for (const c of all) times.set(c, { wstate: [], ws: [], bytes: [0, 0] });
  // Round 0 warms up both and checks they agree on the output size where they must.
  for (let round = 0; round <= ROUNDS; round++) {
    for (const c of all) {
      const entry = times.get(c)!;
      let start = performance.now();
      const wstateBytes = c.wstate();
      const wstateMs = performance.now() - start;
      start = performance.now();
      const wsBytes = await c.ws();
      const wsMs = performance.now() - start;
      if (c.op === "decompress" && wstateBytes !== wsBytes) throw new Error(`${c.name}: outputs differ`);
      if (round === 0) continue;
      entry.wstate.push((wstateMs * 1000) / MESSAGES);
      entry.ws.push((wsMs * 1000) / MESSAGES);
      entry.bytes = [wstateBytes, wsBytes];
    }
  }
  const rows = all.map((c) => {
    const t = times.get(c)!;
    const w = median(t.wstate);
    const n = median(t.ws);
    const ratio = c.op === "compress" ? `${(t.bytes[0] / (c.size * MESSAGES)).toFixed(3)} / ${(t.bytes[1] / (c.size * MESSAGES)).toFixed(3)}` : "";
    return [c.op, c.name, w.toFixed(1), n.toFixed(1), (w / n).toFixed(2), (c.size / w).toFixed(0), ratio];
  });
  const header = ["op", "message", "wstate µs", "ws µs", "wstate/ws", "wstate MB/s", "size out/in wstate / ws"];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((cell, i) => cell.padEnd(widths[i])).join("  ");
  console.log(`permessage-deflate per message (median of ${ROUNDS} rounds × ${MESSAGES} messages, Node ${process.version})`);
  console.log(line(header));
  console.log(widths.map((w) => "-".repeat(w)).join("  "));
  for (const row of rows) console.log(line(row));
}

await main();
