// The wasm backend itself: it loads (and must, in Node), tensors live in its memory (growth, the
// budget past which they are host-backed, blocks coming back when collected), the committed module matches its bytes and
// imports only its memory, the GEMM's worker thread (threaded products equal one-thread ones; a
// worker that cannot start falls back to one thread; one that traps in a task hangs nothing), the fall-backs and their messages (no SIMD, a module that fails, DLGRAD_WASM=0,
// DLGRAD_DEVICE=wasm), running out of the module's memory, views of one buffer that overlap (the
// copies must keep their aliasing), and a small model trained on wasm and on js alike.
// The kernel-level differential fuzz against js is in native.test.ts (cpu and wasm).
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

import { Tensor, availableDevices, manualSeed, nn, optim, setDefaultDevice } from "../src/node.js";
import { BALLAST_CHUNK, BallastAccount, type View } from "../src/backend/backend.js";
import { jsBackend as js } from "../src/backend/js.js";
import { WasmStorage, wasmBackend as wasm, wasmConfig, wasmGemmCeiling, wasmInfo, wasmMemoryStats, wasmThreadsReady } from "../src/backend/wasm.js";
import { WASM_BASE64 } from "../src/backend/wasm_module.js";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const NODE_ENTRY = join(ROOT, "dist", "src", "node.js");

test("the wasm backend loaded, is registered, and says what it runs", () => {
  const info = wasmInfo();
  assert.ok(info.loaded, `wasm did not load: ${info.reason}`);
  assert.ok(availableDevices().includes("wasm"));
  assert.match(info.description, /^gemm .+, (1 thread|2 threads)$/);
  // the GEMM kernel's own rate (npm run bench:web's ceiling): flops counted and timed, a rate
  const ceiling = wasmGemmCeiling(2, 0);
  assert.ok(ceiling !== null && Number.isFinite(ceiling) && ceiling > 0.1, `wasmGemmCeiling gave ${ceiling}`);
});

// first, while the module's memory is still small (each test file is its own process)
test("running out of the module's memory: a clear error naming the op and the size; tensors stay valid", () => {
  const a = Tensor.from(Float32Array.from({ length: 5000 }, (_, i) => i), { device: "wasm" });
  const before = a.add(1).sum().item();
  const have = wasmInfo().memoryBytes;
  wasmConfig({ maxMemoryBytes: have + (24 << 20) });
  const n = Math.ceil((have + (32 << 20)) / 8);
  try {
    // out, x and y of n floats each need 1.5x (memory + 32 MiB): more than the ceiling allows; one of
    // them (half of memory + 16 MiB) fits
    const x = Tensor.ones([n], { device: "wasm" }), y = Tensor.ones([n], { device: "wasm" });
    // x fits in the module; y does not, and gets a host array instead of failing
    assert.ok((x.data as WasmStorage).block !== null && (y.data as WasmStorage).host !== null);
    assert.throws(() => x.add(y), /wasm\.binary\(add\): out of WebAssembly memory \(this call needs \d+\.\d MiB for its arrays\).*tensors made before this call are unaffected/);
    // everything made before still reads and computes
    assert.equal(a.add(1).sum().item(), before);
    assert.equal(x.sum().item(), n); // a reduction reads one array: it fits
  } finally {
    wasmConfig({ maxMemoryBytes: 2 ** 32 });
  }
  assert.equal(Tensor.ones([n], { device: "wasm" }).add(Tensor.ones([n], { device: "wasm" })).sum().item(), 2 * n);
});

// ---- storage in the module's memory ---------------------------------------------------------------

