// docs/pytorch.md must stay true. Every ```ts block runs as written, in document order, in one
// scratch directory (so a file one block saves is there for the next); every `// → ...` comment
// must equal what that block's console.log calls print, in order; every code span in the dlgrad
// column of the idiom tables runs after the guide's setup block; and all of them type-check
// under strict against the package's published types. They import "dlgrad" by the package's own
// name, from files inside the package, so it resolves through package.json's exports.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { format } from "node:util";
import ts from "typescript";

const root = fileURLToPath(new URL("../../", import.meta.url));
const GUIDE = "docs/pytorch.md";
const guide = readFileSync(join(root, GUIDE), "utf8");
const SETUP_MARK = "// setup for the tables";

interface Snippet {
  /** where it is in the guide, for failure messages */
  where: string;
  source: string;
  /** what its console.log calls must print (null: a table cell, whose output is not checked) */
  expected: string[] | null;
}

const lineOf = (index: number) => guide.slice(0, index).split("\n").length;

function codeBlocks(): Snippet[] {
  const out: Snippet[] = [];
  for (const m of guide.matchAll(/```ts\n([\s\S]*?)```/g)) {
    const source = m[1];
    const expected = [...source.matchAll(/\/\/ → (.*)$/gm)].map((e) => e[1]);
    out.push({ where: `${GUIDE}:${lineOf(m.index!) + 1} (code block)`, source, expected });
  }
  return out;
}

/** The dlgrad column of every table whose header is `| PyTorch | dlgrad | ...`: each code span. */
function tableCells(setup: string): Snippet[] {
  const out: Snippet[] = [];
  const lines = guide.split("\n");
  for (let i = 0; i < lines.length; i++) {
    if (!/^\| PyTorch \| dlgrad \|/.test(lines[i])) continue;
    for (i += 2; i < lines.length && lines[i].startsWith("|"); i++) {
      // split on | outside code spans; `\|` inside a span is a literal |
      const cells = lines[i].replace(/\\\|/g, "\u0000").split("|").map((c) => c.trim().replace(/\u0000/g, "|"));
      const spans = [...cells[2].matchAll(/`([^`]+)`/g)].map((m) => m[1]);
      assert.ok(spans.length > 0, `${GUIDE}:${i + 1}: the dlgrad cell has no code: ${lines[i]}`);
      for (const s of spans) out.push({ where: `${GUIDE}:${i + 1} (table cell \`${s}\`)`, source: `${setup}\n${s};\n`, expected: null });
    }
  }
  return out;
}

const blocks = codeBlocks();
const setup = blocks.find((b) => b.source.startsWith(SETUP_MARK));
const cells = setup ? tableCells(setup.source) : [];
const snippets = [...blocks, ...cells];

// the snippets as .ts files inside the package (dist/ is build output, removed at the end)
const dir = mkdtempSync(join(root, "dist", "pytorch-guide-"));
const files = snippets.map((s, i) => {
  const file = join(dir, `snippet-${i}.ts`);
  writeFileSync(file, s.source);
  return file;
});
process.on("exit", () => rmSync(dir, { recursive: true, force: true }));

test("the guide has its setup block, code blocks with checked output, and tables of idioms", () => {
  assert.ok(setup, `${GUIDE} has a \`\`\`ts block starting with "${SETUP_MARK}"`);
  assert.ok(blocks.filter((b) => b.expected!.length > 0).length >= 5, "code blocks with // → output");
  assert.ok(cells.length >= 100, `the tables' dlgrad cells (found ${cells.length})`);
});

test("every dlgrad snippet of the guide type-checks under strict", () => {
  const program = ts.createProgram(files, {
    strict: true, noEmit: true, target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext, types: ["node"], skipLibCheck: true,
  });
  const errors = ts.getPreEmitDiagnostics(program).map((d) => {
    const i = d.file ? files.indexOf(d.file.fileName) : -1;
    const where = i >= 0 ? snippets[i].where : d.file?.fileName ?? "";
    const line = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start).line + 1 : 0;
    return `${where}, line ${line} of the snippet: ${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`;
  });
  assert.deepEqual(errors, []);
});

test("every dlgrad snippet of the guide runs and prints what its comments say", async (t) => {
  const work = mkdtempSync(join(tmpdir(), "dlgrad-guide-"));
  const cwd = process.cwd();
  process.chdir(work);
  try {
    for (const [i, s] of snippets.entries()) {
      await t.test(s.where, async () => {
        const js = ts.transpileModule(s.source, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } });
        const file = join(dir, `snippet-${i}.mjs`);
        writeFileSync(file, js.outputText);
        const printed: string[] = [];
        const log = console.log;
        console.log = (...args: unknown[]) => void printed.push(format(...args));
        try {
          await import(pathToFileURL(file).href);
        } finally {
          console.log = log;
        }
        if (s.expected) assert.deepEqual(printed, s.expected, `${s.where}: what it prints (left) against its // → comments (right)`);
      });
    }
  } finally {
    process.chdir(cwd);
    rmSync(work, { recursive: true, force: true });
  }
});
