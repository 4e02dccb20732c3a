/**
 * Properties of a real `Connection` (fast-check):
 * - valid frame streams (every opcode, fragmented messages with control frames between
 *   fragments, lengths at 0/125/126/65535/65536, masked by role, maybe ending with a
 *   Close), built by this file's own encoder, give the same messages, close and state
 *   whole, byte by byte and in random splits, also when events are taken a few at a time
 *   and when the input is unmasked in place (`unmaskInPlace`);
 * - a client and a server Connection, with or without a negotiated permessage-deflate
 *   (random window bits, no-context-takeover, threshold), round-trip random messages,
 *   fragmented or not, both ways, and close cleanly;
 * - arbitrary bytes never make `receiveData` / `events()` throw, give events then at most
 *   one CloseConnection, and keep memory bounded.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Connection, ConnectionEvent } from "../../src/connection.js";
import { BytesMessage, CloseConnection, Ping, Pong, TextMessage } from "../../src/events.js";
import { PerMessageDeflate } from "../../src/extensions/permessage-deflate.js";
import { concatBytes, summarizeEvents, toHex, type SummaryEvent } from "../fixtures/frame-rows.js";
import { bytewise, seededFill, splitAt, unicodeText, utf8 } from "../frame/helpers.js";
import { buildStream, streamItem, type Stream } from "../frame/valid-streams.js";
import { clientDeflate, drain, expectedSnapshotValue, feedAll, negotiate, readFrames, serverDeflate, stateMismatch, watchedConnection } from "./helpers.js";

const VALID_CLOSE_CODES = [1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 3999, 4000, 4999];

// ---------------------------------------------------------------------------------------
// Valid frame streams

const closing = fc.option(
  fc.oneof(
    fc.constant({ code: 1005, reason: "" }), // an empty Close payload
    fc.record({ code: fc.constantFrom(...VALID_CLOSE_CODES), reason: unicodeText(30) }),
  ),
  { nil: null },
);

/**
 * Cuts at every byte of each frame's first 16 bytes (header, extended length, mask key,
 * payload start) and at the given random offsets: byte-by-byte where the decoder changes
 * state, without 65,536 calls for a long payload.
 */
function headerCuts(stream: Stream, random: number[]): number[] {
  const cuts = random.map((cut) => cut % (stream.wire.length + 1));
  for (const start of stream.frameStarts) for (let i = 1; i <= 16; i++) cuts.push(start + i);
  return cuts;
}

/**
 * Feeds the chunks but takes only `takes[i]` events after each read (parsing is lazy),
 * then everything left: stopping early must lose nothing and reorder nothing.
 */
function feedLazily(connection: Connection, chunks: Iterable<Uint8Array>, takes: readonly number[]): ConnectionEvent[] {
  const events: ConnectionEvent[] = [];
  const take = (limit: number): void => {
    const iterator = connection.events();
    for (let n = 0; n < limit; n++) {
      const next = iterator.next();
      if (next.done === true) return;
      const mismatch = stateMismatch(connection, next.value);
      if (mismatch !== null) throw new Error(`event ${events.length}: ${mismatch}`);
      events.push(next.value);
    }
  };
  let read = 0;
  for (const chunk of chunks) {
    connection.receiveData(chunk);
    take(takes.length === 0 ? 0 : takes[read++ % takes.length]);
  }
  take(Number.POSITIVE_INFINITY);
  return events;
}

describe("valid frame streams through a Connection", () => {
  it("give the same messages, close and state whole, byte by byte and in random splits", () => {
    fc.assert(
      fc.property(
        fc.array(streamItem, { maxLength: 6 }),
        closing,
        fc.boolean(),
        fc.integer(),
        fc.array(fc.nat(), { maxLength: 10 }),
        fc.array(fc.nat(2), { maxLength: 5 }),
        (items, close, client, seed, randomCuts, takes) => {
          const stream = buildStream(items, close, client, seed);
          const feeds: Array<[string, Uint8Array[]]> = [
            ["whole", [stream.wire]],
            ["random splits", splitAt(stream.wire, randomCuts.map((cut) => cut % (stream.wire.length + 1)))],
            // Byte by byte: all of it when short, around every frame header otherwise.
            ["byte by byte", stream.wire.length <= 8192 ? [...bytewise(stream.wire)] : splitAt(stream.wire, headerCuts(stream, randomCuts))],
            ["random splits, taking a few events at a time", splitAt(stream.wire, randomCuts.map((cut) => cut % (stream.wire.length + 1)))],
          ];
          // With unmaskInPlace each chunk is given away: fresh copies, unmasked where they lie.
          for (const [how, chunks] of feeds.slice(0, 3)) feeds.push([`${how}, unmasked in place`, chunks.map((chunk) => chunk.slice())]);
          for (const [how, chunks] of feeds) {
            const { connection, lifecycle } = watchedConnection(client, { unmaskInPlace: how.endsWith("in place") });
            const events = how.includes("a few") ? feedLazily(connection, chunks, takes) : feedAll(connection, chunks);
            expect(summarizeEvents(events, false), how).toEqual(stream.expected);
            const state = close === null ? "OPEN" : "REMOTE_CLOSING";
            expect(connection.state, how).toBe(state);
            expect(connection.actor.getSnapshot().value, how).toEqual(expectedSnapshotValue(state, "idle"));
            if (how === "whole") {
              // One chunk: only fragmented messages and the Close reach the statechart.
              const expected = Array.from({ length: stream.fragmented }, () => ["started", "INBOUND_MESSAGE_FINISHED"]).flat();
              if (close !== null) expected.push("CLOSE_RECEIVED");
              expect(lifecycle.map((type) => (type.endsWith("_STARTED") ? "started" : type)), how).toEqual(expected);
            }
          }
        },
      ),
      { numRuns: 60 },
    );
  });
});

