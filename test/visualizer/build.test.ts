/**
 * The page builds with Vite from `visualizer/vite.config.ts` and needs nothing from the
 * network: every script and style is bundled, and the machine is drawn from the bundle.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "vite";
import { afterAll, describe, expect, it } from "vitest";

const outDir = mkdtempSync(join(tmpdir(), "wstate-visualizer-"));
afterAll(() => rmSync(outDir, { recursive: true, force: true }));

describe("the visualizer build", () => {
  it("bundles the page, the machine and xstate into local files", async () => {
    await build({ configFile: fileURLToPath(new URL("../../visualizer/vite.config.ts", import.meta.url)), logLevel: "silent", build: { outDir, emptyOutDir: true } });
    const html = readFileSync(join(outDir, "index.html"), "utf8");
    const assets = readdirSync(join(outDir, "assets"));
    const script = assets.find((name) => name.endsWith(".js"))!;
    expect(html).toContain(`src="./assets/${script}"`);
    expect(assets.some((name) => name.endsWith(".css"))).toBe(true);
    expect(html).not.toMatch(/(src|href)="https?:/);
    const bundle = readFileSync(join(outDir, "assets", script), "utf8");
    expect(bundle).toContain("We sent a Close: we send no more data and wait for the peer's Close.");
    expect(bundle).not.toMatch(/from\s*["'](xstate|node:)/);
  }, 60_000);
});
