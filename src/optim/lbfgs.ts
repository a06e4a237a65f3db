// L-BFGS (PyTorch 1.13's torch.optim.LBFGS) with its optional strong-Wolfe line search. The algorithm is
// one generator that yields what it needs from the host (a closure evaluation, or the value of a
// one-element tensor), so the synchronous step() and the asynchronous stepAsync() (webgpu) share it.
import { Tensor } from "../tensor.js";
import { noGrad } from "../graph.js";
import { hostReadable } from "../backend/backend.js";
import { type Args, checkInt, checkScalar, describe, given } from "../functional/args.js";
import { Optimizer, type OptimizerStateDict, type ParamGroup, type ParamState, type ParamsInput, optimizerArgs } from "./optimizer.js";

/** Options of `LBFGS` (PyTorch's keywords in camelCase). */
export interface LBFGSOptions {
  /** learning rate: the step length tried first (default 1) */
  lr?: number;
  /** iterations per `step()` (default 20) */
  maxIter?: number;
  /** closure evaluations per `step()` (default ⌊maxIter·5/4⌋) */
  maxEval?: number | null;
  /** stop when the largest |gradient| is at most this (default 1e-7) */
  toleranceGrad?: number;
  /** stop when the loss or the parameters change less than this (default 1e-9) */
  toleranceChange?: number;
  /** how many past (step, gradient change) pairs approximate the Hessian (default 100) */
  historySize?: number;
  /** null (default): fixed steps of lr; "strong_wolfe": a line search satisfying the strong Wolfe conditions */
  lineSearchFn?: "strong_wolfe" | null;
}

/** LBFGS's hyperparameters (every option filled in). */
export interface LBFGSHyper {
  /** learning rate */
  lr: number;
  /** iterations per step */
  maxIter: number;
  /** closure evaluations per step */
  maxEval: number;
  /** tolerance on the largest |gradient| */
  toleranceGrad: number;
  /** tolerance on the change of loss and parameters */
  toleranceChange: number;
  /** the history's length */
  historySize: number;
  /** the line search, or null */
  lineSearchFn: "strong_wolfe" | null;
}

/** The closure `step` calls: re-evaluates the model, calls `backward()`, and returns the loss. */
export type LBFGSClosure = () => Tensor | number;

const EVAL = Symbol("evaluate the closure");
/** What the algorithm asks of its driver: a closure evaluation, or the value of a one-element tensor. */
type Request = typeof EVAL | Tensor;
type Run<R = void> = Generator<Request, R, number>;

const KEYS = ["lr", "maxIter", "maxEval", "toleranceGrad", "toleranceChange", "historySize", "lineSearchFn"];

/** LBFGS's arguments after params: PyTorch's positional hyperparameters, then an options object. */
type LBFGSArgs = Args<
  [lr: number, maxIter: number, maxEval: number | null, toleranceGrad: number, toleranceChange: number, historySize: number, lineSearchFn: "strong_wolfe" | null],
  LBFGSOptions
>;

/**
 * `torch.optim.LBFGS(params, lr=1, maxIter=20, maxEval=null (⌊maxIter·5/4⌋), toleranceGrad=1e-7,
 * toleranceChange=1e-9, historySize=100, lineSearchFn=null)` (lineSearchFn null or "strong_wolfe"),
 * positional or in an options object: limited-memory BFGS over all the
 * parameters as one flat vector. Each `step(closure)` runs up to maxIter iterations, calling the
 * closure (which must zero the gradients, compute the loss, call `backward()` and return the loss)
 * as often as it needs, and returns the loss of the closure's first call as a number.
 *
 * The algorithm branches on numbers: the loss, dot products and gradient norms are read to the host
 * after the device computes them. `step` reads them synchronously, so it takes parameters on a
 * host-visible device (js, cpu, wasm); on webgpu use `await opt.stepAsync(closure)`, which reads
 * them with awaits (and may be given an async closure). One parameter group only, all on one
 * device with one dtype, as PyTorch. With float32 parameters the directions are computed in float32
 * as PyTorch's, but the line search's arithmetic on the read numbers is in float64 (PyTorch mixes
 * float32 0-d tensors in), so long runs on an ill-conditioned problem may drift from PyTorch's.
 * State (`stateDict`): `state.0.funcEvals`, `nIter`, `t`, `hDiag`, `prevLoss` (float64 0-d),
 * `d`, `prevFlatGrad` ([n]), `oldDirs`, `oldStps` ([k, n]) and `ro` ([k]); n is the parameters' total size.
 * @throws Error for more than one parameter group, parameters on several devices or of several
 * dtypes, a bad option or an unknown one.
 * @example
 * const opt = new optim.LBFGS(model.parameters(), { lineSearchFn: "strong_wolfe" });
 * const closure = () => { opt.zeroGrad(); const loss = lossFn(model.forward(x), y); loss.backward(); return loss; };
 * for (let i = 0; i < 10; i++) opt.step(closure);
 */
