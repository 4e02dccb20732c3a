/**
 * Serves the built visualizer page (a directory of static files) over HTTP, GET and HEAD
 * only, never outside that directory. When there is no page, `/` explains how to build it.
 */
import { readFile } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import { extname, resolve, sep } from "node:path";

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".map": "application/json; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
};

/** What `/` says when the page is not built. */
export const PAGE_MISSING =
  "The visualizer page is not built. Build it with\n\n  npx vite build --config visualizer/vite.config.ts\n\nthen restart npm start. The echo server is at /echo.\n";

function send(res: ServerResponse, status: number, type: string, body: string | Buffer, head: boolean): void {
  res.writeHead(status, { "content-type": type, "content-length": Buffer.byteLength(body), "cache-control": "no-cache" });
  res.end(head ? undefined : body);
}

/**
 * A request handler for `node:http` serving the files under `dir` (`/` is `index.html`),
 * or the build hint when `dir` is null.
 *
 * @example
 * ```ts
 * http.createServer(staticFiles("visualizer/dist")).listen(8080);
 * ```
 */
export function staticFiles(dir: string | null): (req: IncomingMessage, res: ServerResponse) => void {
  const root = dir === null ? null : resolve(dir);
  return (req, res) => {
    const head = req.method === "HEAD";
    if (req.method !== "GET" && !head) {
      res.setHeader("allow", "GET, HEAD");
      return send(res, 405, "text/plain; charset=utf-8", "Method not allowed\n", head);
    }
    let pathname: string;
    try {
      pathname = decodeURIComponent(new URL(req.url ?? "/", "http://localhost").pathname);
    } catch {
      return send(res, 400, "text/plain; charset=utf-8", "Bad path\n", head);
    }
    if (root === null) {
      return pathname === "/"
        ? send(res, 200, "text/plain; charset=utf-8", PAGE_MISSING, head)
        : send(res, 404, "text/plain; charset=utf-8", "Not found\n", head);
    }
    const file = resolve(root, "." + (pathname === "/" ? "/index.html" : pathname));
    if (!file.startsWith(root + sep)) return send(res, 404, "text/plain; charset=utf-8", "Not found\n", head);
    readFile(file).then(
      (body) => send(res, 200, CONTENT_TYPES[extname(file)] ?? "application/octet-stream", body, head),
      () => send(res, 404, "text/plain; charset=utf-8", "Not found\n", head),
    );
  };
}
