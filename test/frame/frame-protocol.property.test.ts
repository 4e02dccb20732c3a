/**
 * Properties of FrameProtocol: chunking never changes what valid frames decode to; what one
 * role encodes the other decodes back; arbitrary bytes never make it throw.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { BytesMessage, CloseConnection, Ping, Pong, TextMessage } from "../../src/events.js";
import { FrameProtocol, type FrameEvent } from "../../src/frame/frame-protocol.js";
import { summarizeEvents } from "../fixtures/frame-rows.js";
import { FakeExtension } from "./fake-extension.js";
import { bytewise, concatBytes, cutsFor, feed, outcomeOf, seededFill, splitAt, unicodeText } from "./helpers.js";
import { buildStream, streamItem } from "./valid-streams.js";

describe("FrameProtocol properties", () => {
  it("valid frame streams decode to the same messages whole, byte by byte and in random splits", () => {
    fc.assert(
      fc.property(fc.array(streamItem, { maxLength: 6 }), fc.boolean(), fc.integer(), fc.array(fc.nat(), { maxLength: 10 }), (items, client, seed, cuts) => {
        const { wire, expected: want } = buildStream(items, null, client, seed);
        const options = { client, maxMessageSize: 1 << 20 };
        expect(outcomeOf(options, [wire])).toEqual(want);
        expect(outcomeOf(options, splitAt(wire, cuts.map((cut) => cut % (wire.length + 1))))).toEqual(want);
        if (wire.length <= 4000) expect(outcomeOf(options, bytewise(wire))).toEqual(want);
      }),
      { numRuns: 150 },
    );
  });

  it("decode(encode(x)) = x for both roles, frame by frame", () => {
    type Action =
      | { kind: "text"; fragments: string[] }
      | { kind: "bytes"; fragments: Uint8Array[] }
      | { kind: "ping" | "pong"; payload: Uint8Array };
    const action: fc.Arbitrary<Action> = fc.oneof(
      fc.record({ kind: fc.constant("text" as const), fragments: fc.array(unicodeText(20), { minLength: 1, maxLength: 3 }) }),
      fc.record({ kind: fc.constant("bytes" as const), fragments: fc.array(fc.uint8Array({ maxLength: 300 }), { minLength: 1, maxLength: 3 }) }),
      fc.record({ kind: fc.constantFrom("ping" as const, "pong" as const), payload: fc.uint8Array({ maxLength: 125 }) }),
    );
    const closeCode = fc.oneof(fc.integer({ min: 1000, max: 1003 }), fc.integer({ min: 1007, max: 1014 }), fc.integer({ min: 3000, max: 4999 }));
    fc.assert(
      fc.property(fc.array(action, { maxLength: 5 }), fc.boolean(), fc.option(fc.tuple(closeCode, unicodeText(30))), fc.integer(), (actions, clientSends, close, seed) => {
        const sender = new FrameProtocol({ client: clientSends, randomFill: seededFill(seed) });
        const receiver = new FrameProtocol({ client: !clientSends });
        const wire: Uint8Array[] = [];
        const expected: FrameEvent[] = [];
        for (const entry of actions) {
          if ("payload" in entry) {
            wire.push(entry.kind === "ping" ? sender.encodePing(entry.payload) : sender.encodePong(entry.payload));
            expected.push(entry.kind === "ping" ? new Ping({ payload: entry.payload }) : new Pong({ payload: entry.payload }));
            continue;
          }
          const fragments: Array<string | Uint8Array> = entry.fragments;
          fragments.forEach((fragment, index) => {
            const fin = index === fragments.length - 1;
            wire.push(sender.encodeData(fragment, index > 0, fin));
            expected.push(
              typeof fragment === "string"
                ? new TextMessage({ data: fragment, messageFinished: fin })
                : new BytesMessage({ data: fragment, messageFinished: fin }),
            );
          });
        }
        if (close !== null) {
          const reason = close[1]; // at most 30 characters = 120 bytes: never cut
          wire.push(sender.encodeClose(close[0], reason));
          expected.push(new CloseConnection({ code: close[0], reason }));
        }
        expect(feed(receiver, wire)).toEqual(expected);
        expect(receiver.failed).toBe(false);
      }),
      { numRuns: 200 },
    );
  });

  it("arbitrary bytes never make it throw: events, then at most one CloseConnection, then only null", () => {
    // Bias towards plausible headers so parsing gets past the first two bytes.
    const headerish = fc.constantFrom(0x01, 0x02, 0x00, 0x80, 0x81, 0x82, 0x88, 0x89, 0x8a, 0x91, 0xc1);
    const bytes = fc.array(fc.oneof(fc.uint8Array({ maxLength: 8 }), headerish.map((byte) => new Uint8Array([byte])), fc.constantFrom(new Uint8Array([0x7e]), new Uint8Array([0xfe]), new Uint8Array([0x80, 0, 0, 0, 0]))), { maxLength: 30 }).map(concatBytes);
    fc.assert(
      fc.property(bytes, fc.boolean(), fc.boolean(), cutsFor(120, 8), (input, client, withExtension, cuts) => {
        const outcomes = [[input], splitAt(input, cuts), [...bytewise(input)]].map((chunks) => {
          const protocol = new FrameProtocol({ client, extensions: withExtension ? [new FakeExtension()] : [], maxMessageSize: 64 });
          const events: FrameEvent[] = [];
          for (const chunk of chunks) {
            protocol.receiveBytes(chunk);
            for (let event = protocol.nextEvent(); event !== null; event = protocol.nextEvent()) events.push(event);
          }
          const closes = events.filter((event) => event instanceof CloseConnection);
          expect(closes.length).toBeLessThanOrEqual(1);
          if (closes.length === 1) {
            expect(events.at(-1)).toBe(closes[0]);
            expect(protocol.stopped).toBe(true);
            protocol.receiveBytes(new Uint8Array([0x81, 0x00]));
            expect(protocol.nextEvent()).toBeNull();
          }
          for (const event of events) {
            expect(event instanceof TextMessage || event instanceof BytesMessage || event instanceof Ping || event instanceof Pong || event instanceof CloseConnection).toBe(true);
          }
          const summary = summarizeEvents(events, protocol.failed);
          return {
            close: summary.close?.code ?? null,
            failed: summary.failed,
            complete: summary.events.filter((event) => !("complete" in event) || event.complete),
          };
        });
        // The fake extension transforms each chunk on its own (upper-casing with U+FFFD
        // replacement), so only without it must the chunking not matter.
        if (!withExtension) {
          expect(outcomes[1]).toEqual(outcomes[0]);
          expect(outcomes[2]).toEqual(outcomes[0]);
        }
      }),
      { numRuns: 400 },
    );
  });
});
