// The demo page (npm run web): trains an MLP on the bundled MNIST digits in the page with a live
// loss/accuracy plot and a progress bar, then classifies digits drawn on a canvas.
// URL parameters: ?device=wasm|js|webgpu (default: the fastest available), ?epochs=N (default 5),
// ?steps=N (stop after N training steps; for the webgpu browser test on a software adapter).
// The state is on window.dlgradDemo for the browser test (test/browser.test.ts).
import {
  Tensor, nn, optim, data, noGrad, manualSeed, availableDevices, setDefaultDevice, initDevice, saveAsync,
} from "../src/index.js";
import { wasmInfo } from "../src/backend/wasm.js";

const BATCH = 128;
const LR = 1e-3;
const EVAL_EVERY = 21; // steps between test-accuracy points (an epoch is 63 steps)
const FRAME_MS = 30; // training work between two yields to the browser, so the page stays responsive

/** What the page exposes to the browser test. */
interface DemoState {
  device: string;
  state: "loading" | "training" | "done" | "error";
  step: number;
  totalSteps: number;
  losses: number[];
  accuracy: { step: number; acc: number }[];
  msPerStep: number;
  error: string | null;
  /** Resolves when the current training run ends (rejects on error). */
  finished: Promise<void>;
  /** Class probabilities of 784 pixels in [0, 1] (row-major 28×28, white digit on black). */
  predict(pixels: ArrayLike<number>): Promise<number[]>;
}

const $ = <E extends HTMLElement>(id: string) => document.getElementById(id) as E;
const params = new URLSearchParams(location.search);

/**
 * The fastest device this page has, or the one asked for: webgpu when the browser gives an adapter
 * (it has to be started, asynchronously), else wasm, else js (cpu is Node's addon, never here).
 */
async function pickDevice(): Promise<string> {
  const asked = params.get("device");
  if ((asked === null || asked === "webgpu") && "gpu" in navigator) {
    try {
      await initDevice("webgpu");
    } catch (e) {
      if (asked === "webgpu") throw e;
      console.info(`dlgrad demo: no webgpu (${(e as Error).message}); using the next device`);
    }
  }
  const have = availableDevices();
  if (asked !== null) {
    if (!have.includes(asked)) throw new Error(`device '${asked}' is not available here (have ${have.join(", ")})`);
    return asked;
  }
  return ["webgpu", "wasm", "js"].find((d) => have.includes(d)) ?? have[0];
}

function epochsParam(): number {
  const e = Number(params.get("epochs") ?? 5);
  if (!Number.isInteger(e) || e < 1 || e > 100) throw new Error(`?epochs must be an integer from 1 to 100, got ${params.get("epochs")}`);
  return e;
}

/** ?steps=N: the most training steps to run (default: all of the epochs'). */
function stepsParam(): number {
  const v = params.get("steps");
  const n = Number(v ?? Infinity);
  if (v !== null && (!Number.isInteger(n) || n < 1)) throw new Error(`?steps must be a positive integer, got ${v}`);
  return n;
}

const yieldToBrowser = () => new Promise<void>((r) => setTimeout(r, 0));

// ---- the plot -----------------------------------------------------------------------------------

