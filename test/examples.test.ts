/**
 * The README quotes the example files, so they must not drift apart (the examples
 * themselves are run by test/node/examples.test.ts).
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

describe("README examples", () => {
  it("the README quotes examples/in-memory.ts verbatim and the echo loop of examples/echo-server.ts", () => {
    const readme = readFileSync("README.md", "utf8");
    expect(readme).toContain(readFileSync("examples/in-memory.ts", "utf8"));
    const echo = readFileSync("examples/echo-server.ts", "utf8");
    const loop = echo.slice(echo.indexOf("const server = net.createServer"), echo.indexOf("\nserver.listen"));
    expect(loop.length).toBeGreaterThan(200);
    expect(readme).toContain(loop.trim());
  });
});
