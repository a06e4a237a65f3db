// Builds the web page, the in-page checks and the browser benchmark into out/web/ with esbuild:
// ES modules for the browser with one shared chunk (one copy of dlgrad per page), the static
// files next to them, and TensorFlow.js's .wasm files (for the benchmark) served from the same
// origin, so nothing comes from a CDN.
import * as fs from "node:fs";
import * as path from "node:path";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";

/** The repository root (this file runs from dist/web/). */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
export const WEB_SRC = path.join(ROOT, "web");
export const WEB_OUT = path.join(ROOT, "out", "web");

const STATIC = ["index.html", "bench.html", "style.css"];
const TFJS_WASM = ["tfjs-backend-wasm.wasm", "tfjs-backend-wasm-simd.wasm", "tfjs-backend-wasm-threaded-simd.wasm"];

/** Builds everything into `outdir` (emptied first); returns the files written. */
export async function buildWeb(outdir: string = WEB_OUT): Promise<string[]> {
  fs.rmSync(outdir, { recursive: true, force: true });
  fs.mkdirSync(path.join(outdir, "tfjs"), { recursive: true });
  const result = await esbuild.build({
    entryPoints: ["main.ts", "checks-page.ts", "bench.ts"].map((f) => path.join(WEB_SRC, f)),
    outdir,
    bundle: true,
    splitting: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    minify: true,
    sourcemap: true,
    metafile: true,
    logLevel: "warning",
  });
  for (const f of STATIC) fs.copyFileSync(path.join(WEB_SRC, f), path.join(outdir, f));
  const tfjsDist = path.join(path.dirname(createRequire(import.meta.url).resolve("@tensorflow/tfjs-backend-wasm/package.json")), "dist");
  for (const f of TFJS_WASM) fs.copyFileSync(path.join(tfjsDist, f), path.join(outdir, "tfjs", f));
  return [...Object.keys(result.metafile.outputs), ...STATIC, ...TFJS_WASM.map((f) => `tfjs/${f}`)];
}