test("tensors live in the module's memory; growing it keeps them valid", () => {
  const vals = Float32Array.from({ length: 3000 }, (_, i) => Math.sin(i));
  const a = Tensor.from(vals, { device: "wasm" });
  assert.ok(a.data instanceof WasmStorage && a.data.block !== null, "a resident block");
  const before = wasmMemoryStats().memoryBytes;
  // a tensor larger than all the memory there is: the memory grows, detaching every old view of it
  // (the test before handed out ~half the memory with no callback since: room in the budget)
  wasmConfig({ pendingBytes: wasmMemoryStats().pendingBytes + before + (64 << 20) });
  const big = Tensor.ones([Math.ceil(before / 4) + (4 << 20)], { device: "wasm" });
  wasmConfig({ pendingBytes: 2 ** 28 });
  assert.ok(big.data instanceof WasmStorage && big.data.block !== null);
  assert.ok(wasmMemoryStats().memoryBytes > before, "the memory grew");
  assert.deepEqual(a.toTypedArray(), vals);
  assert.deepEqual(a.mul(2).toTypedArray(), vals.map((v) => 2 * v));
  assert.equal(big.sum().item(), big.numel);
  // a view of the block (a strided window) reads and computes through the kernels too
  const w = a.reshape([30, 100]).transpose(0, 1).narrow(0, 3, 5);
  const want = Tensor.from(vals, { device: "js" }).reshape([30, 100]).transpose(0, 1).narrow(0, 3, 5);
  assert.deepEqual(w.toTypedArray(), want.toTypedArray());
  assert.deepEqual(w.exp().toTypedArray(), want.exp().toTypedArray());
});

test("past the budget of blocks handed out with no callback in between, tensors are host-backed and still compute", () => {
  const s0 = wasmMemoryStats();
  wasmConfig({ pendingBytes: s0.pendingBytes + (64 << 10) });
  try {
    const x = Tensor.randn([200, 300], { device: "wasm" }), y = Tensor.randn([300, 50], { device: "wasm" });
    const xs = x.data as WasmStorage;
    assert.ok(xs.block === null && xs.host instanceof Float32Array, "host-backed");
    assert.ok(wasmMemoryStats().hostBacked > s0.hostBacked);
    wasmConfig({ pendingBytes: wasmMemoryStats().pendingBytes + (64 << 20) }); // room again (the tests before used much)
    const r = Tensor.randn([300], { device: "wasm" }); // resident again
    assert.ok((r.data as WasmStorage).block !== null);
    // host-backed and resident operands in one call
    const got = x.matmul(y).add(r.narrow(0, 0, 50)).relu().sum(0);
    const J = (t: Tensor) => Tensor.from(t.toTypedArray(), { shape: t.shape, device: "js" });
    const want = J(x).matmul(J(y)).add(J(r).narrow(0, 0, 50)).relu().sum(0);
    const g = got.toTypedArray(), w = want.toTypedArray();
    for (let i = 0; i < w.length; i++) assert.ok(Math.abs(g[i] - w[i]) <= 1e-3 * (1 + Math.abs(w[i])), `${i}: ${g[i]} vs ${w[i]}`);
  } finally {
    wasmConfig({ pendingBytes: 2 ** 28 });
  }
});

