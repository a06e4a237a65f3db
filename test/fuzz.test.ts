// A slice of `npm run fuzz` in the suite: seeded random op chains on every device against js.
import { test } from "node:test";
import assert from "node:assert/strict";
import { fuzz } from "./fuzz.js";
import { F, Tensor, availableDevices, initDevice } from "../src/node.js";

/** float32 values as a tensor of `shape` on `device` */
const f32 = (a: number[], shape: number[], device: string, requiresGrad = false) => Tensor.from(Float32Array.from(a), { shape, device, requiresGrad });
// every test below runs on availableDevices(), webgpu included where it has an adapter, whichever
// tests --test-name-pattern picks
const webgpu = (await initDevice("webgpu").catch(() => null)) !== null;

test("2,000 fuzz cases agree with the js reference on every device", async () => {
  // The full run (npm run fuzz, 100,000 cases) finds a handful of documented differences, listed in
  // docs/pytorch.md ("deliberate differences"); none falls in these seeds. webgpu too where it has
  // an adapter (CI sets DLGRAD_REQUIRE_WEBGPU=1: lavapipe), a few seconds more.
  if (!webgpu) assert.notEqual(process.env.DLGRAD_REQUIRE_WEBGPU, "1", "no webgpu adapter");
  const r = await fuzz({ seed: 1, cases: 2000, webgpu });
  assert.deepEqual(r.mismatches.map((m) => `${m.device} seed ${m.seed}: ${m.what}`), []);
});

// Differences the fuzzer found, fixed, kept here as plain regressions on every device.
test("logSoftmax keeps log(sum) next to a huge row maximum (fused C kernel)", async () => {
  for (const device of availableDevices()) {
    if (device === "webgpu") continue; // async readback; the WGSL kernel subtracts in this order already
    const y = Tensor.from(Float32Array.from([8.5e37, -0.6445, 8.5e37]), { device }).logSoftmax(-1).toTypedArray();
    assert.ok(Math.abs(y[0] + Math.LN2) < 1e-6 && Math.abs(y[2] + Math.LN2) < 1e-6, `${device}: ${Array.from(y)}`);
  }
});

test("logSoftmax rounds its sum to float32 before the log, as PyTorch: a dominant entry's log-probability is exactly 0", async () => {
  // sinh([-1, -4]) = [-1.1752, -27.29]: exp(-26.11) = 4.6e-12 vanishes beside 1 in a float32 sum, so
  // PyTorch gives [0, -26.1147] and logsumexp(logSoftmax(x)) = 0. The C kernel summed in float64 and
  // gave -4.6e-12 and -4.5e-8, which remainder, sign, floor or rsqrt then turned into other answers.
  for (const device of availableDevices()) {
    if (device === "webgpu") continue; // async readback; WGSL sums in f32
    const rows = 9; // more than 16 elements: the C kernels, not the js ones for tiny ops
    const y = Tensor.from(Array.from({ length: rows }, () => [-1, -4]), { device }).sinh().logSoftmax(-1);
    assert.deepEqual(Array.from(y.toTypedArray()).slice(0, 2), [0, Math.fround(-26.114715576171875)], device);
    const x = Tensor.from(Array.from({ length: rows }, () => [0.183, -2.408, -1.428, 2.521]), { device });
    const lse = x.logSoftmax(-1).logsumexp(1).toTypedArray();
    assert.deepEqual(Array.from(lse), new Array(rows).fill(0), device);
  }
});

test("GELU's gradient under an infinite upstream gradient is ±inf on every device, as PyTorch (not NaN)", async () => {
  // rsqrt(gelu(0)) = inf: PyTorch's GeluBackward gives g·gelu'(0) = -inf·0.5. The js backend's
  // composite x·Φ(x), differentiated by the product rule, passed inf·x = inf·0 = NaN to Φ's branch.
  for (const device of availableDevices()) {
    if (device === "webgpu") continue;
    for (const approximate of ["none", "tanh"] as const) {
      const x = Tensor.from(new Array(6).fill([0, 1, 2.5]).flat(), { device, requiresGrad: true });
      F.gelu(x, { approximate }).rsqrt().sum().backward();
      const g = Array.from(x.grad!.toTypedArray()).slice(0, 3);
      // PyTorch 1.13 (Debian): [-inf, -0.701882, -0.132481] (none), [-inf, -0.701845, -0.132489] (tanh)
      const want = approximate === "none" ? [-0.701882, -0.132481] : [-0.701845, -0.132489];
      assert.equal(g[0], -Infinity, `${device} ${approximate}: ${g}`);
      for (let i = 0; i < 2; i++) assert.ok(Math.abs(g[i + 1] - want[i]) < 5e-5, `${device} ${approximate}: ${g}`);
    }
  }
});