function drawPlot(s: DemoState): void {
  const canvas = $<HTMLCanvasElement>("plot");
  const dpr = window.devicePixelRatio || 1;
  const W = 560, H = 280;
  if (canvas.width !== W * dpr) {
    canvas.width = W * dpr;
    canvas.height = H * dpr;
  }
  const g = canvas.getContext("2d")!;
  g.setTransform(dpr, 0, 0, dpr, 0, 0);
  g.clearRect(0, 0, W, H);
  const L = 44, R = 48, T = 10, B = 38, pw = W - L - R, ph = H - T - B;
  const maxLoss = Math.ceil(Math.max(2.5, ...s.losses.slice(0, 5)) * 2) / 2; // a multiple of 0.5: round ticks
  const xs = (step: number) => L + (pw * step) / Math.max(1, s.totalSteps);
  const yl = (loss: number) => T + ph * (1 - Math.min(loss, maxLoss) / maxLoss);
  const ya = (acc: number) => T + ph * (1 - acc);

  g.font = "11px system-ui, sans-serif";
  g.lineWidth = 1;
  for (let i = 0; i <= 5; i++) {
    const y = T + (ph * i) / 5;
    g.strokeStyle = "#e5e7eb";
    g.beginPath();
    g.moveTo(L, y);
    g.lineTo(L + pw, y);
    g.stroke();
    g.fillStyle = "#2563eb";
    g.textAlign = "right";
    g.fillText((maxLoss * (1 - i / 5)).toFixed(1), L - 6, y + 4);
    g.fillStyle = "#ea580c";
    g.textAlign = "left";
    g.fillText(`${100 - 20 * i} %`, L + pw + 6, y + 4);
  }
  g.fillStyle = "#6b7280";
  g.textAlign = "center";
  g.fillText("training step", L + pw / 2, H - 4);
  for (let i = 0; i <= 5; i++) g.fillText(String(Math.round((s.totalSteps * i) / 5)), xs((s.totalSteps * i) / 5), T + ph + 14);

  const line = (pts: [number, number][], color: string, width: number) => {
    if (pts.length === 0) return;
    g.strokeStyle = color;
    g.lineWidth = width;
    g.beginPath();
    pts.forEach(([x, y], i) => (i ? g.lineTo(x, y) : g.moveTo(x, y)));
    g.stroke();
  };
  line(s.losses.map((l, i) => [xs(i + 1), yl(l)]), "#93c5fd", 1);
  let mean = s.losses[0] ?? 0;
  line(s.losses.map((l, i) => [xs(i + 1), yl((mean = i === 0 ? l : 0.9 * mean + 0.1 * l))]), "#2563eb", 2);
  line(s.accuracy.map((a) => [xs(a.step), ya(a.acc)]), "#ea580c", 2);
  g.fillStyle = "#ea580c";
  for (const a of s.accuracy) g.fillRect(xs(a.step) - 2, ya(a.acc) - 2, 4, 4);
}

// ---- training -----------------------------------------------------------------------------------

let model: nn.Sequential | null = null;

async function train(s: DemoState, epochs: number): Promise<void> {
  const status = $("status"), progress = $<HTMLProgressElement>("progress");
  status.textContent = "loading the digits…";
  await yieldToBrowser();
  const d = data.mnist(); // the digits bundled with dlgrad: 7,996 train, 2,004 test
  manualSeed(0);
  const net = new nn.Sequential(new nn.Linear(784, 64), new nn.ReLU(), new nn.Linear(64, 10));
  model = net;
  const opt = new optim.Adam(net.parameters(), { lr: LR });
  const loader = new data.DataLoader([d.trainImages, d.trainLabels], { batchSize: BATCH, shuffle: true, seed: 0 });
  const testAccuracy = () =>
    noGrad(() => net.forward(d.testImages).argmax(-1).eq(d.testLabels).float().mean()).itemAsync();

  Object.assign(s, { state: "training", step: 0, totalSteps: Math.min(epochs * loader.length, stepsParam()), losses: [], accuracy: [], msPerStep: 0 });
  let stepMs = 0, frameStart = performance.now();
  for (let epoch = 1; epoch <= epochs && s.step < s.totalSteps; epoch++) {
    for (const [x, y] of loader) {
      if (s.step === s.totalSteps) break; // ?steps ended the run early
      const t0 = performance.now();
      opt.zeroGrad();
      const loss = net.forward(x).crossEntropy(y);
      loss.backward();
      opt.step();
      s.losses.push(await loss.itemAsync());
      stepMs += performance.now() - t0;
      s.step++;
      s.msPerStep = stepMs / s.step;
      if (s.step % EVAL_EVERY === 0 || s.step === s.totalSteps) s.accuracy.push({ step: s.step, acc: await testAccuracy() });
      if (performance.now() - frameStart > FRAME_MS || s.step === s.totalSteps) {
        const acc = s.accuracy.at(-1);
        progress.value = s.step / s.totalSteps;
        status.textContent = `epoch ${epoch}/${epochs} · step ${s.step}/${s.totalSteps} · loss ${s.losses.at(-1)!.toFixed(3)}` +
          (acc ? ` · test accuracy ${(acc.acc * 100).toFixed(1)} %` : "") + ` · ${s.msPerStep.toFixed(1)} ms/step`;
        drawPlot(s);
        await yieldToBrowser();
        frameStart = performance.now();
      }
    }
  }
  s.state = "done";
  status.textContent = `done: ${s.totalSteps} steps in ${(stepMs / 1000).toFixed(1)} s (${s.msPerStep.toFixed(1)} ms/step), ` +
    `test accuracy ${(s.accuracy.at(-1)!.acc * 100).toFixed(1)} %. Draw a digit!`;
}