test("blocks of collected tensors come back (FinalizationRegistry, run while readAsync waits) and are reused", () => {
  // a child with --expose-gc, so that a collection can be asked for
  const code = `import { Tensor } from ${JSON.stringify(NODE_ENTRY)};
import { wasmMemoryStats } from ${JSON.stringify(join(ROOT, "dist", "src", "backend", "wasm.js"))};
const keep = Tensor.ones([1000], { device: "wasm" });
for (let round = 0; round < 3; round++) {
  for (let i = 0; i < 50; i++) Tensor.ones([100000], { device: "wasm" }).mul(2).sum().item();
  globalThis.gc();
  await keep.sum().itemAsync(); // resolves after a macrotask: the callbacks run
}
const s = wasmMemoryStats();
console.log(JSON.stringify({ ...s, keep: keep.sum().item() }));`;
  const r = spawnSync(process.execPath, ["--expose-gc", "--input-type=module", "-e", code], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  const s = JSON.parse(r.stdout.trim());
  assert.equal(s.keep, 1000);
  assert.ok(s.reclaimed >= 100, `blocks given back: ${s.reclaimed}`);
  assert.equal(s.hostBacked, 0);
  // 150 rounds of three 400 KB tensors would need ~180 MB without reuse
  assert.ok(s.memoryBytes < 64 << 20, `memory ${s.memoryBytes}`);
});

test("BallastAccount pays ballast in chunks of at least 33 MiB (untouched mappings), the debt carried over", () => {
  const acct = new BallastAccount();
  let paid = 0, buffers = 0;
  for (let i = 0; i < 100; i++) {
    const b = acct.take(1 << 20); // a 4 MiB block's quarter
    if (b) { paid += b.byteLength; buffers++; assert.ok(b.byteLength >= BALLAST_CHUNK); }
  }
  assert.equal(buffers, 3); // 100 MiB owed: three chunks of 33 MiB, 1 MiB still owed
  assert.equal(paid, 3 * BALLAST_CHUNK);
  assert.equal(acct.take(200 << 20)?.byteLength, (201 << 20)); // a large debt is paid whole
  assert.equal(acct.take(1), undefined);
});

test("a loop of small ops that yields each time gets its blocks back with no explicit collection (ballast once they pile up)", () => {
  // 1,500 outputs of 256 KiB (375 MiB) and little JavaScript: without the pile-up ballast V8 did
  // not collect until ~1,000 of them, the memory grew to 261 MiB and the rest were host-backed
  const code = `import { Tensor } from ${JSON.stringify(NODE_ENTRY)};
import { wasmMemoryStats } from ${JSON.stringify(join(ROOT, "dist", "src", "backend", "wasm.js"))};
const a = Tensor.ones([65536], { device: "wasm" }), b = Tensor.ones([65536], { device: "wasm" });
let last = 0;
for (let i = 0; i < 1500; i++) {
  last = a.add(b).data.length;
  await new Promise((r) => setImmediate(r));
}
console.log(JSON.stringify({ ...wasmMemoryStats(), sum: a.add(b).sum().item(), last }));`;
  const r = spawnSync(process.execPath, ["--input-type=module", "-e", code], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  const s = JSON.parse(r.stdout.trim());
  assert.equal(s.sum, 2 * 65536);
  assert.equal(s.last, 65536);
  assert.equal(s.hostBacked, 0);
  assert.ok(s.reclaimed >= 500, `blocks given back: ${s.reclaimed}`);
  assert.ok(s.memoryBytes < 160 << 20, `memory ${s.memoryBytes}`);
});

test("the committed module is native/wasm/dlgrad.wasm, imports only its (shared) memory, and compiles", () => {
  const bytes = readFileSync(join(ROOT, "native", "wasm", "dlgrad.wasm"));
  assert.equal(Buffer.from(bytes).toString("base64"), WASM_BASE64, "src/backend/wasm_module.ts is stale: run scripts/build-wasm.sh");
  const mod = new WebAssembly.Module(bytes);
  assert.deepEqual(WebAssembly.Module.imports(mod), [{ module: "env", name: "memory", kind: "memory" }]);
  const names = WebAssembly.Module.exports(mod).map((e) => e.name);
  for (const fn of ["__stack_pointer", "worker", "threadSetup", "setThreads", "meta", "arena", "alloc", "free", "unary", "binary", "reduce", "matmul", "fused", "attention"]) assert.ok(names.includes(fn), fn);
});

/** `node [--import preload] --input-type=module -e code` with env changes (undefined deletes):
 *  stdout, and stdout and stderr together */
function child(code: string, env: Record<string, string | undefined>, preload?: string): { stdout: string; all: string } {
  const e: Record<string, string | undefined> = { ...process.env };
  delete e.DLGRAD_DEVICE;
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined) delete e[k];
    else e[k] = v;
  }
  const args = [...(preload ? ["--import", `data:text/javascript,${encodeURIComponent(preload)}`] : []), "--input-type=module", "-e", code];
  const r = spawnSync(process.execPath, args, { env: e, encoding: "utf8" });
  assert.equal(r.status, 0, `child failed: ${r.stderr}`);
  return { stdout: r.stdout, all: r.stdout + r.stderr };
}

const PRINT_DEVICE = `import { getDefaultDevice, tensor } from ${JSON.stringify(NODE_ENTRY)}; console.log(getDefaultDevice(), tensor([1, 2]).exp().device);`;
const PRINT_WASM_ERROR = `import { setDefaultDevice } from ${JSON.stringify(NODE_ENTRY)}; try { setDefaultDevice("wasm"); console.log("no error"); } catch (e) { console.log(e.message); }`;