test("webgpu keeps signed zeros and tiny values where PyTorch does (sign, sin, tan, asin, atan, sinh, tanh)", async () => {
  if (!webgpu) {
    assert.notEqual(process.env.DLGRAD_REQUIRE_WEBGPU, "1", "no webgpu adapter");
    return;
  }
  const x = Tensor.from(Float32Array.from([-0, 0, NaN, -1e-30]), { device: "webgpu" });
  const show = (a: ArrayLike<number>) => Array.from(a, (v) => (Object.is(v, -0) ? "-0" : String(v)));
  assert.deepEqual(show(await x.sign().toTypedArrayAsync()), ["0", "0", "0", "-1"]);
  for (const op of ["sin", "tan", "asin", "atan", "sinh", "tanh"] as const) {
    const y = await x[op]().toTypedArrayAsync();
    assert.deepEqual(show(y).slice(0, 3), ["-0", "0", "NaN"], op);
    assert.ok(Math.abs(y[3] / -1e-30 - 1) < 1e-6, `${op}(-1e-30) = ${y[3]}`);
  }
});

test("log, log2, log10, pow, cumprod, fmod and remainder of subnormal values match float64 on every device", async () => {
  // lavapipe's WGSL log, log2 and frexp of a subnormal came out as if it were near the smallest
  // normal: log(1.7e-40) = -88.0 for -91.6 (found by the fuzzer after a cumprod, itself 5.96e-39
  // for 1.7e-40 through frexp); pow(x, -0.5) goes through log2, fmod and remainder through frexp.
  // Where a GPU flushes subnormals the logs would be -inf: not the case here.
  const v = [1.7e-40, 3e-39, 1e-45, 1.1e-38, 5e-44];
  const f = Float32Array.from(v); // the float32 values, whose float64 functions are the reference
  const want: Record<string, (x: number) => number> = { log: Math.log, log2: Math.log2, log10: Math.log10, "pow -0.5": (x) => x ** -0.5 };
  for (const device of availableDevices()) {
    const x = f32(v, [v.length], device);
    for (const [name, ref] of Object.entries(want)) {
      const y = await (name === "pow -0.5" ? x.pow(-0.5) : x[name as "log"]()).toTypedArrayAsync();
      for (let i = 0; i < v.length; i++) {
        // 1e-5: webgpu's pow is exp2(b·log2(a)) in float32, ~1e-6 off for results near 1e21
        assert.ok(Math.abs(y[i] / ref(f[i]) - 1) < 1e-5, `${device} ${name}(${f[i]}) = ${y[i]}, float64 ${ref(f[i])}`);
      }
    }
    // exact in float32: powers of two times a subnormal, and fmod (its result is below the divisor)
    const cp = await f32([1.7e-40, 2, 0.25, 3e-39], [4], device).cumprod(0).toTypedArrayAsync();
    assert.deepEqual(Array.from(cp), [f[0], 2 * f[0], f[0] / 2, Math.fround((f[0] / 2) * Math.fround(3e-39))], `${device} cumprod`);
    const three = f32([3, -3, 3, -3, 3], [5], device);
    assert.deepEqual(Array.from(await three.fmod(x).toTypedArrayAsync()), Array.from(f, (d, i) => (i % 2 ? -3 : 3) % d), `${device} fmod`);
    assert.deepEqual(Array.from(await three.remainder(x).toTypedArrayAsync()), Array.from(f, (d, i) => { const m = (i % 2 ? -3 : 3) % d; return m !== 0 && m < 0 !== d < 0 ? m + d : m; }), `${device} remainder`);
  }
});

test("conv2d's input gradient with an infinite weight and padding: inf where PyTorch has inf, not NaN", async () => {
  // The C kernels' stride-1 input gradient convolved the zero-padded g with the flipped weight, so
  // the padding's zeros met the inf (0·inf = NaN); PyTorch's col2im never multiplies them. PyTorch
  // 1.13: x.grad = [[inf, inf, 0], [inf, inf, 0], [0, 0, 0]] (x ones [1, 1, 3, 3], w zeros but
  // w[0, 0, 0, 0] = inf, padding 1, upstream ones).
  for (const device of availableDevices()) {
    const x = Tensor.ones([1, 1, 3, 3], { device, requiresGrad: true });
    const w = f32([Infinity, 0, 0, 0, 0, 0, 0, 0, 0], [1, 1, 3, 3], device);
    F.conv2d(x, w, null, { padding: 1 }).sum().backward();
    assert.deepEqual(Array.from(await x.grad!.toTypedArrayAsync()), [Infinity, Infinity, 0, Infinity, Infinity, 0, 0, 0, 0], device);
  }
});

