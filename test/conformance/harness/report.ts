/** Autobahn-style summary of case results: verdict counts per role and per section. */
import type { Behavior } from "./catalogue.js";
import type { CaseResult } from "./run-case.js";

const BEHAVIORS: readonly Behavior[] = ["OK", "NON-STRICT", "INFORMATIONAL", "UNIMPLEMENTED", "FAILED"];

function row(cells: readonly (string | number)[], widths: readonly number[]): string {
  return cells.map((cell, i) => String(cell).padStart(widths[i])).join("  ");
}

/** A table per role: one row per section, the behavior counts, and close verdicts that are not OK. */
export function summarize(title: string, results: readonly CaseResult[]): string {
  const lines = [`\n=== ${title}: Autobahn|Testsuite in process ===`];
  const widths = [8, 6, 5, 10, 13, 13, 7, 9, 9];
  for (const role of ["server", "client"] as const) {
    const ofRole = results.filter((r) => r.role === role);
    if (ofRole.length === 0) continue;
    lines.push(`\nwstate as ${role.toUpperCase()} (fuzzer is the ${role === "server" ? "client" : "server"})`);
    lines.push(row(["section", "cases", ...BEHAVIORS, "close!OK", "wall ms"], widths));
    const sections = [...new Set(ofRole.map((r) => r.section))].sort((a, b) => a - b);
    const totals = (rs: readonly CaseResult[], label: string) =>
      row(
        [
          label,
          rs.length,
          ...BEHAVIORS.map((b) => rs.filter((r) => r.behavior === b).length),
          rs.filter((r) => r.behaviorClose !== "OK" && r.behaviorClose !== "INFORMATIONAL").length,
          Math.round(rs.reduce((sum, r) => sum + r.wallMs, 0)),
        ],
        widths,
      );
    for (const section of sections) lines.push(totals(ofRole.filter((r) => r.section === section), String(section)));
    lines.push(totals(ofRole, "total"));
  }
  const failing = results.filter((r) => !r.passed);
  if (failing.length > 0) {
    lines.push(`\nNot passed (${failing.length}):`);
    for (const r of failing) {
      lines.push(`  ${r.role.padEnd(6)} ${r.id.padEnd(8)} ${r.behavior} / ${r.behaviorClose}: ${r.result} ${r.resultClose}`);
    }
  }
  const ratios = results.filter((r) => r.compressionRatio !== null);
  if (ratios.length > 0) {
    const mean = ratios.reduce((sum, r) => sum + (r.compressionRatio ?? 0), 0) / ratios.length;
    lines.push(`\nwstate's mean compression ratio (compressed/plain) over ${ratios.length} cases: ${mean.toFixed(3)}`);
  }
  return lines.join("\n");
}
