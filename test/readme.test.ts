// The README's example must run as written: take its first TypeScript block, transpile it, run it
// inside the package (so `import ... from "dlgrad"` resolves through package.json's exports).
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

const root = fileURLToPath(new URL("../../", import.meta.url));

test("the README example runs as written and prints the gradients it promises", () => {
  const readme = readFileSync(join(root, "README.md"), "utf8");
  const block = /```ts\n([\s\S]*?)```/.exec(readme);
  assert.ok(block, "README.md has a ```ts block");
  assert.match(block[1], /from "dlgrad"/);
  const js = ts.transpileModule(block[1], {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
    reportDiagnostics: true,
  });
  assert.deepEqual(js.diagnostics ?? [], []);
  const dir = mkdtempSync(join(root, "dist", "readme-"));
  try {
    const file = join(dir, "example.mjs");
    writeFileSync(file, js.outputText);
    const out = execFileSync(process.execPath, [file], { cwd: root, encoding: "utf8" });
    assert.equal(out.trim(), "[ [ 1, 1, 1 ], [ 1, 1, 1 ] ] [ [ 2, 2, 2 ] ]");
    assert.ok(readme.includes("`" + out.trim() + "`"), "the README quotes what the example prints");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