test("layerNorm of a row whose squares overflow float32: float64's values on cpu and wasm, js's bias on webgpu", async () => {
  // webgpu took inf - inf = NaN for the variance, and max(NaN, 0) = 0 made rstd 1/sqrt(eps): this
  // row came out near -1e37 (found by the fuzzer with values near 3e38). Now its variance is inf
  // and the row xhat = 0, as js's float32 composite gives; cpu and wasm sum in float64 (see
  // docs/pytorch.md), and PyTorch's float32 gives NaN.
  const row = [3e38, 1.5, -2, 0.5], w = [1, 2, 3, 4], b = [0.1, 0.2, 0.3, 0.4];
  const xs = row.map(Math.fround), mu = xs.reduce((p, q) => p + q) / 4;
  const sd = Math.sqrt(xs.reduce((p, q) => p + (q - mu) ** 2, 0) / 4 + 1e-5);
  const float64 = xs.map((v, i) => ((v - mu) / sd) * w[i] + b[i]);
  for (const device of availableDevices()) {
    const y = await F.layerNorm(f32(row, [1, 4], device), [4], f32(w, [4], device), f32(b, [4], device), 1e-5).toTypedArrayAsync();
    const want = device === "cpu" || device === "wasm" ? float64 : b.map(Math.fround);
    for (let i = 0; i < 4; i++) assert.ok(Math.abs(y[i] - want[i]) <= 1e-6 * Math.abs(want[i]) + 1e-7, `${device}: ${Array.from(y)} for ${want}`);
  }
});

test("layerNorm of a row of equal values is exactly 0 on every device (corrected two-pass mean)", async () => {
  // The mean of five 54.598148 rounds in float32 to one ulp off, and 1/sqrt(1e-5) turned that into
  // -0.0012 on js (and up to 2e-4 on webgpu); the C kernels sum in float64 and gave 0.
  for (const device of availableDevices()) {
    const rows = [2.76, 54.598148345947266, 0.1, -1234.567, 3e-3].flatMap((v) => new Array(5).fill(v));
    const y = F.layerNorm(f32(rows, [5, 5], device), [5], null, null, 1e-5);
    assert.deepEqual(Array.from(await y.toTypedArrayAsync(), Math.abs), new Array(25).fill(0), device);
  }
});

test("layerNorm of a row whose spread is 1e-4 of its mean matches float64 on every device, with its gradients", async () => {
  // Centred on the float32 mean alone, xhat carried the mean's rounding times mean/std (~8,000
  // here): 3e-4 off on cpu/wasm. Values: PyTorch 1.13 in float64, upstream gradient sin(i).
  const row = [-2.51896071434021, -2.519710063934326, -2.5193, -2.5190, -2.51960];
  const want = [0.1112519, -0.1246256, 0.0044579, 0.0988689, -0.0899531], wantGrad = [-71.328, 193.268, 214.771, -26.921, -309.789];
  for (const device of availableDevices()) {
    const x = f32([...row, ...row, ...row, ...row], [4, 5], device, true);
    const w = Tensor.ones([5], { device, requiresGrad: true });
    const y = F.layerNorm(x, [5], w, null, 1e-5);
    y.backward(f32(Array.from({ length: 20 }, (_, i) => Math.sin(i)), [4, 5], device));
    const got = Array.from(await y.toTypedArrayAsync()).slice(0, 5), g = Array.from(await x.grad!.toTypedArrayAsync()).slice(0, 5);
    // the weight's gradient: Σ over the 4 equal rows of upstream · xhat (webgpu's was ~1e-4 off)
    const gw = Array.from(await w.grad!.toTypedArrayAsync());
    for (let i = 0; i < 5; i++) {
      assert.ok(Math.abs(got[i] - want[i]) < 2e-7 + 1e-5 * Math.abs(want[i]), `${device} y: ${got}`);
      assert.ok(Math.abs(g[i] - wantGrad[i]) < 1e-3 * Math.abs(wantGrad[i]) + 1e-3, `${device} grad: ${g}`);
      const wantGw = want[i] * [0, 1, 2, 3].reduce((s, r) => s + Math.sin(5 * r + i), 0);
      assert.ok(Math.abs(gw[i] - wantGw) < 2e-5 * Math.abs(wantGw) + 1e-6, `${device} weight grad: ${gw}, want ${wantGw}`);
    }
  }
});

