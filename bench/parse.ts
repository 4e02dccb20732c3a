/**
 * Parse throughput: wstate's `Connection` against ws's `Receiver` (with and without
 * bufferutil) on identical wire bytes, interleaved round by round.
 *
 * What is timed, for both: feeding the bytes and handing every complete message to a
 * callback in the form an application uses — text as a validated string, binary as one
 * byte array. wstate yields a message in pieces when its bytes arrive in pieces, so its
 * side joins them (what an application must do); ws joins them itself. ws delivers text
 * as a validated Buffer, so its callback calls `toString()` (wstate's text is already a
 * string). Both validate UTF-8 and enforce a 1 MiB message limit. wstate runs with
 * `unmaskInPlace` and Node's allocator, as the Node adapter runs it (ws's receiver always
 * unmasks in place), and, for comparison, with its defaults.
 *
 *   npx tsx bench/index.ts parse        (ROUNDS=7 by default)
 */
import type { ConnectionEvent } from "../src/index.js";
import { freshChunks, wireMessages, type MessageKind } from "./lib/inputs.js";
import { interleave } from "./lib/interleave.js";
import { cpuMs, fixed, median, ratio, selected, sizeLabel, type Table } from "./lib/report.js";
import type { WsCopy } from "./lib/ws-copies.js";
import { allocateUnsafe, wstate } from "./lib/wstate.js";

const { Connection, ConnectionType } = wstate;

export const PARSE_SIZES = [16, 125, 1024, 16 * 1024, 64 * 1024, 1024 * 1024];
const MAX_MESSAGE = 1024 * 1024;
/** Wire bytes per pass (at least 4 messages). */
const PASS_BYTES = 1024 * 1024;
/** A sample repeats the pass until it took this long. */
const SAMPLE_MS = 15;

type Role = "server" | "client";
/** wstate's default mode, shown beside the in-place one. */
const COPYING = "wstate (copying)";
type Feed = "64 KiB" | "whole";

interface Sink {
  messages: number;
  units: number;
}

/** One implementation set up for one case: parses the chunks, delivers to the sink. */
type Parser = (chunks: Buffer[]) => void;

function wstateParser(role: Role, sink: Sink, asAdapter: boolean): Parser {
  const type = role === "server" ? ConnectionType.SERVER : ConnectionType.CLIENT;
  const connection = new Connection(
    type,
    asAdapter ? { maxMessageSize: MAX_MESSAGE, unmaskInPlace: true, allocate: allocateUnsafe } : { maxMessageSize: MAX_MESSAGE },
  );
  const deliver = (message: string | Uint8Array) => {
    sink.messages++;
    sink.units += message.length;
  };
  let textPieces: string[] = [];
  let bytePieces: Uint8Array[] = [];
  let pieceBytes = 0;
  const onEvent = (event: ConnectionEvent) => {
    if (event.type === "TextMessage") {
      if (event.messageFinished && textPieces.length === 0) return deliver(event.data);
      textPieces.push(event.data);
      if (!event.messageFinished) return;
      const whole = textPieces.join("");
      textPieces = [];
      return deliver(whole);
    }
    if (event.type === "BytesMessage") {
      if (event.messageFinished && bytePieces.length === 0) return deliver(event.data);
      bytePieces.push(event.data);
      pieceBytes += event.data.length;
      if (!event.messageFinished) return;
      // What a Node application would write; it allocates as ws's own join does.
      const whole = Buffer.concat(bytePieces, pieceBytes);
      bytePieces = [];
      pieceBytes = 0;
      return deliver(whole);
    }
    throw new Error(`unexpected ${event.type}`);
  };
  return (chunks) => {
    for (const chunk of chunks) {
      connection.receiveData(chunk);
      for (const event of connection.events()) onEvent(event);
    }
  };
}

function wsParser(ws: WsCopy, role: Role, sink: Sink): Parser {
  const receiver = new ws.Receiver({ isServer: role === "server", maxPayload: MAX_MESSAGE });
  receiver.on("message", (data, isBinary) => {
    const message = isBinary ? data : data.toString();
    sink.messages++;
    sink.units += message.length;
  });
  receiver.on("error", (error) => {
    throw error;
  });
  return (chunks) => {
    for (const chunk of chunks) receiver.write(chunk);
  };
}