export class LBFGS extends Optimizer<LBFGSHyper> {
  #oldDirs: Tensor[] = [];
  #oldStps: Tensor[] = [];
  #ro: number[] = [];

  constructor(params: ParamsInput<LBFGSHyper>, opts?: LBFGSOptions);
  constructor(params: ParamsInput<LBFGSHyper>, ...args: LBFGSArgs);
  constructor(params: ParamsInput<LBFGSHyper>, ...args: unknown[]) {
    const o: LBFGSOptions = optimizerArgs("LBFGS", args, KEYS, 7);
    const maxIter = given(o.maxIter, 20);
    super(params, {
      lr: given(o.lr, 1), maxIter, maxEval: o.maxEval ?? Math.floor((maxIter * 5) / 4), toleranceGrad: given(o.toleranceGrad, 1e-7),
      toleranceChange: given(o.toleranceChange, 1e-9), historySize: given(o.historySize, 100), lineSearchFn: o.lineSearchFn ?? null,
    });
    const ps = this.paramGroups[0].params;
    ps.forEach((p, i) => {
      if (p.device !== ps[0].device || p.dtype !== ps[0].dtype) {
        throw new Error(`LBFGS: all parameters must be on one device with one dtype; params[${i}] is ${p.dtype} on '${p.device}', params[0] ${ps[0].dtype} on '${ps[0].device}'`);
      }
    });
  }

  /**
   * LBFGS has one parameter group (PyTorch: "doesn't support per-parameter options"): this throws
   * once it has one.
   * @throws Error when the optimizer already has its group.
   * @example
   * new optim.LBFGS([{ params: model.parameters(), lr: 0.5 }]); // one group is fine
   */
  override addParamGroup(group: { params: Iterable<Tensor> } & Partial<LBFGSHyper>): void {
    if (this.paramGroups.length > 0) throw new Error("LBFGS: supports one parameter group only (PyTorch's LBFGS has no per-parameter options); pass one list of parameters");
    super.addParamGroup(group);
  }

  protected override validate(g: ParamGroup<LBFGSHyper>): void {
    const op = "LBFGS";
    const nonNeg = (k: "lr" | "toleranceGrad" | "toleranceChange") => checkScalar(op, k, g[k], (x) => x >= 0, "a number >= 0");
    nonNeg("lr");
    checkInt(op, "maxIter", g.maxIter, 1);
    checkInt(op, "maxEval", g.maxEval, 1);
    nonNeg("toleranceGrad");
    nonNeg("toleranceChange");
    checkInt(op, "historySize", g.historySize, 1);
    if (g.lineSearchFn !== null && g.lineSearchFn !== "strong_wolfe") {
      throw new Error(`LBFGS: lineSearchFn must be null or 'strong_wolfe', got ${describe(g.lineSearchFn)}`);
    }
  }

  protected override update(): void {
    // step() is LBFGS's own; the base class's per-parameter loop never runs
    throw new Error("LBFGS: updates all parameters together in step(closure)");
  }

