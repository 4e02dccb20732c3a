/** Medians, percentiles and the tables the benchmarks print (plain text) and write (Markdown). */

export function median(values: readonly number[]): number {
  return percentile(values, 0.5);
}

/** The value below which `fraction` of `values` lie (nearest rank). */
export function percentile(values: readonly number[], fraction: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(fraction * sorted.length) - 1))];
}

/** A table: a title, a header row and rows of cells, plus notes printed under it. */
export interface Table {
  title: string;
  header: string[];
  rows: string[][];
  notes?: string[];
}

export function formatText(table: Table): string {
  const { header, rows } = table;
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((cell, i) => cell.padEnd(widths[i])).join("  ").trimEnd();
  const out = [table.title, line(header), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)];
  for (const note of table.notes ?? []) out.push(`  ${note}`);
  return out.join("\n");
}

export function formatMarkdown(table: Table): string {
  const line = (cells: string[]) => `| ${cells.join(" | ")} |`;
  const out = [`### ${table.title}`, "", line(table.header), line(table.header.map(() => "---")), ...table.rows.map(line)];
  if (table.notes?.length) out.push("", ...table.notes.map((note) => `- ${note}`));
  return out.join("\n");
}

/** Bytes as "16 B", "1 KiB", "1 MiB". */
export function sizeLabel(bytes: number): string {
  if (bytes >= 1 << 20 && bytes % (1 << 20) === 0) return `${bytes >> 20} MiB`;
  if (bytes >= 1024 && bytes % 1024 === 0) return `${bytes >> 10} KiB`;
  return `${bytes} B`;
}

/** A ratio with two decimals. */
export function ratio(value: number): string {
  return Number.isFinite(value) ? value.toFixed(2) : "–";
}

/** A number with a few significant digits and no exponent. */
export function fixed(value: number): string {
  if (!Number.isFinite(value)) return "–";
  if (value >= 100) return value.toFixed(0);
  if (value >= 10) return value.toFixed(1);
  return value.toFixed(2);
}

/** Lets pending callbacks (stream bookkeeping, timers) run between samples. */
export function breathe(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * The process's CPU time (user + system, every thread) in ms. Samples are timed with it
 * rather than the wall clock, so other processes competing for the cores distort less.
 */
export function cpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

/**
 * Whether the case named e.g. "server text 16 B whole" runs: each word of the FILTER
 * environment variable (if set) must be a word of the name.
 */
export function selected(name: string): boolean {
  const filter = process.env.FILTER?.trim();
  if (!filter) return true;
  const words = new Set(name.split(" "));
  return filter.split(/\s+/).every((word) => words.has(word));
}
