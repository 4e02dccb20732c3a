/**
 * Declares vitest tests for catalogue cases: one test per case per role, a summary after
 * all, and a clear skip when the catalogue is absent.
 */
import { afterAll, describe, expect, it } from "vitest";
import { casesOfSections, MISSING_CATALOGUE, type CaseSpec } from "./catalogue.js";
import type { PeerRole } from "./echo-peer.js";
import { summarize } from "./report.js";
import { runCase, type CaseResult, type RunOptions } from "./run-case.js";

export const ROLES: readonly PeerRole[] = ["server", "client"];

/**
 * Cases that fail because of a wstate bug, keyed `role:caseId`, with the cause. Their
 * tests are `it.fails`, so the suite stays green and turns red once the bug is fixed (then
 * delete the entry). Empty: wstate passes every case strictly.
 */
export const KNOWN_WSTATE_BUGS: Readonly<Record<string, string>> = {};

/** A readable account of a result, for assertion messages. */
export function describeResult(result: CaseResult): string {
  return [
    `${result.role} ${result.id}: ${result.behavior} / ${result.behaviorClose}`,
    `  ${result.result} ${result.resultClose}`,
    `  received: ${JSON.stringify(result.received).slice(0, 600)}`,
    `  peer close code ${result.remoteCloseCode} ${JSON.stringify(result.remoteCloseReason)}, closedByMe=${result.closedByMe}, clean=${result.wasClean}, droppedByMe=${result.droppedByMe}`,
  ].join("\n");
}

/**
 * Declares the tests of `sections` (both roles) and prints the Autobahn-style summary
 * after them. Returns the cases (null when the catalogue is absent).
 */
export function declareSuite(title: string, sections: readonly number[], options: Omit<RunOptions, "role"> = {}): readonly CaseSpec[] | null {
  const cases = casesOfSections(sections);
  if (cases === null) {
    it.skip(MISSING_CATALOGUE, () => {});
    return null;
  }
  const results: CaseResult[] = [];
  afterAll(() => {
    if (results.length > 0) {
      const largest = Math.max(...cases.map((spec) => Number(spec.params?.COUNT ?? 1)));
      const cap = options.countCap !== undefined && options.countCap < largest ? ` (looping cases capped at ${options.countCap} messages)` : "";
      console.log(summarize(`${title}${cap}`, results));
    }
  });
  for (const role of ROLES) {
    describe(`wstate as ${role}`, () => {
      for (const spec of cases) {
        const bug = KNOWN_WSTATE_BUGS[`${role}:${spec.id}`];
        const test = bug === undefined ? it : it.fails;
        const count = Number(spec.params?.COUNT ?? 1);
        const capped = options.countCap !== undefined && options.countCap < count ? ` [run with ${options.countCap} messages]` : "";
        test(`${spec.id} ${spec.summary}${capped}${bug === undefined ? "" : ` [known wstate bug: ${bug}]`}`, () => {
          const result = runCase(spec, { ...options, role });
          results.push(result);
          expect(result.passed, describeResult(result)).toBe(true);
        });
      }
    });
  }
  return cases;
}
