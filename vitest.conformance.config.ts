import { defineConfig } from "vitest/config";

// The whole in-process Autobahn|Testsuite: sections 1–7 and 10 (also part of `npm test`)
// plus the slow sections 9, 12 and 13 under test/conformance/slow.
export default defineConfig({
  test: {
    include: ["test/conformance/**/*.test.ts"],
    testTimeout: 30 * 60_000,
    hookTimeout: 60_000,
  },
});
