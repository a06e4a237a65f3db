// npm run bench:gpu: the webgpu device on a real GPU. Prints the adapter, the GPU's float32 peak as
// a WGSL FMA loop measures it, matmul 4096² GFLOP/s for each matmul kernel (and as a fraction of that
// peak), and W5's GPT training step (bench/gpt.ts, batch 16, AdamW, the loss read every step) with
// the hand-written and the fused attention. bench/gpu_torch.py measures PyTorch CUDA on the same
// machine; bench/gpu-device.sh runs both there.
//
//   npm run bench:gpu -- [--json FILE] [--steps N] [--quick]
import * as fs from "node:fs";
import { Tensor, initDevice, manualSeed, optim, setDefaultDevice, webgpu } from "../src/node.js";
import { gpuDevice, setMatmulTuning } from "../src/backend/webgpu/index.js";
import { GPT, median } from "./common.js";
import { Gpt } from "./gpt.js";

const argv = process.argv.slice(2);
const opt = (name: string): string | undefined => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};
const quick = argv.includes("--quick");
const steps = Number(opt("--steps") ?? (quick ? 5 : 40));
const out: Record<string, unknown> = {};
const log = (s: string) => console.log(s);

const adapter = await initDevice("webgpu");
out.adapter = adapter;
const device = gpuDevice();
log(`adapter: ${JSON.stringify(adapter)}`);
log(`limits: workgroup storage ${device.limits.maxComputeWorkgroupStorageSize} B, invocations ${device.limits.maxComputeInvocationsPerWorkgroup}`);

/** ms of the work `enqueue` encodes, from submission to done, median of reps. */
async function timeGpu(enqueue: () => void, reps: number): Promise<number> {
  enqueue();
  await webgpu.synchronize();
  const ts: number[] = [];
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    enqueue();
    await webgpu.synchronize();
    ts.push(performance.now() - t0);
  }
  return median(ts);
}

// ---- float32 peak: each thread runs 8 independent vec4 FMA chains in registers -----------------
{
  const iters = quick ? 256 : 4096, groups = 8192;
  const module = device.createShaderModule({
    code: /* wgsl */ `
@group(0) @binding(0) var<storage, read_write> sink: array<f32>;
@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) g: vec3<u32>) {
  let s = f32(g.x) * 1e-9;
  var a0 = vec4<f32>(s); var a1 = a0 + 1.0; var a2 = a0 + 2.0; var a3 = a0 + 3.0;
  var a4 = a0 + 4.0; var a5 = a0 + 5.0; var a6 = a0 + 6.0; var a7 = a0 + 7.0;
  let m = vec4<f32>(0.999999); let c = vec4<f32>(1e-7);
  for (var i = 0u; i < ${iters}u; i++) {
    a0 = fma(a0, m, c); a1 = fma(a1, m, c); a2 = fma(a2, m, c); a3 = fma(a3, m, c);
    a4 = fma(a4, m, c); a5 = fma(a5, m, c); a6 = fma(a6, m, c); a7 = fma(a7, m, c);
  }
  // every lane of every chain feeds the test, or the compiler drops the unused ones (a first
  // version read only r.x and r.y and measured twice the real peak)
  let r = dot(a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7, vec4<f32>(1.0));
  if (r == 12345.678) { sink[g.x] = r; } // never true; keeps the loop alive
}`,
  });
  const pipe = device.createComputePipeline({ layout: "auto", compute: { module, entryPoint: "main" } });
  const sink = device.createBuffer({ size: 4 * 256 * groups, usage: 0x80 /* STORAGE */ });
  const bg = device.createBindGroup({ layout: pipe.getBindGroupLayout(0), entries: [{ binding: 0, resource: { buffer: sink } }] });
  const run = async (): Promise<number> => {
    const t0 = performance.now();
    const enc = device.createCommandEncoder();
    const pass = enc.beginComputePass();
    pass.setPipeline(pipe);
    pass.setBindGroup(0, bg);
    for (let k = 0; k < 4; k++) pass.dispatchWorkgroups(groups);
    pass.end();
    device.queue.submit([enc.finish()]);
    await device.queue.onSubmittedWorkDone();
    return performance.now() - t0;
  };
  await run();
  const ts: number[] = [];
  for (let i = 0; i < 5; i++) ts.push(await run());
  const ms = median(ts);
  const flops = 4 * groups * 256 * iters * 8 * 4 * 2;
  out.peakGflops = flops / ms / 1e6;
  log(`float32 peak (WGSL FMA loop): ${(out.peakGflops as number).toFixed(0)} GFLOP/s`);
}
const peak = out.peakGflops as number;

