/**
 * The hardening catalogue through a real `Connection`: the frame rows of
 * `test/fixtures/frame-rows.ts` (F01–F53, G02) and the compression rows Z01–Z24 / R1–R5,
 * each fed as listed, whole, byte by byte (rows under 100 kB) and in random splits (small
 * server rows also re-masked with random keys), with events pulled from `events()`,
 * pushed to an `on("*")` listener, or the first piece given as `trailingData`. Every feed
 * must give the row's events (data chunks joined
 * per message) and close code, the state the outcome implies (OPEN / REMOTE_CLOSING …),
 * and a statechart snapshot that agrees with it. Then the lifecycle is finished the way
 * an application would: a failure or peer Close is answered with `send(event.response())`
 * (a Close frame with that code; CLOSED), an open connection gets EOF (1006; CLOSED), and
 * a closed one refuses input with a LocalProtocolError and yields nothing more (I5).
 *
 * Each row also runs after our own Close (LOCAL_CLOSING), where the same input must give
 * the same events and a Close or failure ends the connection (CLOSED).
 */
import { describe, expect, it } from "vitest";
import type { Connection, ConnectionEvent, ConnectionOptions } from "../../src/connection.js";
import { LocalProtocolError } from "../../src/errors.js";
import { CloseConnection, Pong } from "../../src/events.js";
import {
  concatBytes,
  diffOutcome,
  FRAME_ROWS,
  hex,
  summarizeEvents,
  type FrameRow,
  type RowOutcome,
} from "../fixtures/frame-rows.js";
import { bytewise, remask, seededFill, splitAt } from "../frame/helpers.js";
import { COMPRESSION_ROWS, type CompressionRow } from "./compression-rows.js";
import { closePayload, drain, expectedSnapshotValue, feedAll, feedAllPushed, readFrame, watchedConnection, type Watched } from "./helpers.js";

type Row = FrameRow & Partial<Pick<CompressionRow, "extensions" | "cutBeforeClose">>;
type Start = "open" | "closing";

const utf8 = (text: string) => new TextEncoder().encode(text);

function optionsOf(row: Row): ConnectionOptions {
  return { extensions: row.extensions?.() ?? [], ...row.limits };
}

/**
 * The outcome to compare: for rows whose failure may cut a message at a chunking-dependent
 * point, that cut message is checked to be a prefix of what it would have been, then left out.
 */
function comparable(row: Row, outcome: RowOutcome): { outcome: RowOutcome; problems: string[] } {
  const cut = row.cutBeforeClose;
  const last = outcome.events.at(-1);
  if (cut === undefined || outcome.close === null || last === undefined || !("complete" in last) || last.complete) {
    return { outcome, problems: [] };
  }
  const delivered = last.type === "text" ? last.data : last.hex;
  const problems =
    last.type === cut.type && cut.prefix.startsWith(delivered)
      ? []
      : [`cut message ${JSON.stringify(last).slice(0, 120)} is not a ${cut.type} prefix of ${JSON.stringify(cut.prefix).slice(0, 60)}`];
  return { outcome: { ...outcome, events: outcome.events.slice(0, -1) }, problems };
}

/** Which inbound message the outcome leaves in progress (none once the input closed). */
function inboundOf(outcome: RowOutcome): "idle" | "receivingText" | "receivingBinary" {
  const last = outcome.events.at(-1);
  if (outcome.close !== null || last === undefined || !("complete" in last) || last.complete) return "idle";
  return last.type === "text" ? "receivingText" : "receivingBinary";
}

interface Run {
  readonly watched: Watched;
  readonly outcome: RowOutcome;
  readonly closeEvent: CloseConnection | null;
}

/**
 * How events are taken: `pull` iterates `events()` after each chunk, `push` listens with
 * `on("*")`, `trailing` hands the first chunk to the constructor as `trailingData`.
 */
type Mode = "pull" | "push" | "trailing";