test("default device order cpu -> wasm -> js; DLGRAD_DEVICE=wasm; one line when the addon is missing", () => {
  const noAddon = child(PRINT_DEVICE, { DLGRAD_NATIVE: "0" });
  assert.equal(noAddon.stdout.trim(), "wasm wasm");
  assert.equal(child(PRINT_DEVICE, { DLGRAD_DEVICE: "wasm" }).stdout.trim(), "wasm wasm");
  assert.equal(child(PRINT_DEVICE, { DLGRAD_NATIVE: "0", DLGRAD_WASM: "0" }).stdout.trim(), "js js");
  if (availableDevices().includes("cpu")) assert.equal(child(PRINT_DEVICE, {}).all.trim(), "cpu cpu");
  // the platform-neutral main entry (what a browser bundle gets) has no addon: wasm, and no message
  const main = child(PRINT_DEVICE.replace(JSON.stringify(NODE_ENTRY), JSON.stringify(join(ROOT, "dist", "src", "index.js"))), {});
  assert.equal(main.all.trim(), "wasm wasm");
});

test("no WebAssembly SIMD, or a module that fails to load: one message, js, and asking for wasm says why", () => {
  const noSimd = "WebAssembly.validate = () => false;";
  const broken = "WebAssembly.Module = class { constructor() { throw new Error('bad magic'); } };";
  for (const [preload, why] of [[noSimd, /no WebAssembly SIMD/], [broken, /failed to load: bad magic/]] as const) {
    const { stdout, all } = child(PRINT_DEVICE, { DLGRAD_NATIVE: "0" }, preload);
    assert.equal(stdout.trim(), "js js");
    const msgs = all.split("\n").filter((l) => l.includes("wasm backend"));
    assert.equal(msgs.length, 1, all);
    assert.match(msgs[0], /^dlgrad: the wasm backend is not available \(/);
    assert.match(msgs[0], why);
    const err = child(PRINT_WASM_ERROR, { DLGRAD_NATIVE: "0" }, preload).stdout.trim();
    assert.match(err, /^device: 'wasm' is not available here: /);
    assert.match(err, why);
  }
  const off = child(PRINT_WASM_ERROR, { DLGRAD_WASM: "0" });
  assert.match(off.stdout, /device: 'wasm' is not available here: DLGRAD_WASM=0/);
  assert.ok(!off.all.includes("wasm backend is not available"), "no message when wasm is turned off on purpose");
});

// ---- copies that keep aliasing ---------------------------------------------------------------------

test("views of one buffer that overlap see each other, as on the host", () => {
  wasmConfig({ tinyOps: 0 });
  try {
    // in place: out is a
    const buf = Float32Array.from({ length: 100 }, (_, i) => i - 50);
    const want = Float32Array.from(buf, (v) => Math.exp(v));
    const v: View = { data: buf, shape: [100], strides: [1], offset: 0 };
    wasm.unary("exp", v, v);
    assert.deepEqual(buf, want);
    // a copy between overlapping windows of one array is sequential (element i reads what i-1 wrote)
    const w = Float32Array.from({ length: 40 }, (_, i) => i), wj = w.slice();
    wasm.copy({ data: w, shape: [30], strides: [1], offset: 1 }, { data: w, shape: [30], strides: [1], offset: 0 }, true);
    js.copy({ data: wj, shape: [30], strides: [1], offset: 1 }, { data: wj, shape: [30], strides: [1], offset: 0 }, true);
    assert.deepEqual(w, wj);
    // a Float32Array and an Int32Array over the same bytes: cast in place
    const bytes = new ArrayBuffer(4 * 64);
    const f = new Float32Array(bytes), i32 = new Int32Array(bytes);
    f.forEach((_, k) => { f[k] = (k - 30) * 1.7; });
    const fj = new Float32Array(f), ij = new Int32Array(fj.buffer);
    wasm.cast({ data: i32, shape: [64], strides: [1], offset: 0 }, { data: f, shape: [64], strides: [1], offset: 0 });
    js.cast({ data: ij, shape: [64], strides: [1], offset: 0 }, { data: fj, shape: [64], strides: [1], offset: 0 });
    assert.deepEqual(i32, ij);
    // a strided window of a larger array: written elements land, the others are kept
    const big = new Float32Array(64).fill(9), ref = big.slice();
    wasm.fill({ data: big, shape: [4, 4], strides: [16, 2], offset: 3 }, 1);
    js.fill({ data: ref, shape: [4, 4], strides: [16, 2], offset: 3 }, 1);
    assert.deepEqual(big, ref);
  } finally {
    wasmConfig({ tinyOps: 16 });
  }
});

test("attention backward into interleaved windows of one gradient (a fused qkv) equals separate arrays", () => {
  const B = 2, T = 5, H = 2, D = 4, C = H * D;
  const r = (n: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * 1.3 + n));
  const qkv = r(B * T * 3 * C), g = r(B * T * C);
  // q, k, v: [B, H, T, D] windows of qkv [B, T, 3, H, D]
  const win = (data: Float32Array, part: number): View => ({ data, shape: [B, H, T, D], strides: [T * 3 * C, D, 3 * C, 1], offset: part * C });
  const sep = (): View => ({ data: new Float32Array(B * H * T * D), shape: [B, H, T, D], strides: [H * T * D, T * D, D, 1], offset: 0 });
  const out = sep(), p: View = { data: new Float32Array(B * H * T * T), shape: [B, H, T, T], strides: [H * T * T, T * T, T, 1], offset: 0 };
  const f = wasm.fused!;
  f.attention!(out, p, win(qkv, 0), win(qkv, 1), win(qkv, 2), 0.5, true);
  const gv: View = { data: g, shape: [B, H, T, D], strides: [T * C, D, C, 1], offset: 0 };
  const gqkv = new Float32Array(qkv.length).fill(3);
  f.attentionBackward!(win(gqkv, 0), win(gqkv, 1), win(gqkv, 2), gv, p, win(qkv, 0), win(qkv, 1), win(qkv, 2), 0.5, true);
  const [gq, gk, gvv] = [sep(), sep(), sep()];
  f.attentionBackward!(gq, gk, gvv, gv, p, win(qkv, 0), win(qkv, 1), win(qkv, 2), 0.5, true);
  // the interleaved result, read back through the windows, equals the separate arrays
  [gq, gk, gvv].forEach((s, part) => {
    const got = new Float32Array(s.data.length);
    js.copy({ data: got, shape: s.shape, strides: s.strides, offset: 0 }, win(gqkv, part), false);
    assert.deepEqual(got, s.data, `part ${part}`);
  });
});

