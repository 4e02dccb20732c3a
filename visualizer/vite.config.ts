/**
 * Builds the visualizer page into `visualizer/dist`: plain TypeScript and DOM, everything
 * bundled (xstate and the machine included), so the page works offline.
 *
 *   npx vite build --config visualizer/vite.config.ts
 */
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

const root = fileURLToPath(new URL(".", import.meta.url));

export default defineConfig({
  root,
  base: "./",
  publicDir: false,
  build: {
    outDir: fileURLToPath(new URL("./dist", import.meta.url)),
    emptyOutDir: true,
    target: "es2022",
    sourcemap: true,
  },
  server: { host: "127.0.0.1" },
});