  /**
   * Runs up to maxIter L-BFGS iterations, calling `closure` for the loss and gradients, and returns
   * the loss of its first call (PyTorch returns that tensor; this returns its value). Host-visible
   * devices only (it reads the loss and gradient norms synchronously).
   * @throws Error without a closure, for a closure that returns neither a one-element Tensor nor a
   * number, or for parameters on webgpu (use `stepAsync`).
   * @example
   * const loss = opt.step(() => { opt.zeroGrad(); const l = model.forward(x).sub(y).square().mean(); l.backward(); return l; });
   */
  override step(closure?: LBFGSClosure): number {
    const p0 = this.paramGroups[0].params[0];
    if (!hostReadable(p0.data)) {
      throw new Error(`LBFGS.step: the parameters are on '${p0.device}', whose values cannot be read synchronously; use \`await opt.stepAsync(closure)\``);
    }
    const fn = checkClosure("LBFGS.step", closure);
    let first: number | undefined;
    const run = this.#run();
    for (let r = noGrad(() => run.next()); !r.done;) {
      const v = r.value === EVAL ? lossValue("LBFGS.step", fn()) : r.value.item();
      first ??= v;
      r = noGrad(() => run.next(v));
    }
    this.#stepEnd();
    return first as number;
  }

  /**
   * `step` on every device, webgpu included: the same algorithm, reading the loss and gradient
   * norms with awaits. The closure may be async.
   * @throws Error (a rejected promise) without a closure, or for a closure whose value is neither a one-element Tensor nor a number.
   * @example
   * const loss = await opt.stepAsync(closure);
   */
  async stepAsync(closure: () => Tensor | number | Promise<Tensor | number>): Promise<number> {
    const fn = checkClosure("LBFGS.stepAsync", closure);
    let first: number | undefined;
    const run = this.#run();
    for (let r = noGrad(() => run.next()); !r.done;) {
      const v = r.value === EVAL ? await lossValueAsync(await fn()) : await r.value.itemAsync();
      first ??= v;
      r = noGrad(() => run.next(v));
    }
    this.#stepEnd();
    return first as number;
  }

