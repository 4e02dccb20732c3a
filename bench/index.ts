/**
 * wstate against ws: `npm run bench` runs every part; name parts to run only those.
 *
 *   npx tsx bench/index.ts [parse] [build] [echo] [memory] [deflate]
 *
 * Environment: ROUNDS (in-process parts, default 7), ECHO_ROUNDS (4), ECHO_SECONDS (2),
 * CONNECTIONS (memory, 10000), DEFLATE_ROUNDS (3), FILTER (parse and build: only the cases
 * whose name has every word given, e.g. FILTER="server text 16" or FILTER="masked binary").
 * Prints each table and writes the latest results of the parts that ran into
 * bench/RESULTS.md (the sections of the other parts are kept). wstate is measured from
 * its tsc build, made first (bench/lib/wstate.ts).
 */
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import { buildBenchmark } from "./build.js";
import { echoBenchmark } from "./echo.js";
import { formatMarkdown, formatText, type Table } from "./lib/report.js";
import { loadWsCopies } from "./lib/ws-copies.js";
import { memoryBenchmark } from "./memory.js";
import { parseBenchmark } from "./parse.js";

const PARTS = ["parse", "build", "echo", "memory", "deflate"] as const;
type Part = (typeof PARTS)[number];

const RESULTS = fileURLToPath(new URL("RESULTS.md", import.meta.url));
const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);

/** deflate.ts is a script of its own: run it as a child and keep what it printed. */
function deflateOutput(): string {
  return execFileSync(process.execPath, [...process.execArgv, fileURLToPath(new URL("deflate.ts", import.meta.url))], {
    env: { ...process.env, ROUNDS: String(env("DEFLATE_ROUNDS", 3)), MESSAGES: String(env("DEFLATE_MESSAGES", 100)) },
    encoding: "utf8",
  }).trimEnd();
}

async function runPart(part: Part): Promise<string> {
  const rounds = env("ROUNDS", 7);
  let table: Table;
  switch (part) {
    case "parse":
    case "build": {
      const { withBufferUtil, withoutBufferUtil } = loadWsCopies();
      const run = part === "parse" ? parseBenchmark : buildBenchmark;
      table = await run([withBufferUtil, withoutBufferUtil], rounds);
      break;
    }
    case "echo":
      table = await echoBenchmark(env("ECHO_ROUNDS", 4), env("ECHO_SECONDS", 2));
      break;
    case "memory":
      table = await memoryBenchmark(env("CONNECTIONS", 10_000));
      break;
    case "deflate": {
      const text = deflateOutput();
      console.log(text + "\n");
      return `### permessage-deflate (bench/deflate.ts; wstate/ws is a time ratio: < 1 means wstate faster)\n\n\`\`\`\n${text}\n\`\`\``;
    }
  }
  console.log(formatText(table) + "\n");
  return formatMarkdown(table);
}

function machine(): string {
  const commit = (() => {
    try {
      return execFileSync("git", ["rev-parse", "--short", "HEAD"], { encoding: "utf8" }).trim();
    } catch {
      return "unknown";
    }
  })();
  const load = loadavg().map((l) => l.toFixed(1)).join(" ");
  return `Node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? "CPU"}, load average ${load} at the start, commit ${commit}.`;
}

/** Replaces the sections of the parts that ran; keeps the others from the last run. */
function writeResults(sections: Map<Part, string>, startedAt: Date): void {
  const previous = existsSync(RESULTS) ? readFileSync(RESULTS, "utf8") : "";
  const kept = new Map<Part, string>();
  for (const part of PARTS) {
    const match = new RegExp(`<!-- ${part} -->\\n([\\s\\S]*?)\\n<!-- /${part} -->`).exec(previous);
    if (match) kept.set(part, match[1]);
  }
  const body = PARTS.filter((part) => sections.has(part) || kept.has(part)).map((part) => {
    const text = sections.get(part) ?? kept.get(part)!;
    return `<!-- ${part} -->\n${text}\n<!-- /${part} -->`;
  });
  const header = [
    "# wstate vs ws: benchmark results",
    "",
    "Written by `npm run bench` (bench/index.ts); a section is replaced each time its part runs.",
    `Latest run: ${startedAt.toISOString()}; ${machine()}`,
    "Ratios are wstate ÷ ws for throughput (> 1: wstate faster) unless a table says otherwise.",
  ];
  writeFileSync(RESULTS, [...header, "", ...body, ""].join("\n"));
}

async function main(): Promise<void> {
  const asked = process.argv.slice(2);
  for (const name of asked) {
    if (!PARTS.includes(name as Part)) throw new Error(`Unknown part ${name}; the parts are ${PARTS.join(", ")}.`);
  }
  const parts = asked.length === 0 ? [...PARTS] : (asked as Part[]);
  const startedAt = new Date();
  console.log(`${machine()}\n`);
  const sections = new Map<Part, string>();
  for (const part of parts) {
    const start = performance.now();
    sections.set(part, await runPart(part));
    console.log(`(${part}: ${((performance.now() - start) / 1000).toFixed(0)} s)\n`);
  }
  if (process.env.FILTER?.trim()) {
    console.log("FILTER is set: bench/RESULTS.md is left as it was (it holds whole runs only).");
    return;
  }
  writeResults(sections, startedAt);
  console.log(`Results written to ${RESULTS}`);
}

await main();