// ---- matmul 4096²: each kernel, then the default one on transposed operands --------------------
setDefaultDevice("webgpu");
manualSeed(0);
{
  const n = quick ? 1024 : 4096;
  const a = Tensor.randn([n, n]), b = Tensor.randn([n, n]);
  const flops = 2 * n ** 3;
  const rows: Record<string, number> = {};
  const tunings: [string, Parameters<typeof setMatmulTuning>[0]][] = [
    ["64×64 tile", { minTiles: Infinity }],
    ["128×128, bk 8", { minTiles: 0, bk: 8, pad: true }],
    ["128×128, bk 16", { minTiles: 0, bk: 16, pad: true }],
    ["128×128, bk 16 unpadded", { minTiles: 0, bk: 16, pad: false }],
    ["128×128, bk 32", { minTiles: 0, bk: 32, pad: true }],
  ];
  for (const [name, t] of tunings) {
    setMatmulTuning(t);
    const ms = await timeGpu(() => { for (let i = 0; i < 4; i++) a.matmul(b); }, quick ? 2 : 7) / 4;
    rows[name] = flops / ms / 1e6;
    log(`matmul ${n}² ${name}: ${rows[name].toFixed(0)} GFLOP/s (${((100 * rows[name]) / peak).toFixed(1)} % of peak)`);
  }
  setMatmulTuning({ minTiles: 128, bk: null, pad: null });
  for (const [name, f] of [["aᵀ·b", () => a.transpose(0, 1).matmul(b)], ["a·bᵀ", () => a.matmul(b.transpose(0, 1))]] as const) {
    const ms = await timeGpu(() => { for (let i = 0; i < 4; i++) f(); }, quick ? 2 : 7) / 4;
    rows[`default ${name}`] = flops / ms / 1e6;
    log(`matmul ${n}² default ${name}: ${rows[`default ${name}`].toFixed(0)} GFLOP/s`);
  }
  out.matmul = { n, gflops: rows };
}

// ---- W5 GPT training step ------------------------------------------------------------------------
const gpt: Record<string, unknown> = {};
for (const fused of [false, true]) {
  for (const [tname, t] of [["default", { minTiles: 128 }], ["64×64 only", { minTiles: Infinity }], ["128×128 always", { minTiles: 0 }]] as const) {
    setMatmulTuning(t);
    manualSeed(0);
    const model = new Gpt(GPT, { fusedAttention: fused });
    const opt = new optim.AdamW(model.parameters(), { lr: GPT.lr });
    const idx = Tensor.randint(0, GPT.vocab, [GPT.batch, GPT.ctx], { dtype: "int32" });
    const tgt = Tensor.randint(0, GPT.vocab, [GPT.batch, GPT.ctx], { dtype: "int32" });
    let encode = 0;
    const step = async (): Promise<number> => {
      const t0 = performance.now();
      opt.zeroGrad();
      const loss = model.forward(idx, tgt);
      loss.backward();
      opt.step();
      encode = performance.now() - t0;
      return loss.itemAsync();
    };
    for (let i = 0; i < 5; i++) await step();
    const d0 = webgpu.memoryStats().dispatches;
    const ts: number[] = [], enc: number[] = [];
    let last = 0;
    for (let i = 0; i < steps; i++) {
      const t0 = performance.now();
      last = await step();
      ts.push(performance.now() - t0);
      enc.push(encode);
    }
    const perStep = (webgpu.memoryStats().dispatches - d0) / steps;
    const name = `${fused ? "fused attention" : "hand-written attention"}, ${tname}`;
    gpt[name] = { ms: median(ts), encodeMs: median(enc), dispatches: perStep, loss: last };
    log(`GPT step (${name}): ${median(ts).toFixed(2)} ms, of which encoding ${median(enc).toFixed(2)} ms; ${perStep.toFixed(0)} dispatches; loss ${last.toFixed(4)}`);
  }
}
setMatmulTuning({ minTiles: 128 });
out.gpt = gpt;
const file = opt("--json");
if (file) fs.writeFileSync(file, JSON.stringify(out, null, 1));