test("a small model trains alike on wasm and js (forward, backward, Adam)", () => {
  const losses: number[][] = [];
  for (const device of ["js", "wasm"]) {
    manualSeed(7);
    const model = new nn.Sequential(new nn.Linear(20, 32), new nn.ReLU(), new nn.Linear(32, 5));
    model.to(device);
    const opt = new optim.Adam(model.parameters(), { lr: 0.01 });
    const x = Tensor.randn([64, 20], { device });
    const y = Tensor.from(Int32Array.from({ length: 64 }, (_, i) => i % 5), { device });
    const l: number[] = [];
    for (let step = 0; step < 20; step++) {
      opt.zeroGrad();
      const loss = model.forward(x).crossEntropy(y);
      loss.backward();
      opt.step();
      l.push(loss.item());
    }
    losses.push(l);
  }
  for (let i = 0; i < losses[0].length; i++) {
    assert.ok(Math.abs(losses[0][i] - losses[1][i]) <= 1e-4 * Math.max(1, losses[0][i]), `step ${i}: js ${losses[0][i]}, wasm ${losses[1][i]}`);
  }
  assert.ok(losses[1].at(-1)! < losses[1][0] * 0.8, `the loss fell: ${losses[1][0]} -> ${losses[1].at(-1)}`);
  setDefaultDevice(null);
});

