/** wsproto's TestBuffer, ported where the chunk queue has an equivalent, and the queue's own rules. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ByteQueue } from "../../src/frame/byte-queue.js";
import { concatBytes, hex, toHex } from "./helpers.js";

/** Reads `count` bytes piece by piece, as the frame decoder does. */
function take(queue: ByteQueue, count: number): Uint8Array {
  const pieces: Uint8Array[] = [];
  for (let left = count; left > 0; ) {
    const piece = queue.takeView(Math.min(left, queue.contiguous));
    pieces.push(piece);
    left -= piece.length;
  }
  return concatBytes(pieces);
}

function queueOf(...chunks: string[]): ByteQueue {
  const queue = new ByteQueue();
  for (const chunk of chunks) queue.push(hex(chunk));
  return queue;
}

describe("ByteQueue (wsproto TestBuffer)", () => {
  it("takeView(0) is empty and consumes nothing", () => {
    const queue = queueOf("7878");
    expect(queue.takeView(0).length).toBe(0);
    expect(queue.length).toBe(2);
  });

  it("an empty queue has length 0 and nothing contiguous", () => {
    const queue = new ByteQueue();
    expect(queue.length).toBe(0);
    expect(queue.contiguous).toBe(0);
  });

  it("reads exactly what is held, a prefix, byte by byte", () => {
    expect(toHex(take(queueOf("7878"), 2))).toBe("7878");
    const queue = queueOf("7878797979");
    expect(toHex(take(queue, 2))).toBe("7878");
    expect(queue.length).toBe(3);
    expect(queue.readByte()).toBe(0x79);
    expect(toHex(take(queue, 2))).toBe("7979");
    expect(queue.length).toBe(0);
  });

  it("feed then read (test_feed)", () => {
    const queue = new ByteQueue();
    queue.push(hex("7879"));
    expect(queue.readByte()).toBe(0x78);
    expect(toHex(take(queue, 1))).toBe("79");
  });

  it("counts every byte fed (test_length)", () => {
    const queue = queueOf("0102", "030405", "06");
    expect(queue.length).toBe(6);
  });

  it("ignores empty chunks", () => {
    const queue = queueOf("", "01", "");
    expect(queue.length).toBe(1);
    expect(queue.readByte()).toBe(1);
  });

  it("hands out views of the held chunks, never crossing from one chunk to the next", () => {
    const first = hex("0102");
    const second = new Uint8Array(600).fill(3); // big: held as given
    const queue = new ByteQueue();
    queue.push(first);
    queue.push(second);
    const view = queue.takeView(1);
    expect(view.buffer).toBe(first.buffer);
    expect(queue.contiguous).toBe(1);
    expect(toHex(queue.takeView(1))).toBe("02");
    expect(queue.contiguous).toBe(600);
    expect(queue.takeView(2).buffer).toBe(second.buffer);
    expect(queue.length).toBe(598);
  });

  it("returns the chunk itself when a read takes it whole", () => {
    const chunk = hex("0a0b0c");
    const queue = new ByteQueue();
    queue.push(chunk);
    expect(queue.takeView(3)).toBe(chunk);
  });

  it("clear drops everything", () => {
    const queue = queueOf("0102", "03");
    queue.clear();
    expect(queue.length).toBe(0);
    queue.push(hex("09"));
    expect(queue.readByte()).toBe(9);
  });

  it("coalesces small chunks fed while input is held, so held objects stay few", () => {
    const queue = new ByteQueue();
    queue.push(hex("00"));
    for (let i = 1; i <= 100_000; i++) queue.push(new Uint8Array([i & 0xff]));
    expect(queue.length).toBe(100_001);
    // The first chunk, then one growing tail buffer: reads see one big contiguous run.
    expect(queue.readByte()).toBe(0);
    expect(queue.contiguous).toBe(100_000);
    const rest = take(queue, 100_000);
    expect(rest[0]).toBe(1);
    expect(rest[99_999]).toBe(100_000 & 0xff);
  });

  it("never changes bytes it handed out when more input arrives", () => {
    const queue = new ByteQueue();
    queue.push(hex("01"));
    queue.push(hex("02"));
    queue.readByte();
    const early = queue.takeView(1); // a view of the tail buffer
    for (let i = 0; i < 5000; i++) queue.push(hex("ff")); // grows the tail
    expect(toHex(early)).toBe("02");
  });

  it("reads back exactly what was fed, for any chunking and any read pattern", () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ maxLength: 700 }), { maxLength: 20 }),
        fc.array(fc.integer({ min: 0, max: 900 }), { maxLength: 40 }),
        (chunks, reads) => {
          const queue = new ByteQueue();
          const expected = concatBytes(chunks);
          const got: Uint8Array[] = [];
          let fed = 0;
          let readIndex = 0;
          for (const chunk of chunks) {
            queue.push(chunk);
            fed += chunk.length;
            // Interleave some reads with feeding.
            const want = reads[readIndex++ % Math.max(1, reads.length)] ?? 0;
            const count = Math.min(want, queue.length);
            if (count === 1) got.push(new Uint8Array([queue.readByte()]));
            else got.push(take(queue, count).slice());
          }
          got.push(take(queue, queue.length).slice());
          expect(toHex(concatBytes(got))).toBe(toHex(expected));
          expect(fed).toBe(expected.length);
          expect(queue.length).toBe(0);
        },
      ),
      { numRuns: 150 },
    );
  });
});