// ---- drawing and predicting ---------------------------------------------------------------------

async function predict(pixels: ArrayLike<number>): Promise<number[]> {
  if (!model) throw new Error("predict: the model has not been built yet");
  if (pixels.length !== 784) throw new Error(`predict: expected 784 pixels (28×28), got ${pixels.length}`);
  const net = model;
  const probs = noGrad(() => net.forward(Tensor.from(Float32Array.from(pixels), { shape: [1, 784] })).softmax(-1));
  return Array.from(await probs.toTypedArrayAsync());
}

/**
 * The pad's ink as MNIST prepares a digit: the bounding box scaled to fit 20×20 (aspect kept),
 * then placed in 28×28 with its centre of mass at the centre. Null when the pad is empty.
 */
function padToMnist(pad: HTMLCanvasElement): Float32Array | null {
  const { width: w, height: h } = pad;
  const src = pad.getContext("2d")!.getImageData(0, 0, w, h).data;
  let x0 = w, y0 = h, x1 = -1, y1 = -1, mass = 0, mx = 0, my = 0;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const v = src[4 * (y * w + x)] / 255;
      if (v < 0.05) continue;
      x0 = Math.min(x0, x); x1 = Math.max(x1, x); y0 = Math.min(y0, y); y1 = Math.max(y1, y);
      mass += v; mx += v * x; my += v * y;
    }
  }
  if (x1 < 0) return null;
  const scale = 20 / Math.max(x1 - x0 + 1, y1 - y0 + 1);
  const small = document.createElement("canvas");
  small.width = small.height = 28;
  const g = small.getContext("2d")!;
  g.fillStyle = "#000";
  g.fillRect(0, 0, 28, 28);
  g.imageSmoothingEnabled = true;
  g.imageSmoothingQuality = "high";
  // the centre of mass (pad coordinates) lands on (14, 14)
  g.setTransform(scale, 0, 0, scale, 14 - (mx / mass) * scale, 14 - (my / mass) * scale);
  g.drawImage(pad, 0, 0);
  const px = g.getImageData(0, 0, 28, 28).data;
  return Float32Array.from({ length: 784 }, (_, i) => px[4 * i] / 255);
}

function showPixels(pixels: Float32Array | null): void {
  const g = $<HTMLCanvasElement>("preview").getContext("2d")!;
  const img = g.createImageData(28, 28);
  for (let i = 0; i < 784; i++) {
    const v = pixels ? Math.round(pixels[i] * 255) : 0;
    img.data.set([v, v, v, 255], 4 * i);
  }
  g.putImageData(img, 0, 0);
}

function showProbabilities(p: number[] | null): void {
  const bars = $("bars");
  bars.replaceChildren();
  const best = p ? p.indexOf(Math.max(...p)) : -1;
  for (let k = 0; k < 10; k++) {
    const label = document.createElement("span"), bar = document.createElement("div"), pct = document.createElement("span");
    label.textContent = String(k);
    bar.className = k === best ? "bar top" : "bar";
    const fill = document.createElement("i");
    fill.style.width = `${p ? (p[k] * 100).toFixed(1) : 0}%`;
    bar.append(fill);
    pct.textContent = p ? `${(p[k] * 100).toFixed(1)} %` : "";
    bars.append(label, bar, pct);
  }
  $("guess").textContent = best < 0 ? "–" : String(best);
  $("guess-p").textContent = best < 0 ? "" : `${(p![best] * 100).toFixed(0)} % sure`;
}

