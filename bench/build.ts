/**
 * Frame building: wstate's `Connection.sendParts()` against ws's `Sender.frame()` (with
 * and without bufferutil), interleaved round by round; wstate's `send()` beside them.
 *
 * All turn one message into the bytes to write. wstate's side includes making the event
 * (`new TextMessage({ data })`), as an application must. `sendParts` and ws both return a
 * list: a server's (unmasked) binary payload is not copied, anything masked is copied into
 * one buffer (ws: `readOnly: true`, what `WebSocket#send` passes for a Buffer); `send`
 * returns one array, header and payload together. Text is a string on both sides: ws is called without a
 * precomputed byte length, so it encodes the string to bytes (`Buffer.from`).
 *
 *   npx tsx bench/index.ts build        (ROUNDS=7 by default)
 */
import { payload, type MessageKind } from "./lib/inputs.js";
import { interleave } from "./lib/interleave.js";
import { cpuMs, fixed, median, ratio, selected, sizeLabel, type Table } from "./lib/report.js";
import type { WsCopy } from "./lib/ws-copies.js";
import { PARSE_SIZES } from "./parse.js";
import { allocateUnsafe, wstate } from "./lib/wstate.js";

const { BytesMessage, Connection, ConnectionType, TextMessage } = wstate;

/** Payload bytes per pass (at least 16 frames). */
const PASS_BYTES = 1024 * 1024;
const SAMPLE_MS = 15;
const DISTINCT = 16;

interface Case {
  masked: boolean;
  kind: MessageKind;
  size: number;
  count: number;
  texts: string[];
  buffers: Buffer[];
}

/** Output bytes of the last pass, by contender. */
type Sinks = Map<string, number>;

/** wstate's send() beside sendParts(). */
const ONE_ARRAY = "wstate send()";

function wstateBuild(c: Case, parts: boolean): () => number {
  // A client masks what it sends; a server does not.
  // sendParts runs as the Node adapter runs it (Node's allocator); send() with the defaults.
  const connection = new Connection(c.masked ? ConnectionType.CLIENT : ConnectionType.SERVER, parts ? { allocate: allocateUnsafe } : {});
  const eventAt = (i: number) =>
    c.kind === "text" ? new TextMessage({ data: c.texts[i % DISTINCT] }) : new BytesMessage({ data: c.buffers[i % DISTINCT] });
  if (!parts) {
    return () => {
      let bytes = 0;
      for (let i = 0; i < c.count; i++) bytes += connection.send(eventAt(i)).length;
      return bytes;
    };
  }
  return () => {
    let bytes = 0;
    for (let i = 0; i < c.count; i++) {
      for (const part of connection.sendParts(eventAt(i))) bytes += part.length;
    }
    return bytes;
  };
}

function wsBuild(ws: WsCopy, c: Case): () => number {
  const options = { fin: true, opcode: c.kind === "text" ? 1 : 2, mask: c.masked, readOnly: c.kind === "binary", rsv1: false };
  return () => {
    let bytes = 0;
    for (let i = 0; i < c.count; i++) {
      const parts = ws.Sender.frame(c.kind === "text" ? c.texts[i % DISTINCT] : c.buffers[i % DISTINCT], options);
      for (const part of parts) bytes += part.length;
    }
    return bytes;
  };
}

export async function buildBenchmark(ws: readonly WsCopy[], rounds: number): Promise<Table> {
  const cases: Case[] = [];
  for (const masked of [false, true]) {
    for (const kind of ["text", "binary"] as const) {
      for (const size of PARSE_SIZES) {
        if (!selected(`${masked ? "masked" : "unmasked"} ${kind} ${sizeLabel(size)}`)) continue;
        const buffers = Array.from({ length: DISTINCT }, (_, i) => payload(kind, size, i + 1));
        const texts = kind === "text" ? buffers.map((b) => b.toString("latin1")) : [];
        cases.push({ masked, kind, size, count: Math.max(DISTINCT, Math.ceil(PASS_BYTES / size)), texts, buffers });
      }
    }
  }
  const contenders = ["wstate", ONE_ARRAY, ...ws.map((copy) => copy.name)];
  const builders = new Map<Case, Map<string, () => number>>();
  const sinks = new Map<Case, Sinks>();
  for (const c of cases) {
    builders.set(c, new Map([["wstate", wstateBuild(c, true)], [ONE_ARRAY, wstateBuild(c, false)], ...ws.map((copy) => [copy.name, wsBuild(copy, c)] as const)]));
    sinks.set(c, new Map());
  }
  const samples = await interleave({
    cases,
    contenders,
    rounds,
    sampleMs: SAMPLE_MS,
    measure: (c, name, reps) => {
      const build = builders.get(c)!.get(name)!;
      let bytes = 0;
      const start = cpuMs();
      for (let rep = 0; rep < reps; rep++) bytes = build();
      const spent = cpuMs() - start;
      sinks.get(c)!.set(name, bytes);
      return spent;
    },
    verify: (c) => {
      const bytes = contenders.map((name) => sinks.get(c)!.get(name));
      if (bytes.some((b) => b !== bytes[0])) throw new Error(`build ${c.kind} ${c.size}: output sizes differ (${bytes})`);
    },
  });
  const rows = cases.map((c) => {
    // Frames per µs, i.e. millions per second.
    const [wstate, oneArray, ...others] = contenders.map((name) => c.count / (median(samples.get(c)!.get(name)!) * 1000));
    return [
      c.masked ? "masked (client)" : "unmasked (server)",
      c.kind,
      sizeLabel(c.size),
      fixed(wstate * c.size),
      fixed(oneArray * c.size),
      ...others.map((o) => fixed(o * c.size)),
      fixed(wstate * 1000),
      ...others.map((o) => ratio(wstate / o)),
    ];
  });
  return {
    title: `Frame building, payload MB/s (median of ${rounds} rounds)`,
    header: ["frames", "type", "payload", "wstate", ONE_ARRAY, ...ws.map((c) => c.name), "wstate k frames/s", ...ws.map((c) => `wstate/${c.name}`)],
    rows,
    notes: [
      "wstate: connection.sendParts(new TextMessage({ data }) / new BytesMessage({ data })): a server's binary frame as [header, payload], the payload not copied; anything else one array.",
      `${ONE_ARRAY}: connection.send(event) with the defaults: always one array, header + payload, in zero-filled memory.`,
      "wstate (sendParts) runs as the Node adapter runs it, with Buffer.allocUnsafe for frames over 2 KiB.",
      "ws: Sender.frame(data, { fin, opcode, mask, readOnly }): [header, payload]; an unmasked binary payload is not copied.",
      "Text is ASCII JSON-like on both sides, passed as a string. Ratios > 1: wstate faster.",
    ],
  };
}