// ---------------------------------------------------------------------------------------
// Round trips between two Connections

/** A message (maybe with a Ping sent between two of its fragments) or a control frame. */
type Send =
  | { kind: "text"; fragments: string[]; pingAfter: number | null }
  | { kind: "bytes"; fragments: Uint8Array[]; pingAfter: number | null }
  | { kind: "ping" | "pong"; payload: Uint8Array };

const BETWEEN = new TextEncoder().encode("between");
const pingAfter = fc.option(fc.nat(2), { nil: null });

const sendItem: fc.Arbitrary<Send> = fc.oneof(
  fc.record({ kind: fc.constant("text" as const), fragments: fc.array(unicodeText(40), { minLength: 1, maxLength: 4 }), pingAfter }),
  fc.record({
    kind: fc.constant("bytes" as const),
    fragments: fc.array(
      fc.oneof(fc.uint8Array({ maxLength: 300 }), fc.constantFrom(0, 125, 126, 2000).map((n) => new Uint8Array(n).fill(n & 0xff))),
      { minLength: 1, maxLength: 4 },
    ),
    pingAfter,
  }),
  fc.record({ kind: fc.constantFrom("ping" as const, "pong" as const), payload: fc.uint8Array({ maxLength: 125 }) }),
);

/** Whether a Ping goes between fragments `index` and `index + 1` of a message. */
const pingBetween = (entry: { fragments: readonly unknown[]; pingAfter: number | null }, index: number) =>
  entry.pingAfter === index && index < entry.fragments.length - 1;

const windowBits = fc.option(fc.integer({ min: 9, max: 15 }), { nil: undefined });
const deflateOptions = fc.option(
  fc.record({
    client: fc.record({
      clientMaxWindowBits: windowBits,
      serverMaxWindowBits: windowBits,
      clientNoContextTakeover: fc.boolean(),
      serverNoContextTakeover: fc.boolean(),
      threshold: fc.constantFrom(0, 16, 1024),
      compressionLevel: fc.option(fc.integer({ min: 0, max: 9 }), { nil: undefined }),
    }),
    serverThreshold: fc.constantFrom(0, 16, 1024),
    serverLevel: fc.option(fc.integer({ min: 0, max: 9 }), { nil: undefined }),
  }),
  { nil: null },
);

/** What the peer must see for `sends`: whole messages and control frames. */
function expectedSummary(sends: readonly Send[]): SummaryEvent[] {
  return sends.flatMap((entry): SummaryEvent[] => {
    if ("payload" in entry) return [{ type: entry.kind, hex: toHex(entry.payload) }];
    // A message is listed where its first chunk arrived: before a Ping sent between its fragments.
    const between: SummaryEvent[] = entry.fragments.some((_, index) => pingBetween(entry, index)) ? [{ type: "ping", hex: toHex(BETWEEN) }] : [];
    return entry.kind === "text"
      ? [{ type: "text", data: entry.fragments.join(""), complete: true }, ...between]
      : [{ type: "bytes", hex: entry.fragments.map(toHex).join(""), complete: true }, ...between];
  });
}

