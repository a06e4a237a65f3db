// npm run web: builds the page into out/web/ and serves it from 127.0.0.1 with the headers that make
// it cross-origin isolated (COOP/COEP: SharedArrayBuffer, so wasm threads), printing the URL.
// `startServer` is also what the browser test and `npm run bench:web` use.
import * as http from "node:http";
import * as fs from "node:fs";
import * as path from "node:path";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { buildWeb, WEB_OUT } from "./build.js";

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".wasm": "application/wasm",
  ".json": "application/json",
  ".map": "application/json",
  ".png": "image/png",
  ".svg": "image/svg+xml",
};

export interface Server {
  url: string;
  close(): Promise<void>;
}

/**
 * Serves the files under `root` on 127.0.0.1 (`port` 0: a free one). Every response carries
 * COOP same-origin and COEP require-corp (so `crossOriginIsolated` is true), except for a page
 * asked for with `?isolate=0`, which then runs without shared memory (one thread).
 */
export function startServer(root: string = WEB_OUT, port = 0): Promise<Server> {
  const base = path.resolve(root);
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    // the page has no icon: answer the browser's automatic request with "no content" rather than
    // a 404, which Chromium logs as a console error (and the browser tests refuse page errors)
    if (url.pathname === "/favicon.ico") {
      res.writeHead(204).end();
      return;
    }
    let file = path.join(base, decodeURIComponent(url.pathname));
    if (!file.startsWith(base + path.sep) && file !== base) {
      res.writeHead(403).end("forbidden");
      return;
    }
    if (fs.existsSync(file) && fs.statSync(file).isDirectory()) file = path.join(file, "index.html");
    const headers: Record<string, string> = {
      "Content-Type": TYPES[path.extname(file)] ?? "application/octet-stream",
      "Cache-Control": "no-store",
      "Cross-Origin-Resource-Policy": "same-origin",
    };
    if (url.searchParams.get("isolate") !== "0") {
      headers["Cross-Origin-Opener-Policy"] = "same-origin";
      headers["Cross-Origin-Embedder-Policy"] = "require-corp";
    }
    fs.readFile(file, (err, body) => {
      if (err) res.writeHead(404, { "Content-Type": "text/plain" }).end(`not found: ${url.pathname}`);
      else res.writeHead(200, headers).end(body);
    });
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => {
      const { port: p } = server.address() as AddressInfo;
      resolve({
        url: `http://127.0.0.1:${p}/`,
        close: () => new Promise<void>((r) => {
          server.closeAllConnections();
          server.close(() => r());
        }),
      });
    });
  });
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const portArg = process.argv.indexOf("--port");
  const port = portArg >= 0 ? Number(process.argv[portArg + 1]) : 8080;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`web: --port must be an integer from 0 to 65535, got ${process.argv[portArg + 1]}`);
    process.exit(2);
  }
  await buildWeb();
  const s = await startServer(WEB_OUT, port).catch((e: NodeJS.ErrnoException) => {
    console.error(e.code === "EADDRINUSE" ? `web: port ${port} is in use; pick another with --port N (0: any free port)` : `web: ${e.message}`);
    process.exit(1);
  });
  console.log(`dlgrad web demo: ${s.url}  (benchmark: ${s.url}bench.html)  Ctrl-C to stop`);
}