// last: it grows the memory and hands out blocks with no callback in between
test("in Node the GEMM's worker starts (2 threads), and threaded products equal one-thread ones and js", async () => {
  assert.equal(await wasmThreadsReady(), 2, wasmInfo().threadsNote);
  assert.match(wasmInfo().description, /, 2 threads$/);
  manualSeed(7);
  const T = (shape: number[]) => Tensor.randn(shape, { device: "wasm" });
  // each at least 2^21 multiply-adds (threaded), no dim a multiple of the 2x16 tile
  const cases: [string, () => Tensor][] = [];
  const a = T([131, 173]), b = T([173, 97]);
  cases.push(["131x173 @ 173x97", () => a.matmul(b)]);
  const w = T([67, 301]), x = T([129, 301]);
  cases.push(["wide N, transposed b", () => x.matmul(w.transpose(0, 1))]);
  const g = T([173, 131]);
  cases.push(["transposed a", () => g.transpose(0, 1).matmul(b)]);
  const ba = T([3, 67, 129]), bb = T([3, 129, 85]);
  cases.push(["batch 3 (each product split)", () => ba.matmul(bb)]);
  const ca = T([5, 63, 85]), cb = T([5, 85, 79]);
  cases.push(["batch 5 (split by batch)", () => ca.matmul(cb)]);
  const J = (t: Tensor) => Tensor.from(t.toTypedArray(), { shape: t.shape, device: "js" });
  try {
    for (const [name, f] of cases) {
      wasmConfig({ threads: 1 });
      const one = f().toTypedArray();
      wasmConfig({ threads: 2 });
      const two = f().toTypedArray();
      assert.deepEqual(two, one, `${name}: 2 threads differ from 1`);
    }
    // against js: the plain, transposed and batched cases
    const pairs: [Tensor, Tensor, Tensor, Tensor][] = [[a, b, J(a), J(b)], [g.transpose(0, 1), b, J(g).transpose(0, 1), J(b)], [ba, bb, J(ba), J(bb)]];
    for (const [p, q, jp, jq] of pairs) {
      const got = p.matmul(q).toTypedArray(), want = jp.matmul(jq).toTypedArray();
      for (let i = 0; i < want.length; i++) assert.ok(Math.abs(got[i] - want[i]) <= 1e-4 * (1 + Math.abs(want[i])), `${i}: ${got[i]} vs ${want[i]}`);
    }
  } finally {
    wasmConfig({ threads: 2 });
  }
  assert.throws(() => wasmConfig({ threads: 3 }), /wasmConfig: threads must be 1 or 2, got 3/);
});

test("with the cpu addon (the default device), the wasm worker starts only when a wasm product asks for it", { skip: availableDevices().includes("cpu") ? false : "no cpu addon" }, () => {
  const WASM_ENTRY = JSON.stringify(join(ROOT, "dist", "src", "backend", "wasm.js"));
  const code = `import { Tensor } from ${JSON.stringify(NODE_ENTRY)};
    const w = await import(${WASM_ENTRY});
    await new Promise((r) => setTimeout(r, 200)); // time for a handshake, had one started
    const before = w.wasmInfo().threads;
    const c = Tensor.ones([8, 8], { device: "cpu" });
    c.matmul(c); // a cpu product starts nothing
    await new Promise((r) => setTimeout(r, 50));
    const afterCpu = w.wasmInfo().threads;
    const a = Tensor.ones([300, 300], { device: "wasm" });
    const s = a.matmul(a).sum().item();
    console.log(JSON.stringify({ before, afterCpu, after: await w.wasmThreadsReady(), s }));`;
  const out = JSON.parse(child(code, { DLGRAD_WASM_THREADS: undefined }).stdout.trim().split("\n").at(-1)!) as Record<string, number>;
  assert.deepEqual(out, { before: 1, afterCpu: 1, after: 2, s: 300 ** 3 });
});

