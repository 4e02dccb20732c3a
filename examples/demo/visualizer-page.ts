/**
 * Finds the built visualizer page, building it with Vite first when it is missing.
 */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const CONFIG = fileURLToPath(new URL("../../visualizer/vite.config.ts", import.meta.url));
/** Where `vite build --config visualizer/vite.config.ts` writes the page. */
export const PAGE_DIR = fileURLToPath(new URL("../../visualizer/dist", import.meta.url));

/**
 * The page's directory: as it is when built, else built now through Vite's JS API (when
 * `build` is true). Null when there is no page; `log` says why and how to build it.
 *
 * @example
 * ```ts
 * const dir = await visualizerPage({ build: true, log: console.log });
 * ```
 */
export async function visualizerPage(options: { build: boolean; log: (line: string) => void }): Promise<string | null> {
  const built = () => existsSync(`${PAGE_DIR}/index.html`);
  if (built()) return PAGE_DIR;
  const howTo = "build it with: npx vite build --config visualizer/vite.config.ts";
  if (!options.build) {
    options.log(`The visualizer page is not built; ${howTo}`);
    return null;
  }
  options.log("Building the visualizer page (vite build --config visualizer/vite.config.ts)…");
  try {
    const vite = await import("vite");
    await vite.build({ configFile: CONFIG, logLevel: "warn" });
  } catch (error) {
    options.log(`Could not build the visualizer page (${(error as Error).message}); ${howTo}`);
    return null;
  }
  return built() ? PAGE_DIR : null;
}