test("layerNorm of a row whose sum overflows float32 (values near 3e38): float64's values on cpu and wasm", async () => {
  // the C kernels' float lanes overflow here (the mean's sum, then the squares'): both are summed
  // again in float64
  const n = 32, row = Array.from({ length: n }, (_, i) => Math.fround(3e38 * (1 + 0.01 * Math.sin(i))));
  const mu = row.reduce((p, q) => p + q) / n, sd = Math.sqrt(row.reduce((p, q) => p + (q - mu) ** 2, 0) / n + 1e-5);
  for (const device of availableDevices().filter((d) => d === "cpu" || d === "wasm")) {
    const y = Array.from(await F.layerNorm(f32(row, [1, n], device), [n], null, null, 1e-5).toTypedArrayAsync());
    for (let i = 0; i < n; i++) assert.ok(Math.abs(y[i] - (row[i] - mu) / sd) <= 1e-5, `${device}: ${y[i]} against ${(row[i] - mu) / sd} at ${i}`);
  }
});

test("layerNorm's input gradient under an upstream gradient whose row sums overflow float32: float64's on cpu and wasm", async () => {
  // The C kernels sum a row in float lanes and again in float64 when a float sum overflows (here
  // Σ g ≈ 1e39): the gradient is finite, ~1e37, where float32 sums give NaN (inf − inf).
  const n = 32, row = Array.from({ length: n }, (_, i) => Math.fround(Math.sin(i) * 3));
  const up = Array.from({ length: n }, (_, i) => Math.fround(3e37 * (1 + 0.5 * Math.cos(i))));
  const x64 = Tensor.from(Float64Array.from(row), { shape: [1, n], dtype: "float64", device: "js", requiresGrad: true });
  F.layerNorm(x64, [n], null, null, 1e-5).backward(Tensor.from(Float64Array.from(up), { shape: [1, n], dtype: "float64", device: "js" }));
  const want = Array.from(x64.grad!.toTypedArray()), scale = Math.max(...want.map(Math.abs));
  for (const device of availableDevices().filter((d) => d === "cpu" || d === "wasm")) {
    const x = f32(row, [1, n], device, true);
    F.layerNorm(x, [n], null, null, 1e-5).backward(f32(up, [1, n], device));
    const got = Array.from(await x.grad!.toTypedArrayAsync());
    for (let i = 0; i < n; i++) assert.ok(Math.abs(got[i] - want[i]) <= 1e-5 * scale, `${device}: ${got[i]} against ${want[i]} at ${i}`);
  }
});

test("batchNorm, groupNorm and instanceNorm of channels of nearly equal values match float64 on every device", async () => {
  // The composite centred on the float mean alone: its last bit times 1/sqrt(eps) (~316) was noise,
  // and js (which rounds a multi-dim sum per run) and the C kernels (once) gave different noise.
  // The fuzzer's case: 12 values per channel, all within two ulps of -1.675.
  const base = [-1.6749999523162842, -1.6750001907348633, -1.6749998331069946, -1.6749999523162842];
  const vals = Array.from({ length: 4 * 6 * 3 }, (_, i) => base[(i * 7 + (i >> 3)) % 4] * (1 + ((i / 3) | 0) % 6));
  const run = (x: Tensor) => [F.batchNorm(x, null, null, { training: true }), F.groupNorm(x, 2), F.instanceNorm(x)];
  const want = run(Tensor.from(Float64Array.from(vals, Math.fround), { shape: [4, 6, 3], dtype: "float64", device: "js" })).map((t) => Array.from(t.toTypedArray()));
  for (const device of availableDevices()) {
    const got = run(f32(vals, [4, 6, 3], device));
    for (const [k, t] of got.entries()) {
      const g = await t.toTypedArrayAsync();
      g.forEach((v, i) => assert.ok(Math.abs(v - want[k][i]) < 2e-5, `${device} ${["batchNorm", "groupNorm", "instanceNorm"][k]}[${i}]: ${v} vs float64 ${want[k][i]}`));
    }
  }
});