/** One feed of a row: checks events, close, state, snapshot and lifecycle facts. */
function runRow(row: Row, chunks: Iterable<Uint8Array>, how: string, start: Start, mode: Mode = "pull"): Run {
  const label = `${row.id} (${start}) fed ${how}`;
  let rest = chunks;
  let options = optionsOf(row);
  if (mode === "trailing") {
    const [first, ...others] = [...chunks];
    options = { ...options, trailingData: first };
    // An empty read first: the trailing data is parsed as soon as events are taken.
    rest = [new Uint8Array(0), ...others];
  }
  const watched = watchedConnection(row.role === "client", options);
  const { connection, lifecycle } = watched;
  if (start === "closing") {
    const close = readFrame(connection.send(new CloseConnection({ code: 1000 })));
    expect(close?.opcode, label).toBe(8);
    expect(connection.state, label).toBe("LOCAL_CLOSING");
  }
  const events = mode === "push" ? feedAllPushed(connection, rest) : feedAll(connection, rest);
  const failed = lifecycle.includes("PROTOCOL_FAILED");
  const outcome = summarizeEvents(events, failed);
  const { outcome: compared, problems } = comparable(row, outcome);
  expect([...problems, ...diffOutcome(compared, row.expected)], label).toEqual([]);

  // The state the outcome implies, and a snapshot that agrees with it.
  const closed = outcome.close !== null;
  const state = start === "open" ? (closed ? "REMOTE_CLOSING" : "OPEN") : closed ? "CLOSED" : "LOCAL_CLOSING";
  expect(connection.state, label).toBe(state);
  const snapshot = connection.actor.getSnapshot();
  expect(snapshot.value, label).toEqual(expectedSnapshotValue(state, inboundOf(outcome)));
  expect(snapshot.status, label).toBe(state === "CLOSED" ? "done" : "active");
  // Memory: once parsing ended nothing is held; before, at most one control frame.
  expect(connection.bufferedAmount, label).toBeLessThanOrEqual(closed ? 0 : 2 + 8 + 4 + 125);

  // The lifecycle saw the close as what it was, once, and message starts only as messages.
  expect(lifecycle.filter((type) => type === "CLOSE_RECEIVED").length, label).toBe(closed && !failed ? 1 : 0);
  expect(lifecycle.filter((type) => type === "PROTOCOL_FAILED").length, label).toBe(closed && failed ? 1 : 0);
  const messages = outcome.events.filter((event) => "complete" in event).length;
  const started = lifecycle.filter((type) => type === "INBOUND_TEXT_STARTED" || type === "INBOUND_BINARY_STARTED").length;
  const finished = lifecycle.filter((type) => type === "INBOUND_MESSAGE_FINISHED").length;
  expect(started, label).toBeLessThanOrEqual(messages);
  const cutShort = outcome.events.some((event) => "complete" in event && !event.complete);
  expect(started - finished, label).toBe(cutShort ? 1 : 0);

  const closeEvent = events.find((event): event is CloseConnection => event instanceof CloseConnection) ?? null;
  return { watched, outcome, closeEvent };
}

/** A valid text frame "hi" as the peer of `client` would send it. */
function peerText(client: boolean): Uint8Array {
  return client ? hex("81 02 68 69") : hex("81 82 0a 0b 0c 0d 62 62");
}

/** After CLOSED: input is refused (typed), EOF yields nothing, every send is refused. */
function expectClosedForGood(connection: Connection, label: string): void {
  expect(connection.state, label).toBe("CLOSED");
  expect(() => connection.receiveData(hex("81 00")), label).toThrow(LocalProtocolError);
  connection.receiveData(null);
  expect(drain(connection), label).toEqual([]);
  for (const event of [new CloseConnection({ code: 1000 }), new Pong()]) {
    expect(() => connection.send(event), label).toThrow(LocalProtocolError);
  }
  expect(connection.state, label).toBe("CLOSED");
}

/** Finishes the lifecycle the way an application would, checking each step. */
function finish(row: Row, run: Run, label: string): void {
  const { connection, lifecycle } = run.watched;
  const client = row.role === "client";
  if (connection.state === "REMOTE_CLOSING") {
    // Later input is ignored: no events, nothing held (I5).
    const held = connection.bufferedAmount;
    connection.receiveData(peerText(client));
    expect(drain(connection), label).toEqual([]);
    expect(connection.bufferedAmount, label).toBe(held);
    // The reply is a Close frame with the code (1005: none) and the reason, cut to fit.
    const close = run.closeEvent as CloseConnection;
    const bytes = connection.send(close.response());
    const frame = readFrame(bytes);
    expect(frame, label).not.toBeNull();
    expect(frame?.end, label).toBe(bytes.length);
    expect([frame?.fin, frame?.opcode, frame?.masked], label).toEqual([true, 8, client]);
    const { code, reason } = closePayload(frame?.payload as Uint8Array);
    expect(code, label).toBe(close.code === 1005 ? null : close.code);
    const full = utf8(close.reason);
    expect(reason.length, label).toBe(Math.min(full.length, reason.length));
    expect(reason, label).toEqual(full.subarray(0, reason.length));
    expect(reason.length, label).toBeGreaterThanOrEqual(Math.min(full.length, 120));
    expect(lifecycle.at(-1), label).toBe("SEND_CLOSE");
  } else if (connection.state !== "CLOSED") {
    connection.receiveData(null);
    const events: ConnectionEvent[] = drain(connection);
    // Anything still buffered is parsed first; the last event is the abnormal closure.
    expect(events.at(-1), label).toEqual(new CloseConnection({ code: 1006 }));
    expect(events.filter((event) => event instanceof CloseConnection).length, label).toBe(1);
    expect(lifecycle.at(-1), label).toBe("EOF");
  } else {
    // Closed by the input (after our own Close): no reply is possible any more.
    expect(() => connection.send((run.closeEvent as CloseConnection).response()), label).toThrow(LocalProtocolError);
  }
  expectClosedForGood(connection, label);
}

/**
 * Cut offsets into `length` bytes from a seeded generator: cheap enough to run many feeds
 * per row (fast-check costs milliseconds per run here), and reproducible from the label.
 */
