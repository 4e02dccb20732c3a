/**
 * wstate as it ships: the benchmarks measure the tsc build (`npm run build` → dist/), not
 * the TypeScript sources run through tsx. tsx's esbuild transform keeps function names
 * by giving functions property stores of their own, and its loader thread takes CPU in
 * every process it runs in: measured, the Node adapter's echo cost 20–40% more CPU under
 * tsx than its build. (tsx leaves .js files alone, so dist/ runs untransformed.)
 *
 * The first process to import this builds dist/; the child processes it starts inherit
 * WSTATE_BENCH_BUILT and reuse that build.
 */
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import type * as Wstate from "../../src/index.js";
import type * as WstateNode from "../../src/node/index.js";

const ROOT = new URL("../../", import.meta.url);

if (process.env.WSTATE_BENCH_BUILT !== "1") {
  const tsc = fileURLToPath(new URL("node_modules/typescript/bin/tsc", ROOT));
  execFileSync(process.execPath, [tsc, "-p", fileURLToPath(new URL("tsconfig.build.json", ROOT))], { stdio: "inherit" });
  process.env.WSTATE_BENCH_BUILT = "1";
}

/** The package's main entry (`wstate`), from dist/. */
export const wstate: typeof Wstate = await import(new URL("dist/src/index.js", ROOT).href);
/** The Node adapter (`wstate/node`), from dist/. */
export const wstateNode: typeof WstateNode = await import(new URL("dist/src/node/index.js", ROOT).href);
/** The allocator wstate/node gives its engines (src/node/options.ts): Node's, not zero-filled. */
export const allocateUnsafe = (size: number): Uint8Array => Buffer.allocUnsafe(size);
