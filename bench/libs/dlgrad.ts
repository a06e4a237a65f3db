// dlgrad on one of its devices ("cpu": the native addon, "wasm": the same C kernels compiled to
// WebAssembly, one thread, "js": plain TypeScript, "webgpu": the GPU through WebGPU), through its
// public API. On webgpu a cell's run resolves when the device is done.
import * as fs from "node:fs";
import type { Cell, RunRequest } from "../common.js";
import { GPT, MNIST_BATCHES, MNIST_BATCH, parseMnistBatches } from "../common.js";
import { Tensor, nn, optim, availableDevices, setDefaultDevice, manualSeed, initDevice, webgpu } from "../../src/node.js";
import { Gpt } from "../gpt.js";
import type { LibImpl, Prepared } from "./types.js";

/** One STREAM-add run over arrays of `floats` floats on the addon's threads, in GB/s (the size
 *  run.ts's measureMachine uses). */
async function cpuStream(floats: number): Promise<(() => number) | undefined> {
  const url = new URL("../../src/backend/native.js", import.meta.url).href;
  const native = (await import(url)) as { nativeStreamGBs?: (floats: number, reps: number) => number | null };
  const f = native.nativeStreamGBs;
  return f && f(1024, 1) !== null ? () => f(floats, 1)! : undefined;
}

export function dlgrad(device: "cpu" | "wasm" | "js" | "webgpu"): LibImpl {
  const gpu = device === "webgpu";
  /** The op's result once the device has run it (host devices: at once). */
  const done = (r: unknown): unknown => (gpu ? webgpu.synchronize() : r);
  const value = (t: Tensor): number | Promise<number> => (gpu ? t.itemAsync() : t.item());
  return {
    async init() {
      let desc = "";
      if (gpu) {
        try {
          desc = `adapter ${(await initDevice("webgpu"))!.name}`;
        } catch (e) {
          return `device 'webgpu' is not available: ${e instanceof Error ? e.message : String(e)}`;
        }
      }
      if (device === "cpu") {
        // The addon registers "cpu" when src/backend/native.ts is imported; until the public index
        // imports it, load it here (a no-op once the index does). A string specifier keeps tsc
        // from depending on that file.
        const url = new URL("../../src/backend/native.js", import.meta.url).href;
        const native = (await import(url).catch(() => null)) as { nativeInfo?: () => { description: string } } | null;
        desc = native?.nativeInfo?.().description ?? "";
      }
      if (device === "wasm") {
        const url = new URL("../../src/backend/wasm.js", import.meta.url).href;
        const wasm = (await import(url).catch(() => null)) as { wasmInfo?: () => { description: string } } | null;
        desc = wasm?.wasmInfo?.().description ?? "";
      }
      if (!availableDevices().includes(device)) {
        return device === "cpu"
          ? "device 'cpu' is not available (the native addon build/Release/dlgrad.node did not load)"
          : `device '${device}' is not available (have ${availableDevices().join(", ")})`;
      }
      setDefaultDevice(device);
      const pkg = JSON.parse(fs.readFileSync(new URL("../../../package.json", import.meta.url), "utf8")) as { version: string };
      return { version: `${pkg.version} (${device}${desc ? `: ${desc}` : ""})` };
    },

    async prepare(cell: Cell, req: RunRequest): Promise<Prepared | string> {
      manualSeed(0);
      switch (cell.workload) {
        case "W1": {
          const a = Tensor.randn([cell.n!, cell.n!]), b = Tensor.randn([cell.n!, cell.n!]);
          return { run: () => done(a.matmul(b)) };
        }
        case "W2":
        case "W3": {
          const a = Tensor.randn([4096, 4096]), b = Tensor.randn([4096, 4096]);
          const fns: Record<string, () => unknown> = {
            "W2.add": () => done(a.add(b)),
            "W2.exp": () => done(a.exp()),
            "W3.sum": () => value(a.sum()),
            "W3.sum-1": () => done(a.sum(-1)),
          };
          // on cpu, the bandwidth limit measured between the timed runs (RunResult.streamGBs):
          // the host's bandwidth moves within seconds, so only a side-by-side measurement is a
          // fair reference for a fraction of it
          const stream = device === "cpu" && cell.bytes ? await cpuStream(1 << 24) : undefined;
          return { run: fns[cell.id], stream };
        }
        case "W4": {
          if (cell.id === "W4.tiny-add") {
            const a = Tensor.rand([2, 3]), b = Tensor.rand([2, 3]);
            return { run: () => done(a.add(b)) };
          }
          if (cell.id === "W4.tiny-fwdbwd") {
            const a = Tensor.rand([2, 3], { requiresGrad: true }), b = Tensor.rand([2, 3], { requiresGrad: true });
            return { run: () => done(a.mul(b).sum().backward()) };
          }
          const { images, labels } = parseMnistBatches(fs.readFileSync(req.mnist));
          const xs: Tensor[] = [], ys: Tensor[] = [];
          for (let i = 0; i < MNIST_BATCHES; i++) {
            xs.push(Tensor.from(images.slice(i * MNIST_BATCH * 784, (i + 1) * MNIST_BATCH * 784), { shape: [MNIST_BATCH, 784] }));
            ys.push(Tensor.from(labels.slice(i * MNIST_BATCH, (i + 1) * MNIST_BATCH), { shape: [MNIST_BATCH], dtype: "int32" }));
          }
          const model = new nn.Sequential(new nn.Linear(784, 64), new nn.ReLU(), new nn.Linear(64, 10));
          const opt = new optim.Adam(model.parameters(), { lr: 1e-3 });
          let step = 0;
          return {
            run: () => {
              const i = step++ % MNIST_BATCHES;
              opt.zeroGrad();
              const loss = model.forward(xs[i]).crossEntropy(ys[i]);
              loss.backward();
              opt.step();
              return value(loss);
            },
          };
        }
        case "W5": {
          const model = new Gpt(GPT, { fusedAttention: cell.id === "W5.gpt-step-sdpa" });
          const opt = new optim.AdamW(model.parameters(), { lr: GPT.lr });
          const idx = Tensor.randint(0, GPT.vocab, [GPT.batch, GPT.ctx], { dtype: "int32" });
          const tgt = Tensor.randint(0, GPT.vocab, [GPT.batch, GPT.ctx], { dtype: "int32" });
          return {
            run: () => {
              opt.zeroGrad();
              const loss = model.forward(idx, tgt);
              loss.backward();
              opt.step();
              return value(loss);
            },
          };
        }
      }
    },
  };
}