interface Case {
  role: Role;
  kind: MessageKind;
  size: number;
  feed: Feed;
  wire: Buffer;
  count: number;
}

export async function parseBenchmark(ws: readonly WsCopy[], rounds: number): Promise<Table> {
  const cases: Case[] = [];
  for (const role of ["server", "client"] as const) {
    for (const kind of ["text", "binary"] as const) {
      for (const size of PARSE_SIZES) {
        const feeds = (["64 KiB", "whole"] as const).filter((feed) => selected(`${role} ${kind} ${sizeLabel(size)} ${feed}`));
        if (feeds.length === 0) continue;
        const count = Math.max(4, Math.ceil(PASS_BYTES / size));
        const wire = wireMessages(ws[0], kind, size, count, role === "server");
        for (const feed of feeds) cases.push({ role, kind, size, feed, wire, count });
      }
    }
  }
  const contenders = ["wstate", COPYING, ...ws.map((copy) => copy.name)];
  const parsers = new Map<Case, Map<string, { parse: Parser; sink: Sink }>>();
  for (const c of cases) {
    const byName = new Map<string, { parse: Parser; sink: Sink }>();
    for (const [name, inPlace] of [["wstate", true], [COPYING, false]] as const) {
      const sink = { messages: 0, units: 0 };
      byName.set(name, { parse: wstateParser(c.role, sink, inPlace), sink });
    }
    for (const copy of ws) {
      const sink = { messages: 0, units: 0 };
      byName.set(copy.name, { parse: wsParser(copy, c.role, sink), sink });
    }
    parsers.set(c, byName);
  }
  const samples = await interleave({
    cases,
    contenders,
    rounds,
    sampleMs: SAMPLE_MS,
    measure: (c, name, reps) => {
      const { parse, sink } = parsers.get(c)!.get(name)!;
      let spent = 0;
      for (let rep = 0; rep < reps; rep++) {
        const chunks = freshChunks(c.wire, c.feed === "whole" ? c.wire.length : 64 * 1024);
        const expected = sink.messages + c.count;
        const start = cpuMs();
        parse(chunks);
        spent += cpuMs() - start;
        if (sink.messages !== expected) throw new Error(`${name} lost messages: ${sink.messages} of ${expected}`);
      }
      return spent;
    },
    verify: (c) => {
      const units = contenders.map((name) => parsers.get(c)!.get(name)!.sink.units);
      if (units.some((u) => u !== units[0])) throw new Error(`${c.role} ${c.kind} ${c.size}: contenders disagree (${units})`);
    },
  });
  const rows = cases.map((c) => {
    const megabytesPerPass = (c.count * c.size) / 1e6;
    const [wstate, copying, ...others] = contenders.map((name) => megabytesPerPass / (median(samples.get(c)!.get(name)!) / 1000));
    return [c.role, c.kind, sizeLabel(c.size), c.feed, fixed(wstate), fixed(copying), ...others.map(fixed), ...others.map((o) => ratio(wstate / o))];
  });
  return {
    title: `Parse throughput, payload MB/s (median of ${rounds} rounds)`,
    header: ["role", "type", "payload", "fed", "wstate", COPYING, ...ws.map((c) => c.name), ...ws.map((c) => `wstate/${c.name}`)],
    rows,
    notes: [
      "server = parses masked frames (from a client); client = parses unmasked frames.",
      "wstate runs as the Node adapter runs it: unmaskInPlace (like ws's receiver it unmasks the given chunks where they lie; each pass gets fresh copies, for every contender) and Buffer.allocUnsafe for copies over 2 KiB.",
      `${COPYING}: the defaults, which never change the caller's bytes (server role: each masked payload is copied out into zero-filled memory).`,
      "fed: the wire bytes in 64 KiB chunks, or as one buffer (a pass is ~1 MiB of frames, ≥ 4 messages).",
      "Time is the process's CPU time (user + system, GC threads included), so other load on the machine matters less.",
      "Timed: feeding + delivery of each whole message to a callback (text as a validated string, binary as one array).",
      "ws's text Buffer is turned into a string with toString() in its callback; wstate's pieces are joined by the callback (join(\"\") for text, Buffer.concat for binary).",
      "Ratios > 1: wstate faster.",
    ],
  };
}
