/**
 * The hardening catalogue rows (test/fixtures/frame-rows.ts) against FrameProtocol: each
 * input fed as listed, as one chunk, byte by byte (row F42), in random splits, and for
 * frames sent to a server re-masked with random keys. Every feed must give the row's
 * outcome.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { LocalProtocolError } from "../../src/errors.js";
import { FrameProtocol, type FrameProtocolOptions } from "../../src/frame/frame-protocol.js";
import { resolveLimits } from "../../src/frame/limits.js";
import {
  diffOutcome,
  FRAME_ROWS,
  OPTION_ROWS,
  SEND_ROWS,
  summarizeEvents,
  type FrameRow,
  type SendRow,
} from "../fixtures/frame-rows.js";
import { bytewise, concatBytes, cutsFor, outcomeOf, remask, seededFill, splitAt, toHex } from "./helpers.js";

function optionsOf(row: FrameRow): FrameProtocolOptions {
  return { client: row.role === "client", ...row.limits };
}

function expectRow(row: FrameRow, chunks: Iterable<Uint8Array>, how: string): void {
  const problems = diffOutcome(outcomeOf(optionsOf(row), chunks), row.expected);
  expect(problems, `${row.id} fed ${how}`).toEqual([]);
}

describe("hardening rows F01–F53, G02: FrameProtocol", () => {
  for (const row of FRAME_ROWS) {
    it(`${row.id} ${row.title}`, () => {
      const whole = concatBytes(row.input);
      expectRow(row, row.input, "as listed");
      if (row.input.length > 1) expectRow(row, [whole], "as one chunk");
      if (!row.big) expectRow(row, bytewise(whole), "byte by byte");
      fc.assert(
        fc.property(cutsFor(whole.length), (cuts) => {
          expectRow(row, splitAt(whole, cuts), `split at ${cuts.join(",")}`);
        }),
        { numRuns: row.big ? 2 : 25 },
      );
      if (row.role === "server") {
        fc.assert(
          fc.property(fc.integer(), cutsFor(whole.length, 4), (seed, cuts) => {
            const fill = seededFill(seed);
            const masked = remask(whole, () => {
              const key = new Uint8Array(4);
              fill(key);
              return key;
            });
            expectRow(row, splitAt(masked, cuts), `re-masked (seed ${seed}), split at ${cuts.join(",")}`);
          }),
          { numRuns: row.big ? 1 : 10 },
        );
      }
    });
  }

  it("F39 and F47 fed byte by byte too (F39 until parsing stopped, then a little more)", () => {
    for (const id of ["F39", "F47"]) {
      const row = FRAME_ROWS.find((candidate) => candidate.id === id) as FrameRow;
      const whole = concatBytes(row.input);
      const protocol = new FrameProtocol(optionsOf(row));
      const events = [];
      let extra = 0;
      for (const byte of bytewise(whole)) {
        if (protocol.stopped && ++extra > 100) break;
        protocol.receiveBytes(byte);
        for (let event = protocol.nextEvent(); event !== null; event = protocol.nextEvent()) events.push(event);
      }
      expect(diffOutcome(summarizeEvents(events, protocol.failed), row.expected), id).toEqual([]);
    }
  });

  it("F39: a million empty fragments stop at fragment 4097 and drop the rest of the input", () => {
    const row = FRAME_ROWS.find((candidate) => candidate.id === "F39") as FrameRow;
    const protocol = new FrameProtocol({ client: false });
    protocol.receiveBytes(row.input[0]);
    let events = 0;
    while (protocol.nextEvent() !== null) events++;
    expect(events).toBe(4096 + 1); // 4096 empty chunks, then the 1008 close
    expect(protocol.stopped).toBe(true);
    expect(protocol.bufferedAmount).toBe(0);
  });
});

function perform(protocol: FrameProtocol, row: SendRow): Uint8Array {
  const action = row.action;
  switch (action.kind) {
    case "data":
      return protocol.encodeData(action.data as string, action.continuation ?? false, action.fin ?? true);
    case "ping":
      return protocol.encodePing(action.payload as Uint8Array);
    case "pong":
      return protocol.encodePong(action.payload as Uint8Array);
    case "close":
      return protocol.encodeClose(action.code as number, action.reason as string);
  }
}

describe("hardening rows G04–G08, G11: the send path", () => {
  for (const row of SEND_ROWS) {
    it(`${row.id} ${row.title}`, () => {
      const randomSource = seededFill(row.id.length);
      const expectedKeys = seededFill(row.id.length);
      const pool = new Uint8Array(4096);
      let poolUsed = pool.length;
      const nextExpectedKey = (): Uint8Array => {
        if (poolUsed === pool.length) {
          expectedKeys(pool);
          poolUsed = 0;
        }
        poolUsed += 4;
        return pool.slice(poolUsed - 4, poolUsed);
      };
      const protocol = new FrameProtocol({ client: row.role === "client", randomFill: randomSource });
      const expected = row.expected;
      if ("throws" in expected) {
        expect(() => perform(protocol, row)).toThrow(LocalProtocolError);
        return;
      }
      const seen = new Set<string>();
      for (let i = 0; i < (row.repeat ?? 1); i++) {
        const frame = perform(protocol, row);
        if (row.role === "server") {
          expect(toHex(frame)).toBe(expected.frameHex);
          continue;
        }
        // Client: the key sits right before the payload; it must be the next one drawn.
        const keyStart = (frame[1] & 0x7f) === 126 ? 4 : (frame[1] & 0x7f) === 127 ? 10 : 2;
        const key = frame.slice(keyStart, keyStart + 4);
        expect(toHex(key)).toBe(toHex(nextExpectedKey()));
        seen.add(toHex(key));
        const unmasked = frame.slice();
        unmasked.fill(0, keyStart, keyStart + 4);
        for (let j = keyStart + 4; j < unmasked.length; j++) unmasked[j] ^= key[(j - keyStart - 4) & 3];
        expect(toHex(unmasked)).toBe(expected.frameHex);
      }
      if (row.role === "client" && (row.repeat ?? 1) > 1) expect(seen.size).toBeGreaterThan((row.repeat ?? 1) * 0.99);
    });
  }
});

describe("hardening row G09: limit options", () => {
  for (const row of OPTION_ROWS) {
    it(`${row.id} ${JSON.stringify(row.options, (_, value) => (typeof value === "number" && !Number.isFinite(value) ? String(value) : value))}`, () => {
      const expected = row.expected;
      if ("throws" in expected) {
        const errorClass = expected.throws === "TypeError" ? TypeError : RangeError;
        expect(() => resolveLimits(row.options)).toThrow(errorClass);
        expect(() => new FrameProtocol({ client: false, ...row.options })).toThrow(errorClass);
      } else {
        expect(resolveLimits(row.options)).toEqual(expected.limits);
        expect(() => new FrameProtocol({ client: false, ...row.options })).not.toThrow();
      }
    });
  }
});
