/**
 * An in-memory TCP connection between the fuzzer and the peer under test, on the
 * virtual-time reactor. What the fuzzer writes in one loop turn reaches the peer as one
 * `receive` call (as one TCP segment would), optionally split further by a `Splitter`
 * to prove the peer's verdict does not depend on how bytes are chunked.
 */
import { concatBytes } from "./wire.js";
import type { Reactor } from "./reactor.js";

/** What the peer answers to bytes (or to EOF). */
export interface PeerOutput {
  /** Bytes the peer writes, in order. */
  readonly bytes: readonly Uint8Array[];
  /** The peer closes its socket after writing them. */
  readonly closeTransport: boolean;
  /** An exception escaped the implementation under test (its socket is then torn down). */
  readonly error: string | null;
}

/** The implementation under test, as seen from the wire. */
export interface Peer {
  /** Feeds bytes read from the socket, or null at EOF. */
  receive(data: Uint8Array | null): PeerOutput;
}

/** Splits one delivery into the pieces handed to the peer one by one. */
export type Splitter = (data: Uint8Array) => Uint8Array[];

/** The fuzzer's end of the connection. */
export interface FuzzerEndpoint {
  dataReceived(bytes: Uint8Array): void;
  connectionLost(): void;
}

export class InMemoryTcp {
  readonly #reactor: Reactor;
  readonly #peer: Peer;
  readonly #split: Splitter | null;
  #fuzzer: FuzzerEndpoint | null = null;
  #pending: Uint8Array[] = [];
  #flushScheduled = false;
  /** The peer closed its socket: nothing more reaches it. */
  #peerClosed = false;
  /** The fuzzer tore the connection down. */
  #aborted = false;
  #lostReported = false;
  /** Exceptions that escaped the peer. */
  readonly peerErrors: string[] = [];

  constructor(reactor: Reactor, peer: Peer, split: Splitter | null = null) {
    this.#reactor = reactor;
    this.#peer = peer;
    this.#split = split;
  }

  attach(fuzzer: FuzzerEndpoint): void {
    this.#fuzzer = fuzzer;
  }

  /** True once either side has closed. */
  get closed(): boolean {
    return this.#peerClosed || this.#aborted;
  }

  /** Fuzzer → peer. Bytes written in one loop turn are delivered together. */
  write(bytes: Uint8Array): void {
    if (this.closed || bytes.length === 0) return;
    this.#pending.push(bytes);
    if (!this.#flushScheduled) {
      this.#flushScheduled = true;
      this.#reactor.callSoon(() => this.#flush());
    }
  }

  /** The fuzzer drops the connection: the peer sees EOF, the fuzzer loses it. */
  abort(): void {
    if (this.#aborted) return;
    this.#aborted = true;
    this.#pending = [];
    if (!this.#peerClosed) {
      this.#peerClosed = true;
      this.#callPeer(null);
    }
    this.#reportLost();
  }

  #flush(): void {
    this.#flushScheduled = false;
    const data = concatBytes(this.#pending);
    this.#pending = [];
    if (this.closed) return;
    const pieces = this.#split === null ? [data] : this.#split(data);
    for (const piece of pieces) {
      if (this.closed) return;
      // A fresh copy per call: the peer may keep views of what it was given.
      const output = this.#callPeer(piece.slice());
      for (const bytes of output.bytes) {
        if (bytes.length > 0) this.#reactor.callSoon(() => this.#fuzzer?.dataReceived(bytes));
      }
      if (output.closeTransport || output.error !== null) {
        this.#peerClosed = true;
        this.#reportLost();
      }
    }
  }

  #callPeer(data: Uint8Array | null): PeerOutput {
    const output = this.#peer.receive(data);
    if (output.error !== null) this.peerErrors.push(output.error);
    return output;
  }

  #reportLost(): void {
    if (this.#lostReported) return;
    this.#lostReported = true;
    // After every byte already in flight towards the fuzzer.
    this.#reactor.callSoon(() => this.#fuzzer?.connectionLost());
  }
}

/** Hands the peer one byte per call. */
export const bytewise: Splitter = (data) => Array.from({ length: data.length }, (_, i) => data.subarray(i, i + 1));

/** Hands the peer pieces of random sizes (1 to 2·`mean` bytes), from a seeded PRNG. */
export function randomSplits(random: () => number, mean = 64): Splitter {
  return (data) => {
    const pieces: Uint8Array[] = [];
    for (let at = 0; at < data.length; ) {
      const size = 1 + Math.floor(random() * 2 * mean);
      pieces.push(data.subarray(at, at + size));
      at += size;
    }
    return pieces;
  };
}