/** Sends every item (fragments as separate frames) and returns the bytes. */
function sendAll(from: Connection, sends: readonly Send[]): Uint8Array {
  const out: Uint8Array[] = [];
  for (const entry of sends) {
    if ("payload" in entry) {
      out.push(from.send(entry.kind === "ping" ? new Ping({ payload: entry.payload }) : new Pong({ payload: entry.payload })));
      continue;
    }
    entry.fragments.forEach((fragment: string | Uint8Array, index) => {
      const messageFinished = index === entry.fragments.length - 1;
      out.push(
        from.send(
          typeof fragment === "string" ? new TextMessage({ data: fragment, messageFinished }) : new BytesMessage({ data: fragment, messageFinished }),
        ),
      );
      if (pingBetween(entry, index)) out.push(from.send(new Ping({ payload: BETWEEN })));
    });
  }
  return concatBytes(out);
}

/** Without extensions, each frame arrives as it was sent (one event per frame, whole). */
function expectedFrames(sends: readonly Send[]): ConnectionEvent[] {
  return sends.flatMap((entry): ConnectionEvent[] => {
    if ("payload" in entry) return [entry.kind === "ping" ? new Ping({ payload: entry.payload }) : new Pong({ payload: entry.payload })];
    return entry.fragments.flatMap((fragment: string | Uint8Array, index): ConnectionEvent[] => {
      const messageFinished = index === entry.fragments.length - 1;
      const data =
        typeof fragment === "string" ? new TextMessage({ data: fragment, messageFinished }) : new BytesMessage({ data: fragment, messageFinished });
      return pingBetween(entry, index) ? [data, new Ping({ payload: BETWEEN })] : [data];
    });
  });
}

describe("a client and a server Connection", () => {
  it("round-trip random messages both ways, with and without permessage-deflate, and close cleanly", () => {
    fc.assert(
      fc.property(
        deflateOptions,
        fc.array(sendItem, { maxLength: 5 }),
        fc.array(sendItem, { maxLength: 5 }),
        fc.array(fc.nat(), { maxLength: 6 }),
        fc.record({ clientCloses: fc.boolean(), code: fc.constantFrom(...VALID_CLOSE_CODES), reason: unicodeText(20) }),
        fc.integer(),
        (deflate, toServer, toClient, cuts, close, seed) => {
          const negotiated = deflate === null ? null : negotiate(deflate.client, { threshold: deflate.serverThreshold, compressionLevel: deflate.serverLevel });
          const client = watchedConnection(true, { extensions: negotiated ? [negotiated.client] : [], randomFill: seededFill(seed) }).connection;
          const server = watchedConnection(false, { extensions: negotiated ? [negotiated.server] : [] }).connection;

          for (const [from, to, sends] of [
            [client, server, toServer],
            [server, client, toClient],
          ] as const) {
            const wire = sendAll(from, sends);
            // RSV1 marks exactly the first frame of each compressed message.
            const threshold = from === client ? deflate?.client.threshold : deflate?.serverThreshold;
            for (const frame of readFrames(wire)) {
              const first = frame.opcode === 1 || frame.opcode === 2;
              if (!first || threshold === undefined) expect(frame.rsv).toBe(0);
              else if (threshold === 0) expect(frame.rsv).toBe(4);
              else expect([0, 4]).toContain(frame.rsv);
            }
            const split = splitAt(wire, cuts.map((cut) => cut % (wire.length + 1)));
            const events = feedAll(to, split);
            expect(summarizeEvents(events, false)).toEqual({ events: expectedSummary(sends), close: null, failed: false });
            if (negotiated === null && split.length === 1) expect(events).toEqual(expectedFrames(sends));
            expect(to.actor.getSnapshot().value).toEqual(expectedSnapshotValue("OPEN", "idle"));
            expect(from.actor.getSnapshot().value).toEqual(expectedSnapshotValue("OPEN", "idle"));
          }

          // The closing handshake, started by either side.
          const [closer, peer] = close.clientCloses ? [client, server] : [server, client];
          peer.receiveData(closer.send(new CloseConnection({ code: close.code, reason: close.reason })));
          const [received] = drain(peer) as CloseConnection[];
          expect(received).toEqual(new CloseConnection({ code: close.code, reason: close.reason }));
          expect([closer.state, peer.state]).toEqual(["LOCAL_CLOSING", "REMOTE_CLOSING"]);
          closer.receiveData(peer.send(received.response()));
          expect(drain(closer)).toEqual([new CloseConnection({ code: close.code, reason: close.reason })]);
          expect([closer.state, peer.state]).toEqual(["CLOSED", "CLOSED"]);
        },
      ),
      { numRuns: 80 },
    );
  });

  it("deliver what each side sent, however the other side's bytes are chunked", () => {
    // The same sends, encoded once, fed to three receivers negotiated alike.
    fc.assert(
      fc.property(deflateOptions, fc.array(sendItem, { minLength: 1, maxLength: 4 }), fc.array(fc.nat(), { maxLength: 8 }), (deflate, sends, cuts) => {
        const make = () => (deflate === null ? null : negotiate(deflate.client, { threshold: deflate.serverThreshold, compressionLevel: deflate.serverLevel }));
        const sender = make();
        const client = watchedConnection(true, { extensions: sender ? [sender.client] : [] }).connection;
        const wire = sendAll(client, sends);
        const feeds = [[wire], splitAt(wire, cuts.map((cut) => cut % (wire.length + 1))), wire.length <= 4096 ? [...bytewise(wire)] : [wire]];
        for (const chunks of feeds) {
          const receiver = make();
          const server = watchedConnection(false, { extensions: receiver ? [receiver.server] : [] }).connection;
          expect(summarizeEvents(feedAll(server, chunks), false).events).toEqual(expectedSummary(sends));
        }
      }),
      { numRuns: 40 },
    );
  });
});