test("a sum over several dims with the innermost reduced rounds once, alike on every device", async () => {
  // The fuzzer's batchNorm channel: 12 floats whose exact sum, -20.09999942779541, is the midpoint
  // of two floats. js rounded its slot after each run of the innermost dim (-20.100000381); the C
  // kernels keep it in double and round once, to even (-20.099998474), and so does js now.
  const v = [-1.6749999523162842, -1.6750001907348633, -1.6749999523162842, -1.6749999523162842, -1.6749999523162842, -1.6749999523162842,
    -1.6749999523162842, -1.6749998331069946, -1.6749999523162842, -1.6749998331069946, -1.6749999523162842, -1.6749999523162842];
  // [4, 2, 3]: channel 0 holds them, channel 1 ones (two slots: not the one-slot flat sum)
  const x0 = Array.from({ length: 24 }, (_, i) => (Math.floor(i / 3) % 2 === 0 ? v[Math.floor(i / 6) * 3 + (i % 3)] : 1));
  for (const device of availableDevices()) {
    const x = f32(x0, [4, 2, 3], device);
    assert.deepEqual(Array.from(await x.sum([0, 2]).toTypedArrayAsync()), [-20.099998474121094, 12], device);
    assert.deepEqual(Array.from(await x.mean([0, 2]).toTypedArrayAsync()), [Math.fround(-20.099998474121094 / 12), 1], device);
  }
});

test("attention over one key with a score near -1e30: softmax of one entry is 1 on every device, not NaN", async () => {
  // The C forward took exp(fma(score, scale, -max)): the rounding residue of score·scale (up to
  // 2^74 there) went through exp to 0, and the row's sum 0 gave 0/0. PyTorch's math path: v.
  for (const device of availableDevices()) {
    for (const big of [-3.4028234663852886e38, -1e30]) {
      for (const isCausal of [true, false]) {
        const y = F.scaledDotProductAttention(f32([1.253, big], [1, 1, 1, 2], device), f32([1.475, 0.633], [1, 1, 1, 2], device),
          f32([0.997, -2.05, -0.699, 0.974], [1, 1, 1, 4], device), { isCausal });
        assert.deepEqual(Array.from(await y.toTypedArrayAsync()), [0.997, -2.05, -0.699, 0.974].map(Math.fround), `${device} ${big} ${isCausal}`);
      }
    }
  }
});

test("layerNorm's input gradient under an infinite upstream gradient: that row NaN on every device, as PyTorch", async () => {
  // Its true value is inf − inf. PyTorch 1.13 (x [[0.3, -1.2, 2], [1, 2, 4]], w [1.5, -0.5, 2],
  // g [[1, inf, 1], [0.5, -1, 2]]): [[nan, nan, nan], [0.4582, -0.6872, 0.2291]]; the C and WGSL
  // kernels gave ±inf in some entries. (Eight rows, so the C kernels run, not the tiny-op path.)
  for (const device of availableDevices()) {
    const x = f32([0.3, -1.2, 2, 1, 2, 4].concat(new Array(18).fill(0).map((_, i) => i % 5)), [8, 3], device, true);
    F.layerNorm(x, [3], f32([1.5, -0.5, 2], [3], device)).backward(f32([1, Infinity, 1, 0.5, -1, 2].concat(new Array(18).fill(1)), [8, 3], device));
    const g = Array.from(await x.grad!.toTypedArrayAsync()).slice(0, 6);
    assert.ok(g.slice(0, 3).every(Number.isNaN), `${device}: ${g}`);
    [0.4582, -0.6872, 0.2291].forEach((v, i) => assert.ok(Math.abs(g[3 + i] - v) < 2e-4, `${device}: ${g}`));
  }
});