function randomCuts(seed: number, length: number, maxCuts = 12): number[] {
  const fill = seededFill(seed);
  const random = new Uint8Array(4 * (maxCuts + 1));
  fill(random);
  const view = new DataView(random.buffer);
  const count = 1 + (view.getUint32(0) % maxCuts);
  return Array.from({ length: count }, (_, i) => view.getUint32(4 * (i + 1)) % (length + 1));
}

/** Seeds for a row's random feeds: different per row, the same on every run. */
function seedsOf(row: Row, count: number): number[] {
  let hash = 2166136261;
  for (const char of row.id) hash = Math.imul(hash ^ char.charCodeAt(0), 16777619) >>> 0;
  return Array.from({ length: count }, (_, i) => (hash + i * 0x9e3779b9) >>> 0);
}

/** Every feed of a row, from the given start. */
function runAllFeeds(row: Row, start: Start): void {
  const whole = concatBytes(row.input);
  const feeds: Array<[string, Iterable<Uint8Array>]> = [["as one chunk", [whole]]];
  if (row.input.length > 1) feeds.push(["as listed", row.input]);
  if (!row.big) feeds.push(["byte by byte", bytewise(whole)]);
  if (start === "open") {
    for (const seed of seedsOf(row, row.big ? 1 : 5)) {
      const cuts = randomCuts(seed, whole.length);
      feeds.push([`split at ${cuts.join(",")}`, splitAt(whole, cuts)]);
    }
  }
  for (const [how, chunks] of feeds) finish(row, runRow(row, chunks, how, start), `${row.id} (${start}) fed ${how}`);
  // Push mode and trailing data: the same outcome.
  const others: Array<[string, Iterable<Uint8Array>, Mode]> = [["whole, pushed", [whole], "push"]];
  if (!row.big && start === "open") others.push(["byte by byte, pushed", bytewise(whole), "push"]);
  if (start === "open") others.push(["first piece as trailingData, then as listed", row.input, "trailing"]);
  for (const [how, chunks, mode] of others) finish(row, runRow(row, chunks, how, start, mode), `${row.id} (${start}) fed ${how}`);
  if (start === "open" && row.role === "server" && !row.big) {
    // Frames to a server, masked with random keys instead of the catalogue's 00000000.
    for (const seed of seedsOf(row, 2)) {
      const fill = seededFill(seed);
      const masked = remask(whole, () => {
        const key = new Uint8Array(4);
        fill(key);
        return key;
      });
      const cuts = randomCuts(seed + 1, whole.length, 4);
      runRow(row, splitAt(masked, cuts), `re-masked (seed ${seed}), split at ${cuts.join(",")}`, start);
    }
  }
}

const ROWS: readonly Row[] = [...FRAME_ROWS, ...COMPRESSION_ROWS];

describe("hardening rows through a Connection", () => {
  for (const row of ROWS) {
    it(`${row.id} ${row.title}`, () => {
      runAllFeeds(row, "open");
    });
  }
});

describe("hardening rows through a Connection that sent its Close first (LOCAL_CLOSING)", () => {
  for (const row of ROWS) {
    it(`${row.id} ${row.title}`, () => {
      runAllFeeds(row, "closing");
    });
  }
});

describe("the rows whose Connection outcome differs from the frame layer's", () => {
  it("F50: the message, then EOF mid-header gives CloseConnection(1006), CLOSED, no exception", () => {
    const row = FRAME_ROWS.find((candidate) => candidate.id === "F50") as FrameRow;
    expect(row.connection?.note).toMatch(/1006/);
    for (const chunks of [row.input, [concatBytes(row.input)], [...bytewise(concatBytes(row.input))]]) {
      const { connection } = watchedConnection(false);
      const events = feedAll(connection, chunks);
      connection.receiveData(null);
      events.push(...drain(connection));
      expect(summarizeEvents(events, false)).toEqual({
        events: [{ type: "bytes", hex: "010203", complete: true }],
        close: { code: 1006, reason: "" },
        failed: false,
      });
      expect(connection.state).toBe("CLOSED");
      expect(connection.actor.getSnapshot().value).toBe("CLOSED");
    }
  });

  it("F51: after our Close, data still arrives (spec §3) and the peer's Close completes the handshake", () => {
    // Delivered as wsproto does (spec §3), as the statechart's LOCAL_CLOSING.receiving*
    // states say, and as the fixture's note records.
    const row = FRAME_ROWS.find((candidate) => candidate.id === "F51") as FrameRow;
    for (const chunks of [row.input, [...bytewise(concatBytes(row.input))]]) {
      const { connection, lifecycle } = watchedConnection(false);
      connection.send(new CloseConnection({ code: 1000 }));
      const events = feedAll(connection, chunks);
      expect(summarizeEvents(events, false)).toEqual({
        events: [{ type: "text", data: "late", complete: true }],
        close: { code: 1000, reason: "" },
        failed: false,
      });
      expect(connection.state).toBe("CLOSED");
      expect(lifecycle.at(-1)).toBe("CLOSE_RECEIVED");
    }
  });
});