  #stepEnd(): void {
    const p0 = this.paramGroups[0].params[0];
    p0.backend.stepEnd?.();
  }

  /** The flat gradient of every parameter (zeros for one without), a fresh tensor. */
  #flatGrad(): Tensor {
    return Tensor.cat(this.paramGroups[0].params.map((p) => (p.grad ?? Tensor.zeros(p.shape, { dtype: p.dtype, device: p.device })).reshape([p.numel])));
  }

  /** p += t·d, d split over the parameters (PyTorch's _add_grad). */
  #addGrad(t: number, d: Tensor): void {
    let at = 0;
    for (const p of this.paramGroups[0].params) {
      p.assign(p.add(d.narrow(0, at, p.numel).reshape(p.shape).mul(t)));
      at += p.numel;
    }
  }

  /** The loss and flat gradient at x + t·d, the parameters left at x (PyTorch's _directional_evaluate). */
  *#directional(x: Tensor[], t: number, d: Tensor): Run<[number, Tensor]> {
    this.#addGrad(t, d);
    const loss = yield EVAL;
    const g = this.#flatGrad();
    this.paramGroups[0].params.forEach((p, i) => p.assign(x[i]));
    return [loss, g];
  }

  *#run(): Run {
    const { lr, maxIter, maxEval, toleranceGrad, toleranceChange, historySize, lineSearchFn, params } = this.paramGroups[0];
    // PyTorch's ro, hDiag and t are 0-d tensors of the parameters' dtype: round them as those are
    const f = params[0].dtype === "float32" ? Math.fround : (x: number) => x;
    let st = this.state.get(params[0]);
    if (!st) this.state.set(params[0], (st = { funcEvals: 0, nIter: 0 }));
    let loss = yield EVAL;
    let evals = 1;
    (st.funcEvals as number)++;
    let flatGrad = this.#flatGrad();
    let optCond = (yield flatGrad.abs().max()) <= toleranceGrad;
    if (optCond) return;
    let d = st.d as Tensor, t = st.t as number, hDiag = st.hDiag as number;
    let prevFlatGrad = st.prevFlatGrad as Tensor, prevLoss = st.prevLoss as number;
    const oldDirs = this.#oldDirs, oldStps = this.#oldStps, ro = this.#ro;
    for (let nIter = 1; nIter <= maxIter; nIter++) {
      st.nIter = (st.nIter as number) + 1;
      if (st.nIter === 1) {
        d = flatGrad.neg();
        oldDirs.length = oldStps.length = ro.length = 0;
        hDiag = 1;
      } else {
        const y = flatGrad.sub(prevFlatGrad), s = d.mul(t);
        const ys = yield y.dot(s);
        if (ys > 1e-10) {
          if (oldDirs.length === historySize) {
            oldDirs.shift();
            oldStps.shift();
            ro.shift();
          }
          oldDirs.push(y);
          oldStps.push(s);
          ro.push(f(1 / ys));
          hDiag = f(ys / (yield y.dot(y)));
        }
        // the two-loop recursion; the alphas stay 0-d tensors on the device (no reads)
        const al: Tensor[] = [];
        let q = flatGrad.neg();
        for (let i = oldDirs.length - 1; i >= 0; i--) {
          al[i] = oldStps[i].dot(q).mul(ro[i]);
          q = q.sub(oldDirs[i].mul(al[i]));
        }
        d = q.mul(hDiag);
        for (let i = 0; i < oldDirs.length; i++) d = d.add(oldStps[i].mul(al[i].sub(oldDirs[i].dot(d).mul(ro[i]))));
      }
      prevFlatGrad = flatGrad; // a fresh tensor from cat, never written: no copy needed
      prevLoss = loss;
      if (st.nIter === 1) {
        const inv = f(1 / (yield flatGrad.abs().sum()));
        t = inv < 1 ? f(inv * lr) : lr;
      } else {
        t = lr;
      }
      const gtd = yield flatGrad.dot(d);
      if (gtd > -toleranceChange) break;
      let lsEvals = 0;
      if (lineSearchFn === "strong_wolfe") {
        const x0 = params.map((p) => p.clone());
        [loss, flatGrad, t, lsEvals] = yield* this.#strongWolfe(x0, t, d, loss, flatGrad, gtd, toleranceChange);
        this.#addGrad(t, d);
        optCond = (yield flatGrad.abs().max()) <= toleranceGrad;
      } else {
        this.#addGrad(t, d);
        if (nIter !== maxIter) {
          loss = yield EVAL;
          flatGrad = this.#flatGrad();
          optCond = (yield flatGrad.abs().max()) <= toleranceGrad;
          lsEvals = 1;
        }
      }
      evals += lsEvals;
      st.funcEvals = (st.funcEvals as number) + lsEvals;
      if (nIter === maxIter || evals >= maxEval || optCond) break;
      if ((yield d.mul(t).abs().max()) <= toleranceChange) break;
      if (Math.abs(loss - prevLoss) < toleranceChange) break;
    }
    Object.assign(st, { d, t, hDiag, prevFlatGrad, prevLoss });
  }

  /** PyTorch's _strong_wolfe: the step length, loss and gradient it settles on, and its evaluations. */
  *#strongWolfe(x: Tensor[], t: number, d: Tensor, f: number, g: Tensor, gtd: number, tolChange: number): Run<[number, Tensor, number, number]> {
    const c1 = 1e-4, c2 = 0.9, maxLs = 25;
    const dNorm = yield d.abs().max();
    let [fNew, gNew] = yield* this.#directional(x, t, d);
    let evals = 1;
    let gtdNew = yield gNew.dot(d);
    let tPrev = 0, fPrev = f, gPrev = g, gtdPrev = gtd;
    let done = false, lsIter = 0;
    let br: number[] = [], brF: number[] = [], brG: Tensor[] = [], brGtd: number[] = [];
    // bracket a step satisfying the conditions
    while (lsIter < maxLs) {
      const sufficient = !(fNew > f + c1 * t * gtd || (lsIter > 1 && fNew >= fPrev));
      if (sufficient && Math.abs(gtdNew) <= -c2 * gtd) {
        [br, brF, brG, done] = [[t], [fNew], [gNew], true];
        break;
      }
      if (!sufficient || gtdNew >= 0) {
        [br, brF, brG, brGtd] = [[tPrev, t], [fPrev, fNew], [gPrev, gNew], [gtdPrev, gtdNew]];
        break;
      }
      const minStep = t + 0.01 * (t - tPrev), maxStep = t * 10;
      const tmp = t;
      t = cubicInterpolate(tPrev, fPrev, gtdPrev, t, fNew, gtdNew, [minStep, maxStep]);
      [tPrev, fPrev, gPrev, gtdPrev] = [tmp, fNew, gNew, gtdNew];
      [fNew, gNew] = yield* this.#directional(x, t, d);
      evals++;
      gtdNew = yield gNew.dot(d);
      lsIter++;
    }
    if (lsIter === maxLs) [br, brF, brG] = [[0, t], [f, fNew], [g, gNew]];
    // zoom into the bracket
    let insufProgress = false;
    let [lo, hi] = brF[0] <= brF[brF.length - 1] ? [0, 1] : [1, 0];
    while (!done && lsIter < maxLs) {
      if (Math.abs(br[1] - br[0]) * dNorm < tolChange) break;
      t = cubicInterpolate(br[0], brF[0], brGtd[0], br[1], brF[1], brGtd[1]);
      const bMax = Math.max(br[0], br[1]), bMin = Math.min(br[0], br[1]);
      const eps = 0.1 * (bMax - bMin);
      if (Math.min(bMax - t, t - bMin) < eps) {
        // too close to an end: unless the last try was too, try once more; then move away by eps
        if (insufProgress || t >= bMax || t <= bMin) {
          t = Math.abs(t - bMax) < Math.abs(t - bMin) ? bMax - eps : bMin + eps;
          insufProgress = false;
        } else {
          insufProgress = true;
        }
      } else {
        insufProgress = false;
      }
      [fNew, gNew] = yield* this.#directional(x, t, d);
      evals++;
      gtdNew = yield gNew.dot(d);
      lsIter++;
      if (fNew > f + c1 * t * gtd || fNew >= brF[lo]) {
        [br[hi], brF[hi], brG[hi], brGtd[hi]] = [t, fNew, gNew, gtdNew];
        [lo, hi] = brF[0] <= brF[1] ? [0, 1] : [1, 0];
      } else {
        if (Math.abs(gtdNew) <= -c2 * gtd) done = true;
        else if (gtdNew * (br[hi] - br[lo]) >= 0) [br[hi], brF[hi], brG[hi], brGtd[hi]] = [br[lo], brF[lo], brG[lo], brGtd[lo]];
        [br[lo], brF[lo], brG[lo], brGtd[lo]] = [t, fNew, gNew, gtdNew];
      }
    }
    return [brF[lo], brG[lo], br[lo], evals];
  }

  /**
   * The state and hyperparameters as one flat `Record<string, Tensor>` (see the class comment for
   * the state's keys; `paramGroups.0.*` as every optimizer's, lineSearchFn left out: it is not a number).
   * @example
   * save(opt.stateDict(), "lbfgs.safetensors");
   */
  override stateDict(): OptimizerStateDict {
    const sd: OptimizerStateDict = {};
    for (const [k, v] of Object.entries(super.stateDict())) if (k.startsWith("paramGroups.")) sd[k] = v;
    const st = this.state.get(this.paramGroups[0].params[0]);
    if (!st) return sd;
    const num = (v: number | number[]) => Tensor.from(Float64Array.from([v].flat()), { shape: Array.isArray(v) ? [v.length] : [], dtype: "float64", device: "js" });
    for (const [k, v] of Object.entries(st)) sd[`state.0.${k}`] = v instanceof Tensor ? v.detach() : num(v);
    if (st.d) {
      const n = (st.d as Tensor).numel, p0 = this.paramGroups[0].params[0];
      const stack = (ts: Tensor[]) => (ts.length ? Tensor.stack(ts) : Tensor.zeros([0, n], { dtype: p0.dtype, device: p0.device }));
      Object.assign(sd, { "state.0.oldDirs": stack(this.#oldDirs), "state.0.oldStps": stack(this.#oldStps), "state.0.ro": num(this.#ro) });
    }
    return sd;
  }

  /**
   * Restores what `stateDict` wrote (over the same parameters in the same order). Everything is
   * checked before anything changes; tensors are copied to the parameters' device.
   * @throws Error (changing nothing) for an unexpected key, a shape that does not match the
   * parameters' total size, or a number on a device that cannot be read synchronously.
   * @example
   * opt.loadStateDict(load("lbfgs.safetensors"));
   */
  override loadStateDict(sd: OptimizerStateDict | Map<string, Tensor>): void {
    const fail = (msg: string): never => {
      throw new Error(`LBFGS.loadStateDict: ${msg}`);
    };
    const params = this.paramGroups[0].params, p0 = params[0];
    const n = params.reduce((a, p) => a + p.numel, 0);
    const groups = new Map<string, Tensor>(), st: ParamState = {};
    let dirs: Tensor | undefined, stps: Tensor | undefined, ro: number[] = [];
    const copy = (t: Tensor) => noGrad(() => Tensor.zeros(t.shape, { dtype: p0.dtype, device: p0.device }).assign(t.device === p0.device ? t : t.to(p0.device)));
    for (const [key, t] of sd instanceof Map ? sd : Object.entries(sd)) {
      if (key.startsWith("paramGroups.")) {
        groups.set(key, t);
        continue;
      }
      const m = /^state\.0\.(funcEvals|nIter|t|hDiag|prevLoss|d|prevFlatGrad|oldDirs|oldStps|ro)$/.exec(key);
      if (!m) fail(`unexpected key ${JSON.stringify(key)} (expected state.0.<funcEvals|nIter|t|hDiag|prevLoss|d|prevFlatGrad|oldDirs|oldStps|ro> or paramGroups.0.<name>)`);
      if (!(t instanceof Tensor)) fail(`${key} is not a Tensor`);
      const k = m![1], shape = `[${t.shape.join(", ")}]`;
      if (k === "d" || k === "prevFlatGrad") {
        if (t.ndim !== 1 || t.shape[0] !== n) fail(`${key} has shape ${shape}; the parameters have ${n} elements in all, so it must be [${n}]`);
        st[k] = copy(t);
      } else if (k === "oldDirs" || k === "oldStps") {
        if (t.ndim !== 2 || t.shape[1] !== n) fail(`${key} has shape ${shape}; it must be [k, ${n}] (k past steps of the ${n} elements)`);
        if (k === "oldDirs") dirs = copy(t);
        else stps = copy(t);
      } else {
        if (!hostReadable(t.data)) fail(`${key} is on '${t.device}' and cannot be read synchronously; load the state dict on a host device`);
        if (k === "ro") ro = Array.from(t.toTypedArray() as ArrayLike<number>);
        else if (t.numel !== 1) fail(`${key} must hold one number, got shape ${shape}`);
        else st[k] = t.item();
      }
    }
    const k = dirs?.shape[0] ?? 0;
    if ((stps?.shape[0] ?? 0) !== k || ro.length !== k) fail(`oldDirs, oldStps and ro must have one entry per past step each; got ${k}, ${stps?.shape[0] ?? 0} and ${ro.length}`);
    super.loadStateDict(groups); // checks the hyperparameters before changing them
    this.state = new Map(Object.keys(st).length ? [[p0, st]] : []);
    this.#oldDirs = Array.from({ length: k }, (_, i) => (dirs as Tensor).narrow(0, i, 1).reshape([n]));
    this.#oldStps = Array.from({ length: k }, (_, i) => (stps as Tensor).narrow(0, i, 1).reshape([n]));
    this.#ro = ro;
  }
}

function checkClosure<F>(op: string, closure: F | undefined): F {
  if (typeof closure !== "function") throw new Error(`${op}: expects a closure that re-evaluates the model and returns the loss, got ${describe(closure)}`);
  return closure;
}

function lossValue(op: string, v: unknown): number {
  if (typeof v === "number") return v;
  if (!(v instanceof Tensor) || v.numel !== 1) throw new Error(`${op}: the closure must return the loss as a one-element Tensor or a number, got ${v instanceof Tensor ? `a Tensor of shape [${v.shape.join(", ")}]` : describe(v)}`);
  return v.item();
}

async function lossValueAsync(v: unknown): Promise<number> {
  if (v instanceof Tensor && v.numel === 1) return v.itemAsync();
  return lossValue("LBFGS.stepAsync", v);
}

/** The minimum of the cubic through (x1, f1) and (x2, f2) with slopes g1, g2, clamped to the bounds (PyTorch's _cubic_interpolate). */
function cubicInterpolate(x1: number, f1: number, g1: number, x2: number, f2: number, g2: number, bounds?: [number, number]): number {
  const [lo, hi] = bounds ?? (x1 <= x2 ? [x1, x2] : [x2, x1]);
  const d1 = g1 + g2 - (3 * (f1 - f2)) / (x1 - x2);
  const d2sq = d1 ** 2 - g1 * g2;
  if (!(d2sq >= 0)) return (lo + hi) / 2;
  const d2 = Math.sqrt(d2sq);
  const minPos = x1 <= x2 ? x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2)) : x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2));
  return Math.min(Math.max(minPos, lo), hi);
}