test("a worker that traps in a task: the product still comes out right, one message, one thread after, no hang", () => {
  const WASM_ENTRY = JSON.stringify(join(ROOT, "dist", "src", "backend", "wasm.js"));
  // its own process: the worker does not come back. Products of ~2^24 multiply-adds, split in two
  // tasks; the worker takes one of them within a few calls (it polls between jobs) and traps after
  // writing it: the calling thread must run that task again (overwriting, not adding to it)
  const code = `import { Tensor, manualSeed } from ${JSON.stringify(NODE_ENTRY)};
    const w = await import(${WASM_ENTRY});
    const threads = await w.wasmThreadsReady();
    manualSeed(3);
    const a = Tensor.randn([301, 257], { device: "wasm" }), b = Tensor.randn([257, 263], { device: "wasm" });
    w.wasmConfig({ threads: 1 });
    const want = a.matmul(b).toTypedArray();
    w.wasmConfig({ threads: 2 });
    const armed = w.wasmWorkerFault();
    // polled for up to 20 s, not a number of calls: on a loaded machine the worker may not be
    // scheduled for a while
    let calls = 0, wrong = 0;
    const t0 = Date.now();
    while (w.wasmInfo().threads === 2 && Date.now() - t0 < 20_000) {
      const got = a.matmul(b).toTypedArray();
      calls++;
      if (got.some((v, i) => v !== want[i])) wrong++;
      await new Promise((r) => setTimeout(r, 1)); // the worker's message arrives
    }
    w.wasmConfig({ threads: 2 }); // asks for 2: stays at 1
    const after = a.matmul(b).toTypedArray();
    console.log(JSON.stringify({ threads, armed, fired: w.wasmInfo().threads === 1, wrong, afterSame: after.every((v, i) => v === want[i]),
      note: w.wasmInfo().threadsNote, description: w.wasmInfo().description }));`;
  const r = spawnSync(process.execPath, ["--input-type=module", "-e", code], { encoding: "utf8", timeout: 60_000 });
  assert.equal(r.status, 0, `child failed or hung (signal ${r.signal}): ${r.stderr}`);
  const out = JSON.parse(r.stdout.trim().split("\n").at(-1)!) as Record<string, unknown>;
  assert.deepEqual({ ...out, note: undefined, description: undefined }, { threads: 2, armed: true, fired: true, wrong: 0, afterSame: true, note: undefined, description: undefined });
  assert.match(out.note as string, /^the worker failed: .*unreachable/);
  assert.match(out.description as string, /, 1 thread$/);
  const warnings = r.stderr.split("\n").filter((l) => l.startsWith("dlgrad: the wasm backend's worker thread"));
  assert.equal(warnings.length, 1, r.stderr);
  assert.match(warnings[0], /^dlgrad: the wasm backend's worker thread failed \(.*unreachable.*\); using one thread$/);
});

test("a worker that started while this thread was busy past the handshake's timeout still counts", () => {
  const WASM_ENTRY = JSON.stringify(join(ROOT, "dist", "src", "backend", "wasm.js"));
  // a real worker_threads worker, a 300 ms timeout, and 2 s of synchronous work right after: the
  // timer and the worker's "ready" message are both pending when this thread is free again, and
  // the timer runs first; it must find the worker's loop running rather than give up on it
  const code = `import { Worker } from "node:worker_threads";
    import { startWasmWorker, wasmInfo } from ${WASM_ENTRY};
    const spawn = (c) => {
      const w = new Worker(c, { eval: true, execArgv: [] });
      w.unref();
      return { postMessage: (m) => w.postMessage(m), onMessage: (f) => void w.on("message", f).unref(), onError: (f) => void w.on("error", f).unref(), terminate: () => void w.terminate() };
    };
    const n = startWasmWorker(spawn, { timeoutMs: 300 });
    const t0 = Date.now();
    while (Date.now() - t0 < 2000) {}
    console.log(await n, wasmInfo().threads);`;
  const { stdout, all } = child(code, {});
  assert.equal(stdout.trim(), "2 2", all);
  assert.ok(!all.includes("did not start"), all);
});

test("a GEMM worker that cannot start: one message, one thread, no hang", () => {
  const WASM_ENTRY = JSON.stringify(join(ROOT, "dist", "src", "backend", "wasm.js"));
  // the backend module alone (no src/node.ts: no real worker); a worker that never answers, one
  // that throws at once, and one that reports an error; then a product still computes
  const code = `import { startWasmWorker, wasmInfo, wasmBackend } from ${WASM_ENTRY};
    const silent = () => ({ postMessage() {}, onMessage() {}, onError() {}, terminate() {} });
    console.log(await startWasmWorker(silent, { timeoutMs: 100 }), wasmInfo().threads);
    console.log(await startWasmWorker(() => { throw new Error("no workers here"); }), wasmInfo().threadsNote);
    const erring = () => { let f; return { postMessage() { setTimeout(() => f({ error: "bad module" }), 10); }, onMessage(g) { f = g; }, onError() {}, terminate() {} }; };
    console.log(await startWasmWorker(erring), wasmInfo().description);`;
  const { stdout, all } = child(code, {});
  assert.deepEqual(stdout.trim().split("\n"), ["1 1", "1 the worker did not start: no workers here", `1 ${wasmInfo().description.replace(/2 threads$/, "1 thread")}`]);
  const warnings = all.split("\n").filter((l) => l.startsWith("dlgrad: the wasm backend's worker thread did not start"));
  assert.deepEqual(warnings.map((l) => l.replace(/ \(.*\)/, "")), Array(3).fill("dlgrad: the wasm backend's worker thread did not start; using one thread"));
  assert.match(warnings[0], /no answer within 100 ms/);
  assert.match(warnings[2], /bad module/);
});