function setupPad(): void {
  const pad = $<HTMLCanvasElement>("pad");
  const g = pad.getContext("2d", { willReadFrequently: true })!;
  const clear = () => {
    g.fillStyle = "#000";
    g.fillRect(0, 0, pad.width, pad.height);
    showPixels(null);
    showProbabilities(null);
  };
  let last: [number, number] | null = null, pending = false;
  const at = (e: PointerEvent): [number, number] => {
    const r = pad.getBoundingClientRect();
    return [((e.clientX - r.left) * pad.width) / r.width, ((e.clientY - r.top) * pad.height) / r.height];
  };
  const update = async () => {
    if (pending || !model) return; // one prediction at a time; the next move asks again
    pending = true;
    try {
      const px = padToMnist(pad);
      showPixels(px);
      showProbabilities(px ? await predict(px) : null);
    } finally {
      pending = false;
    }
  };
  pad.addEventListener("pointerdown", (e) => {
    pad.setPointerCapture(e.pointerId);
    last = at(e);
    g.fillStyle = "#fff";
    g.beginPath();
    g.arc(last[0], last[1], 10, 0, 2 * Math.PI);
    g.fill();
  });
  pad.addEventListener("pointermove", (e) => {
    if (!last) return;
    const p = at(e);
    Object.assign(g, { strokeStyle: "#fff", lineWidth: 20, lineCap: "round", lineJoin: "round" });
    g.beginPath();
    g.moveTo(...last);
    g.lineTo(...p);
    g.stroke();
    last = p;
    void update();
  });
  const end = () => {
    if (!last) return;
    last = null;
    void update();
  };
  pad.addEventListener("pointerup", end);
  pad.addEventListener("pointercancel", end);
  $("clear").addEventListener("click", clear);
  clear();
}

// ---- start --------------------------------------------------------------------------------------

function start(): void {
  const s: DemoState = {
    device: "", state: "loading", step: 0, totalSteps: 0, losses: [], accuracy: [], msPerStep: 0, error: null,
    finished: Promise.resolve(), predict,
  };
  (window as unknown as { dlgradDemo: DemoState }).dlgradDemo = s;
  $("isolation").textContent = crossOriginIsolated ? "cross-origin isolated (SharedArrayBuffer available)" : "not cross-origin isolated";
  setupPad();
  const retrain = $<HTMLButtonElement>("retrain"), download = $<HTMLButtonElement>("download");
  // the weights as a safetensors file (PyTorch's nn.Sequential names: 0.weight, 0.bias, 2.weight, 2.bias);
  // saveAsync, as the model may be on webgpu, whose memory is read with the async form
  download.addEventListener("click", async () => {
    if (!model) return;
    const a = document.createElement("a");
    a.href = URL.createObjectURL(new Blob([(await saveAsync(model)) as Uint8Array<ArrayBuffer>], { type: "application/octet-stream" }));
    a.download = "mnist-mlp.safetensors";
    a.click();
    setTimeout(() => URL.revokeObjectURL(a.href), 1000);
  });
  const run = () => {
    retrain.disabled = download.disabled = true;
    s.finished = (async () => {
      try {
        const epochs = epochsParam();
        s.device = await pickDevice();
        setDefaultDevice(s.device);
        $("device").textContent = s.device;
        $("device-info").textContent = s.device === "wasm" ? ` (${wasmInfo().description})` : "";
        await train(s, epochs);
      } catch (e) {
        s.state = "error";
        s.error = String((e as Error)?.message ?? e);
        $("status").className = "error";
        $("status").textContent = `error: ${s.error}`;
        throw e;
      } finally {
        retrain.disabled = false;
        download.disabled = s.state !== "done";
      }
    })();
    s.finished.catch(() => {}); // shown on the page; the test reads s.error
  };
  retrain.addEventListener("click", run);
  run();
}

start();
