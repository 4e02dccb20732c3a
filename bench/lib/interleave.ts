/**
 * The measuring loop shared by the in-process benchmarks: every case runs each
 * contender once per round, in an order that rotates from round to round, so drift on
 * the machine (other load, heat, GC debt) spreads over all of them alike.
 */
import { breathe } from "./report.js";

/** Measures `reps` passes of `contender` on `testCase`; returns the CPU ms they took. */
export type Measure<C> = (testCase: C, contender: string, reps: number) => number;

export interface InterleaveOptions<C> {
  cases: readonly C[];
  contenders: readonly string[];
  measure: Measure<C>;
  /** Measured rounds (one warm-up round runs first). */
  rounds: number;
  /** Repetitions are set in the warm-up round so each contender's sample takes about this long. */
  sampleMs: number;
  /** Called after the warm-up round of each case: throws if the contenders disagree. */
  verify?: (testCase: C) => void;
}

/** CPU ms per pass, one sample per measured round, by case and contender. */
export async function interleave<C>(options: InterleaveOptions<C>): Promise<Map<C, Map<string, number[]>>> {
  const { cases, contenders, measure, rounds, sampleMs } = options;
  const reps = new Map<string, number>();
  const key = (testCase: C, name: string) => `${cases.indexOf(testCase)}/${name}`;
  const samples = new Map<C, Map<string, number[]>>();
  for (const testCase of cases) samples.set(testCase, new Map(contenders.map((name) => [name, []])));
  for (let round = 0; round <= rounds; round++) {
    for (const testCase of cases) {
      const order = contenders.map((_, i) => contenders[(i + round) % contenders.length]);
      for (const name of order) {
        const count = reps.get(key(testCase, name)) ?? 1;
        const ms = measure(testCase, name, count);
        if (round === 0) reps.set(key(testCase, name), Math.max(1, Math.ceil(sampleMs / Math.max(0.001, ms))));
        else samples.get(testCase)!.get(name)!.push(ms / count);
        await breathe();
      }
      if (round === 0) options.verify?.(testCase);
    }
  }
  return samples;
}