// ---------------------------------------------------------------------------------------
// Arbitrary bytes

/** The largest input a drained Connection may still hold: a whole control frame's header and payload. */
const MAX_HELD = 2 + 8 + 4 + 125;

describe("arbitrary bytes through a Connection", () => {
  it("never throw, give events then at most one CloseConnection, and stay bounded", () => {
    const headerish = fc.constantFrom(0x01, 0x02, 0x00, 0x80, 0x81, 0x82, 0x88, 0x89, 0x8a, 0x91, 0xc1, 0xc2, 0x41);
    const bytes = fc
      .array(
        fc.oneof(
          fc.uint8Array({ maxLength: 8 }),
          headerish.map((byte) => new Uint8Array([byte])),
          fc.constantFrom(new Uint8Array([0x7e]), new Uint8Array([0xfe, 0x00]), new Uint8Array([0x80, 0, 0, 0, 0]), new Uint8Array([0x03, 0xe8])),
        ),
        { maxLength: 40 },
      )
      .map(concatBytes);
    const maxMessageSize = 64;
    fc.assert(
      fc.property(bytes, fc.boolean(), fc.constantFrom("none", "deflate", "offered"), fc.array(fc.nat(), { maxLength: 8 }), (input, client, extension, cuts) => {
        const outcomes = [[input], splitAt(input, cuts.map((cut) => cut % (input.length + 1))), [...bytewise(input)]].map((chunks) => {
          // "offered": a PerMessageDeflate that was never negotiated takes no part.
          const extensions =
            extension === "none" ? [] : extension === "offered" ? [new PerMessageDeflate()] : [client ? clientDeflate() : serverDeflate()];
          const { connection, lifecycle } = watchedConnection(client, { extensions, maxMessageSize });
          const events: ConnectionEvent[] = [];
          let fed = 0;
          for (const chunk of chunks) {
            if (connection.state === "CLOSED") break;
            connection.receiveData(chunk);
            fed += chunk.length;
            expect(connection.bufferedAmount).toBeLessThanOrEqual(fed);
            for (const event of connection.events()) events.push(event);
            expect(connection.bufferedAmount).toBeLessThanOrEqual(Math.min(fed, MAX_HELD));
          }
          const closes = events.filter((event) => event instanceof CloseConnection);
          expect(closes.length).toBeLessThanOrEqual(1);
          if (closes.length === 1) {
            expect(events.at(-1)).toBe(closes[0]);
            expect(connection.state).toBe("REMOTE_CLOSING");
            expect(lifecycle.at(-1)).toMatch(/^(CLOSE_RECEIVED|PROTOCOL_FAILED)$/);
          } else {
            expect(connection.state).toBe("OPEN");
          }
          let messageSize = 0;
          for (const event of events) {
            if (event instanceof TextMessage || event instanceof BytesMessage) {
              const size = typeof event.data === "string" ? utf8(event.data).length : event.data.length;
              expect(size).toBeLessThanOrEqual(maxMessageSize);
              messageSize += size;
              expect(messageSize).toBeLessThanOrEqual(maxMessageSize);
              if (event.messageFinished) messageSize = 0;
            }
          }
          // EOF: one abnormal closure, CLOSED, and nothing after that.
          connection.receiveData(null);
          expect(drain(connection)).toEqual([new CloseConnection({ code: 1006 })]);
          expect(connection.state).toBe("CLOSED");
          connection.receiveData(null);
          expect(drain(connection)).toEqual([]);
          const summary = summarizeEvents(events, lifecycle.includes("PROTOCOL_FAILED"));
          return {
            close: summary.close?.code ?? null,
            failed: summary.failed,
            complete: summary.events.filter((event) => !("complete" in event) || event.complete),
          };
        });
        expect(outcomes[1]).toEqual(outcomes[0]);
        expect(outcomes[2]).toEqual(outcomes[0]);
      }),
      { numRuns: 300 },
    );
  });
});
