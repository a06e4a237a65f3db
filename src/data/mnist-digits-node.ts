// The bundled digits in Node: package.json's "imports" maps #mnist-digits here under the "node"
// condition (elsewhere to the generated mnist-digits.ts). This reads the generated module's file on
// first use instead of importing it, so that importing dlgrad does not compile its 2.7 MB string
// (about 10 MB and 50-150 ms in every process and worker that never calls mnist()).
import { readFileSync } from "node:fs";
import type { digits as Digits } from "./mnist-digits.js";

export const digits: typeof Digits = () => {
  const file = new URL("./mnist-digits.js", import.meta.url);
  const text = readFileSync(file, "utf8");
  const counts = /export const COUNTS\s*=\s*(\[[\d,\s]*\])/.exec(text);
  const pixels = /export const PIXELS\s*=\s*"([A-Za-z0-9+/=]*)"/.exec(text);
  if (!counts || !pixels) throw new Error(`mnist: ${file.href} does not hold the bundled digits (rebuild with npm run build)`);
  return { counts: JSON.parse(counts[1]) as number[], pixels: pixels[1] };
};