test("a NaN stays NaN through norm (every p), pairwiseDistance, cosineSimilarity and binaryCrossEntropy", async () => {
  // The p-th root skipped sums that were not > 0, and NaN > 0 is false: a row holding a NaN had a
  // 2-norm of 0 (PyTorch: NaN); binaryCrossEntropy's clamped log gave -100 for a NaN or negative
  // probability, a finite loss (PyTorch refuses input outside [0, 1]). Found by probing with specials.
  for (const device of availableDevices()) {
    const x = f32([NaN, 1, -1, 2, 0, 0, 3, 4], [2, 4], device);
    for (const p of [2, 1, 3, 0.5, Infinity]) {
      const n = Array.from(await x.norm(p, { dim: 1 }).toTypedArrayAsync());
      assert.ok(Number.isNaN(n[0]), `${device} norm p=${p}: ${n}`);
      assert.ok(Math.abs(n[1] - (p === Infinity ? 4 : (3 ** p + 4 ** p) ** (1 / p))) < 1e-4, `${device} norm p=${p}: ${n}`);
    }
    const y = f32([0, 1, -1, 2, 0, 0, 3, 4], [2, 4], device);
    const d = Array.from(await F.pairwiseDistance(x, y).toTypedArrayAsync());
    assert.ok(Number.isNaN(d[0]) && Math.abs(d[1] - 2e-6) < 1e-8, `${device} pairwiseDistance: ${d}`);
    const c = Array.from(await F.cosineSimilarity(x, y).toTypedArrayAsync());
    assert.ok(Number.isNaN(c[0]) && Math.abs(c[1] - 1) < 1e-6, `${device} cosineSimilarity: ${c}`);
    const probs = f32([NaN, -0.5, 1.5, 0, 1, 0.25], [6], device), target = f32([1, 1, 0, 0, 1, 1], [6], device);
    const l = Array.from(await F.binaryCrossEntropy(probs, target, { reduction: "none" }).toTypedArrayAsync());
    assert.ok(l.slice(0, 3).every(Number.isNaN), `${device} binaryCrossEntropy: ${l}`);
    assert.ok(l[3] === 0 && l[4] === 0, `${device} binaryCrossEntropy: ${l}`);
    assert.ok(Math.abs(l[5] - Math.log(4)) < 1e-6, `${device} binaryCrossEntropy: ${l}`);
  }
});

test("adaptive average pooling keeps an inf or NaN in its own windows", async () => {
  // Unequal windows went through a product with an averaging matrix, whose zeros met the inf: 0·inf
  // made every window of the row NaN. Found by probing with specials.
  for (const device of availableDevices()) {
    const x = f32([Infinity, 1, 2, 3, 4, 5, 6, NaN, 8, 9], [1, 2, 5], device);
    // windows of 5 → 3: [0, 2), [1, 4), [3, 5)
    const y = Array.from(await F.adaptiveAvgPool1d(x, 3).toTypedArrayAsync());
    assert.deepEqual(y.map(String), ["Infinity", "2", "3.5", "5.5", "NaN", "8.5"], `${device} adaptiveAvgPool1d: ${y}`);
    const z = Array.from(await F.adaptiveAvgPool2d(x.reshape([1, 1, 2, 5]), [1, 3]).toTypedArrayAsync());
    assert.deepEqual(z.map(String), ["Infinity", "NaN", "6"], `${device} adaptiveAvgPool2d: ${z}`);
    const w = Array.from(await F.adaptiveAvgPool2d(f32([1, 2, 3, 4, Infinity, 6, 7, 8, 9], [1, 1, 3, 3], device), [2, 2]).toTypedArrayAsync());
    assert.deepEqual(w.map(String), ["Infinity", "Infinity", "Infinity", "Infinity"], `${device} adaptiveAvgPool2d 3x3: ${w}`);
    const v = Array.from(await F.adaptiveAvgPool2d(f32([Infinity, 2, 3, 4, 5, 6, 7, 8, 9], [1, 1, 3, 3], device), [2, 2]).toTypedArrayAsync());
    assert.deepEqual(v.map(String), ["Infinity", "4", "6", "7"], `${device} adaptiveAvgPool2d corner: ${v}`);
  }
});

test("bilinear interpolation next to an inf gives inf, as PyTorch's (1 − λ)·a + λ·b does", async () => {
  // a + (b − a)·λ made inf − inf = NaN beside an inf input. Found by probing with specials; the
  // first expectation is PyTorch 1.13's output (NaN where the inf has weight 0: 0·inf)
  for (const device of availableDevices()) {
    const x = f32([1, Infinity, 3, 4, 5, 6], [1, 1, 2, 3], device);
    const y = Array.from(await F.interpolate(x, { scaleFactor: 2, mode: "bilinear" }).toTypedArrayAsync());
    const inf = Infinity;
    assert.deepEqual(y, [NaN, inf, inf, inf, inf, 3, NaN, inf, inf, inf, inf, 3.75, NaN, inf, inf, inf, inf, 5.25, 4, 4.25, 4.75, 5.25, 5.75, 6], device);
    const z = Array.from(await F.interpolate(x, { size: [2, 5], mode: "bilinear", alignCorners: true }).toTypedArrayAsync());
    assert.deepEqual(z.slice(1), [inf, inf, inf, 3, 4, 4.5, 5, 5.5, 6], device);
  }
});
