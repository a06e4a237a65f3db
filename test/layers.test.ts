// The layering of src/: no runtime import cycle, and every runtime import points down the layers
// of docs/ARCHITECTURE.md. Reads the compiled dist/src (type-only imports are erased there).
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../src");

/** Layer of each file (lower = nearer the bottom); a file may import only its own layer or below. */
function layer(file: string): number {
  const f = file.replace(/\.js$/, "");
  const table: Record<string, number> = {
    shape: 0, random: 0, format: 0, check: 0,
    prims: 1, graph: 1, "backend/backend": 1,
    "backend/js": 2, "backend/c_fused": 2, "backend/native": 2, "backend/wasm": 2, "backend/wasm_module": 2,
    core: 3, ops: 4, scans: 4, engine: 5, fused: 6, functional: 7, tensor_ops: 7, statistics: 7, linalg: 7, tensor: 8,
    index: 10, node: 10,
  };
  if (f in table) return table[f];
  if (/^functional\//.test(f)) return 7; // composites, beside functional.ts
  if (/^(nn|optim|data|io)\//.test(f)) return 9; // the library above the core
  if (/^backend\//.test(f)) return 2;
  throw new Error(`layers.test: no layer for src/${f}: add it to the table`);
}

function jsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? jsFiles(p) : p.endsWith(".js") ? [p] : [];
  });
}

/** Runtime imports of one compiled file, as paths relative to src/ (node:* and packages left out). */
function imports(file: string): string[] {
  const src = readFileSync(file, "utf8");
  const out: string[] = [];
  const re = /^\s*(?:import|export)\s[^;]*?from\s+"([^"]+)"|^\s*import\s+"([^"]+)"/gm;
  for (const m of src.matchAll(re)) {
    const spec = m[1] ?? m[2];
    if (spec.startsWith(".")) out.push(relative(root, resolve(dirname(file), spec)));
  }
  return out;
}

// compiled files whose source still exists (a stale dist/ may hold files of removed sources)
const srcRoot = resolve(root, "../../src");
const graph = new Map(jsFiles(root)
  .filter((f) => existsSync(join(srcRoot, relative(root, f).replace(/\.js$/, ".ts"))))
  .map((f) => [relative(root, f), imports(f)]));

/** The first import cycle found, as a list of files, or null. */
function findCycle(g: Map<string, string[]>): string[] | null {
  const state = new Map<string, "open" | "done">();
  const path: string[] = [];
  const visit = (f: string): string[] | null => {
    if (state.get(f) === "done") return null;
    if (state.get(f) === "open") return [...path.slice(path.indexOf(f)), f];
    state.set(f, "open");
    path.push(f);
    for (const d of g.get(f) ?? []) {
      const c = visit(d);
      if (c) return c;
    }
    path.pop();
    state.set(f, "done");
    return null;
  };
  for (const f of g.keys()) {
    const c = visit(f);
    if (c) return c;
  }
  return null;
}

/** Every import that points to a higher layer. */
function upward(g: Map<string, string[]>): string[] {
  return [...g].flatMap(([f, deps]) => deps.filter((d) => layer(d) > layer(f))
    .map((d) => `src/${f} (layer ${layer(f)}) imports src/${d} (layer ${layer(d)})`));
}

test("src/ has no runtime import cycle", () => {
  assert.ok(graph.size > 20, "found the compiled sources");
  const c = findCycle(graph);
  assert.equal(c, null, `import cycle: ${c?.join(" -> ")}`);
});

test("every runtime import in src/ points down the layers", () => {
  assert.deepEqual(upward(graph), []);
});

test("the checks catch a cycle and an upward import", () => {
  const bad = new Map([["ops.js", ["tensor.js"]], ["tensor.js", ["ops.js"]]]);
  assert.deepEqual(findCycle(bad), ["ops.js", "tensor.js", "ops.js"]);
  assert.equal(upward(bad).length, 1);
  assert.match(imports(join(root, "tensor.js")).join(","), /ops\.js/);
});
