/**
 * The `allocate` option: frames and payload copies over 2 KiB come from the caller's
 * allocator, whose arrays may hold old bytes. Every byte must still be written before an
 * array is handed out: with an allocator that returns arrays full of garbage, the bytes
 * sent and the events received are exactly those of the default allocation.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { concatBytes } from "../../src/bytes.js";
import { Connection, type ConnectionOptions } from "../../src/connection.js";
import { ConnectionType } from "../../src/constants.js";
import { LocalProtocolError } from "../../src/errors.js";
import { BytesMessage, CloseConnection, TextMessage, type Event } from "../../src/events.js";
import { toHex } from "../frame/helpers.js";
import { serverDeflate } from "./helpers.js";

/** Arrays as a recycling allocator may return them: full of old bytes. Records the sizes asked. */
function garbageAllocator(): { allocate: (size: number) => Uint8Array; sizes: number[] } {
  const sizes: number[] = [];
  return { allocate: (size) => (sizes.push(size), new Uint8Array(size).fill(0xa5)), sizes };
}

/** Mask keys that repeat from one connection to its twin. */
const countingFill = () => {
  let next = 0;
  return (buffer: Uint8Array) => {
    for (let i = 0; i < buffer.length; i++) buffer[i] = next++ & 0xff;
  };
};

const sizes = fc.oneof(fc.integer({ min: 0, max: 300 }), fc.integer({ min: 2040, max: 2060 }), fc.integer({ min: 3000, max: 70_000 }));
const message: fc.Arbitrary<Event> = fc.oneof(
  fc.tuple(sizes, fc.nat(255)).map(([size, seed]) => new BytesMessage({ data: new Uint8Array(size).map((_, i) => (i * 7 + seed) & 0xff) })),
  fc.tuple(sizes, fc.boolean()).map(([size, ascii]) => new TextMessage({ data: (ascii ? "a" : "é").repeat(ascii ? size : size >> 1) })),
);

/** Events as comparable values: type, data as hex or text, flags. */
const summary = (events: Iterable<unknown>) =>
  [...events].map((event) => {
    const e = event as { type: string; data?: string | Uint8Array; messageFinished?: boolean; code?: number };
    return [e.type, typeof e.data === "string" ? e.data : e.data === undefined ? e.code : toHex(e.data), e.messageFinished];
  });

describe("the allocate option", () => {
  it("sends the very bytes of the default allocation, in both roles, with and without deflate", () => {
    fc.assert(
      fc.property(fc.array(message, { minLength: 1, maxLength: 6 }), fc.boolean(), fc.boolean(), (messages, client, deflate) => {
        const { allocate, sizes: asked } = garbageAllocator();
        const make = (options: ConnectionOptions) =>
          new Connection(client ? ConnectionType.CLIENT : ConnectionType.SERVER, {
            randomFill: countingFill(),
            extensions: deflate && !client ? [serverDeflate("permessage-deflate", { threshold: 0 })] : [],
            ...options,
          });
        const plain = make({});
        const recycled = make({ allocate });
        for (const event of messages) {
          expect(toHex(recycled.send(event))).toBe(toHex(plain.send(event)));
          expect(toHex(concatBytes(recycled.sendParts(event)))).toBe(toHex(concatBytes(plain.sendParts(event))));
        }
        expect(asked.every((size) => size > 2048)).toBe(true);
      }),
      { numRuns: 40 },
    );
  });

  it("receives the events of the default allocation, copies across chunks included", () => {
    fc.assert(
      fc.property(fc.array(message, { minLength: 1, maxLength: 4 }), fc.array(fc.nat(), { maxLength: 6 }), fc.boolean(), (messages, cuts, inPlace) => {
        const sender = new Connection(ConnectionType.CLIENT);
        const wire = concatBytes([...messages.map((event) => sender.send(event)), sender.send(new CloseConnection({ code: 1000 }))]);
        const points = [...new Set(cuts.map((cut) => cut % (wire.length + 1)))].sort((a, b) => a - b);
        const chunks = [0, ...points].map((start, i) => wire.subarray(start, i < points.length ? points[i] : wire.length));
        const run = (options: ConnectionOptions) => {
          const server = new Connection(ConnectionType.SERVER, { unmaskInPlace: inPlace, ...options });
          const events: unknown[] = [];
          for (const chunk of chunks) {
            server.receiveData(chunk.slice()); // each run gets its own copy: in-place unmasking changes it
            events.push(...server.events());
          }
          return summary(events);
        };
        const { allocate } = garbageAllocator();
        expect(run({ allocate })).toEqual(run({}));
      }),
      { numRuns: 40 },
    );
  });

  it("is asked only for arrays over 2 KiB, and for nothing a server sends apart (sendParts)", () => {
    const { allocate, sizes: asked } = garbageAllocator();
    const client = new Connection(ConnectionType.CLIENT, { allocate });
    client.send(new BytesMessage({ data: new Uint8Array(2000) }));
    client.send(new BytesMessage({ data: new Uint8Array(5000) }));
    expect(asked).toEqual([5008]); // 2 + 2 (length) + 4 (key) + 5000
    const server = new Connection(ConnectionType.SERVER, { allocate });
    server.sendParts(new BytesMessage({ data: new Uint8Array(70_000) }));
    expect(asked).toEqual([5008]);
  });

  it("refuses an allocator that is not a function, or that returns the wrong array", () => {
    expect(() => new Connection(ConnectionType.SERVER, { allocate: 5 as never })).toThrow(TypeError);
    const short = new Connection(ConnectionType.SERVER, { allocate: (size) => new Uint8Array(size - 1) });
    expect(() => short.send(new BytesMessage({ data: new Uint8Array(3000) }))).toThrow(LocalProtocolError);
    expect(() => short.send(new BytesMessage({ data: new Uint8Array(3000) }))).toThrow(
      "The allocate option must return a Uint8Array of the size asked (3004 bytes); got 3003 bytes.",
    );
    const wrong = new Connection(ConnectionType.SERVER, { allocate: (size) => new Uint16Array(size) as never });
    expect(() => wrong.send(new BytesMessage({ data: new Uint8Array(3000) }))).toThrow(/got Uint16Array/);
    expect(short.state).toBe("OPEN"); // a refused send changes nothing
  });
});
