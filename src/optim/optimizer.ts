// Optimizer base: parameter groups, per-parameter state, step/zeroGrad, and state dicts flat enough for safetensors.
import { Tensor } from "../tensor.js";
import { noGrad } from "../graph.js";
import { checkOptions, describe } from "../check.js";
import { isOptions, parseArgs } from "../functional/args.js";

/** Hyperparameters that are flags or pairs of numbers; every other one is a number. */
const FLAGS = new Set(["amsgrad", "maximize", "nesterov", "centered", "foreach", "capturable", "differentiable", "fused"]);
const PAIRS = new Set(["betas", "etas", "stepSizes"]);

/**
 * An optimizer's (or scheduler's) arguments after `after`, in PyTorch's forms: the first `positional`
 * of `keys` by position (`new SGD(params, 0.1, 0.9)`), then an options object with any of `keys` (the
 * rest are keyword-only in PyTorch). Refuses more positionals, an unknown key, or a name given both ways.
 */
export function optimizerArgs(
  op: string, args: readonly unknown[], keys: readonly string[], positional = keys.length, after = "params",
): Record<string, unknown> {
  const n = isOptions(args[args.length - 1]) ? args.length - 1 : args.length;
  if (n > positional) {
    throw new Error(`${op}: expected at most ${positional} argument${positional === 1 ? "" : "s"} after ${after} (${keys.slice(0, positional).join(", ")}), got ${n}`);
  }
  return parseArgs(op, args, keys);
}

/** Hyperparameters every optimizer has. `lr` is what schedulers change. */
export interface BaseHyper {
  /** the learning rate */
  lr: number;
}

/** One parameter group: its tensors and its own copy of every hyperparameter. */
export type ParamGroup<H extends BaseHyper> = H & {
  /** the group's parameters */
  params: Tensor[];
  /** Set by the first lr scheduler attached; its base learning rate. */
  initialLr?: number;
};

/** What an optimizer takes: parameters (`model.parameters()`), or groups with per-group overrides. */
export type ParamsInput<H extends BaseHyper> =
  | Iterable<Tensor>
  | readonly ({
    /** the group's parameters */
    params: Iterable<Tensor>;
  } & Partial<H>)[];

/** Per-parameter state: tensors (moment buffers) and numbers (step counts). */
export type ParamState = Record<string, Tensor | number>;

/**
 * An optimizer's state dict: one flat `Record<string, Tensor>`, the same type a module's state
 * dict has, so `save(opt.stateDict(), path)` and `opt.loadStateDict(load(path))` work directly.
 * PyTorch's nested dict flattened with dots, parameters numbered 0, 1, ... across groups in order:
 *
 * - `state.<i>.<name>`: the state of parameter i (`momentumBuffer`; `step`, `expAvg`, `expAvgSq`,
 *   `maxExpAvgSq`). Step counts are float32 0-d tensors, as in PyTorch.
 * - `paramGroups.<g>.<hyper>`: group g's hyperparameters as 0-d tensors (float64 numbers, int32 0/1
 *   booleans; `betas` a float64 [2]); `paramGroups.<g>.params`: int32 indices of its parameters.
 */
export type OptimizerStateDict = Record<string, Tensor>;

/**
 * Base class of every optimizer. Subclasses give their defaults and one `update` that changes a
 * parameter in place from its gradient; `step()` calls it for every parameter with a gradient,
 * inside `noGrad`.
 * torch.optim.Optimizer. Extend it for a new optimizer.
 * @example
 * class SignSGD extends optim.Optimizer {
 *   constructor(params: optim.ParamsInput<optim.BaseHyper>, lr = 0.01) { super(params, { lr }); }
 *   protected override update(p: Tensor, g: Tensor, _s: optim.ParamState, group: optim.ParamGroup<optim.BaseHyper>) { p.assign(p.sub(g.sign().mul(group.lr))); }
 * }
 */
export abstract class Optimizer<H extends BaseHyper = BaseHyper> {
  /** the hyperparameters each new group starts from (the constructor's options over the optimizer's defaults) */
  readonly defaults: H;
  /** the parameter groups (torch's `param_groups`), each with its own hyperparameters: change `group.lr` to change one group's rate */
  paramGroups: ParamGroup<H>[] = [];
  /** State by parameter, created on its first update. */
  state = new Map<Tensor, ParamState>();

  /** `opts`, when given, is the options object the user passed: a key that is not a
   *  hyperparameter of this optimizer is an error. */
  constructor(params: ParamsInput<H>, defaults: H, opts?: object) {
    this.defaults = defaults;
    const name = this.constructor.name;
    if (opts !== undefined) checkOptions(name, opts, Object.keys(defaults));
    if (params instanceof Tensor) throw new Error(`${name}: params must be an iterable of Tensors (e.g. model.parameters()), got a single Tensor`);
    if (params == null || typeof (params as Iterable<unknown>)[Symbol.iterator] !== "function") {
      throw new Error(`${name}: params must be an iterable of Tensors or of parameter groups, got ${typeName(params)}`);
    }
    const list = [...(params as Iterable<unknown>)];
    if (list.length === 0) throw new Error(`${name}: got an empty parameter list`);
    const isGroup = (v: unknown) => typeof v === "object" && v !== null && !(v instanceof Tensor) && "params" in v;
    if (isGroup(list[0])) {
      for (const g of list) {
        if (!isGroup(g)) throw new Error(`${name}: params mixes parameter groups and ${typeName(g)}`);
        this.addParamGroup(g as { params: Iterable<Tensor> } & Partial<H>);
      }
    } else {
      this.addParamGroup({ params: list } as unknown as { params: Iterable<Tensor> } & Partial<H>);
    }
  }

  /**
   * Adds a group of parameters, with hyperparameters overriding the defaults.
   * @throws Error for an empty, repeated, non-leaf or int32 parameter, or a bad hyperparameter.
   * @example
   * opt.addParamGroup({ params: head.parameters(), lr: 1e-2 });
   */
  addParamGroup(group: { params: Iterable<Tensor> } & Partial<H>): void {
    const name = this.constructor.name;
    const g = group as { params: unknown };
    if (g.params instanceof Tensor) g.params = [g.params];
    const params = [...(g.params as Iterable<unknown>)];
    const gi = this.paramGroups.length;
    if (params.length === 0) throw new Error(`${name}: parameter group ${gi} has an empty parameter list`);
    const seen = new Set(this.paramGroups.flatMap((pg) => pg.params));
    params.forEach((p, i) => {
      const where = gi > 0 ? `group ${gi}, params[${i}]` : `params[${i}]`;
      if (!(p instanceof Tensor)) throw new Error(`${name}: ${where} is not a Tensor (got ${typeName(p)})`);
      if (p.dtype !== "float32" && p.dtype !== "float64") {
        throw new Error(`${name}: ${where} has dtype ${p.dtype}; only floating-point tensors can be optimized`);
      }
      if (!p.isLeaf) throw new Error(`${name}: ${where} is not a leaf tensor (it is computed from others); optimize the leaves`);
      if (seen.has(p)) throw new Error(`${name}: ${where} appears more than once in the parameters`);
      seen.add(p);
    });
    checkOptions(`${name} parameter group ${gi}`, group, ["params", "initialLr", ...Object.keys(this.defaults)]);
    const merged = { ...this.defaults, ...group, params } as ParamGroup<H>;
    this.validate(merged);
    this.paramGroups.push(merged);
  }

  /** Checks a group's hyperparameters; subclasses extend it. */
  protected validate(g: ParamGroup<H>): void {
    // every hyperparameter has its kind: a number, a flag, or a pair of numbers (betas)
    for (const k of Object.keys(this.defaults)) {
      const v = (g as unknown as Record<string, unknown>)[k];
      const kind = FLAGS.has(k) ? "flag" : PAIRS.has(k) ? "pair" : "number";
      const ok = kind === "number" ? typeof v === "number" && !Number.isNaN(v)
        : kind === "flag" ? typeof v === "boolean"
        : Array.isArray(v) && v.length === 2 && v.every((x) => typeof x === "number" && !Number.isNaN(x));
      if (!ok) throw new Error(`${this.constructor.name}: ${k} must be ${kind === "number" ? "a number" : kind === "flag" ? "true or false" : "an array of 2 numbers"}, got ${describe(v)}`);
    }
    if (!(g.lr >= 0)) throw new Error(`${this.constructor.name}: invalid learning rate ${g.lr} (must be >= 0)`);
  }

  /**
   * The learning rate of the first group.
   * @example
   * console.log(opt.lr);
   */
  get lr(): number {
    return this.paramGroups[0].lr;
  }

  /**
   * Sets the learning rate of every group.
   * @example
   * opt.lr = 1e-4;
   */
  set lr(value: number) {
    for (const g of this.paramGroups) g.lr = value;
  }

  /**
   * Sets every parameter's gradient to null (PyTorch's `zero_grad(set_to_none=True)`).
   * @example
   * opt.zeroGrad();
   */
  zeroGrad(): void {
    for (const g of this.paramGroups) for (const p of g.params) p.grad = null;
  }

  /**
   * One update of every parameter that has a gradient. With a closure, calls it first (with
   * gradients enabled) and returns its value, like PyTorch's `step(closure)`.
   * @example
   * opt.zeroGrad(); loss.backward();
   * opt.step();
   */
  step(closure?: () => number): number | undefined {
    const loss = closure?.();
    noGrad(() => {
      for (const group of this.paramGroups) {
        for (const p of group.params) {
          if (p.grad === null) continue;
          let s = this.state.get(p);
          if (!s) this.state.set(p, (s = {}));
          this.update(p, p.grad, s, group);
        }
      }
    });
    // each device once: the step is over, the previous step's graph is garbage
    const backends = new Set(this.paramGroups.flatMap((g) => g.params.map((p) => p.backend)));
    for (const b of backends) b.stepEnd?.();
    return loss;
  }

  /** Changes `p` in place from its gradient, updating its state (created empty). Runs under noGrad. */
  protected abstract update(p: Tensor, grad: Tensor, state: ParamState, group: ParamGroup<H>): void;

  /**
   * The state and hyperparameters as one flat `Record<string, Tensor>` (see `OptimizerStateDict`).
   * @example
   * save(opt.stateDict(), "opt.safetensors");
   */
  stateDict(): OptimizerStateDict {
    const sd: OptimizerStateDict = {};
    let i = 0;
    const index = new Map<Tensor, number>();
    for (const g of this.paramGroups) for (const p of g.params) index.set(p, i++);
    for (const [p, s] of this.state) {
      const pi = index.get(p);
      if (pi === undefined) continue;
      for (const [k, v] of Object.entries(s)) {
        // numbers (the step count) and the hyperparameters below are host values: on "js" whatever
        // the default device (webgpu has no float64 and cannot be read synchronously)
        sd[`state.${pi}.${k}`] = v instanceof Tensor ? v.detach() : Tensor.from(new Float32Array([v]), { shape: [], device: "js" });
      }
    }
    this.paramGroups.forEach((g, gi) => {
      for (const [k, v] of Object.entries(g)) {
        const key = `paramGroups.${gi}.${k}`;
        if (k === "params") {
          sd[key] = Tensor.from(Int32Array.from(g.params, (p) => index.get(p) as number), { shape: [g.params.length], dtype: "int32", device: "js" });
        } else if (typeof v === "number") {
          sd[key] = Tensor.from(new Float64Array([v]), { shape: [], dtype: "float64", device: "js" });
        } else if (typeof v === "boolean") {
          sd[key] = Tensor.from(new Int32Array([v ? 1 : 0]), { shape: [], dtype: "int32", device: "js" });
        } else if (Array.isArray(v) && v.every((x) => typeof x === "number")) {
          sd[key] = Tensor.from(Float64Array.from(v as number[]), { shape: [v.length], dtype: "float64", device: "js" });
        }
      }
    });
    return sd;
  }

  /**
   * Restores state (and hyperparameters, where `paramGroups.*` keys are present) from a state
   * dict, e.g. `opt.loadStateDict(load("opt.safetensors"))`. Parameters are matched by position:
   * build the optimizer over the same parameters in the same order. Everything is checked before
   * anything changes; state tensors are copied.
   * @throws Error (changing nothing) for keys, shapes or group layouts that do not match.
   * @example
   * opt.loadStateDict(load("opt.safetensors"));
   */
  loadStateDict(sd: OptimizerStateDict | Map<string, Tensor>): void {
    const name = this.constructor.name;
    const entries = sd instanceof Map ? [...sd] : Object.entries(sd);
    const params = this.paramGroups.flatMap((g) => g.params);
    const newState = new Map<Tensor, ParamState>();
    const groupUpdates: [number, string, Tensor][] = [];
    const fail = (msg: string): never => {
      throw new Error(`${name}.loadStateDict: ${msg}`);
    };
    for (const [key, t] of entries) {
      if (!(t instanceof Tensor)) fail(`${key} is not a Tensor`);
      // step counts and hyperparameters are read as numbers: a GPU tensor cannot be read synchronously
      if (!ArrayBuffer.isView(t.data) && (/^state\.\d+\.step$/.test(key) || (key.startsWith("paramGroups.") && !key.endsWith(".params")))) {
        fail(`${key} is on '${t.device}' and cannot be read synchronously; load the optimizer's state dict on a host device (e.g. setDefaultDevice("js") around load()): loadStateDict copies the moment buffers to the parameters' device`);
      }
      let m = /^state\.(\d+)\.([A-Za-z_][\w]*)$/.exec(key);
      if (m) {
        const i = Number(m[1]);
        if (i >= params.length) fail(`${key}: parameter ${i} does not exist (this optimizer has ${params.length})`);
        const p = params[i];
        let s = newState.get(p);
        if (!s) newState.set(p, (s = {}));
        if (m[2] === "step") {
          if (t.numel !== 1) fail(`${key} must hold one number, got shape [${t.shape.join(", ")}]`);
          s.step = Math.round(t.item());
        } else {
          if (t.shape.length !== p.shape.length || t.shape.some((d, j) => d !== p.shape[j])) {
            fail(`${key} has shape [${t.shape.join(", ")}] but parameter ${i} has shape [${p.shape.join(", ")}]`);
          }
          s[m[2]] = t;
        }
        continue;
      }
      m = /^paramGroups\.(\d+)\.([A-Za-z_][\w]*)$/.exec(key);
      if (m) {
        const gi = Number(m[1]);
        if (gi >= this.paramGroups.length) fail(`${key}: group ${gi} does not exist (this optimizer has ${this.paramGroups.length})`);
        if (m[2] === "params" && t.numel !== this.paramGroups[gi].params.length) {
          fail(`${key}: the state dict's group ${gi} has ${t.numel} parameters, this optimizer's has ${this.paramGroups[gi].params.length}`);
        }
        groupUpdates.push([gi, m[2], t]);
        continue;
      }
      fail(`unexpected key ${JSON.stringify(key)} (expected state.<i>.<name> or paramGroups.<g>.<name>)`);
    }
    for (const [gi, k, t] of groupUpdates) {
      if (k === "params") continue;
      const g = this.paramGroups[gi] as unknown as Record<string, unknown>;
      const values = Array.from(t.toTypedArray() as ArrayLike<number>);
      if (typeof g[k] === "boolean") g[k] = values[0] !== 0;
      else if (Array.isArray(g[k]) || t.ndim > 0) g[k] = values;
      else g[k] = values[0];
    }
    this.state = new Map();
    for (const [p, s] of newState) {
      const copy: ParamState = {};
      for (const [k, v] of Object.entries(s)) copy[k] = v instanceof Tensor ? cloneTo(v, p) : v;
      this.state.set(p, copy);
    }
  }

  /**
   * `loadStateDict` for an optimizer whose per-parameter state holds numbers besides `step` (NAdam's
   * `muProduct`, ASGD's `eta` and `mu`, kept as float32 as PyTorch's 0-d tensors): the
   * `state.<i>.<name>` entries for those names are read as one number each, the rest go through
   * the base class's checks, and nothing changes unless all pass.
   */
  protected loadStateDictWithNumbers(sd: OptimizerStateDict | Map<string, Tensor>, names: readonly string[]): void {
    const params = this.paramGroups.flatMap((g) => g.params);
    const rest = new Map<string, Tensor>(), numbers: [Tensor, string, number][] = [];
    const re = new RegExp(`^state\\.(\\d+)\\.(${names.join("|")})$`);
    for (const [key, t] of sd instanceof Map ? sd : Object.entries(sd)) {
      const m = re.exec(key);
      if (!m) {
        rest.set(key, t);
        continue;
      }
      const fail = (msg: string): never => {
        throw new Error(`${this.constructor.name}.loadStateDict: ${key} ${msg}`);
      };
      const i = Number(m[1]);
      if (!(t instanceof Tensor)) fail("is not a Tensor");
      if (i >= params.length) fail(`names parameter ${i}, which does not exist (this optimizer has ${params.length})`);
      if (t.numel !== 1) fail(`must hold one number, got shape [${t.shape.join(", ")}]`);
      if (!ArrayBuffer.isView(t.data)) fail(`is on '${t.device}' and cannot be read synchronously; load the optimizer's state dict on a host device`);
      numbers.push([params[i], m[2], t.item()]);
    }
    Optimizer.prototype.loadStateDict.call(this, rest); // checks the rest before changing anything
    for (const [p, k, v] of numbers) {
      let st = this.state.get(p);
      if (!st) this.state.set(p, (st = {}));
      st[k] = Math.fround(v);
    }
  }
}

/** A fresh copy of `t` on p's device with p's dtype. */
function cloneTo(t: Tensor, p: Tensor): Tensor {
  return noGrad(() => {
    const out = Tensor.zeros(t.shape, { dtype: p.dtype, device: p.device });
    return out.assign(t.device === p.device ? t : t.to(p.device));
  });
}

function typeName(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  if (typeof v === "object") return (v as object).constructor?.name ?? "object";
  return typeof v;
}
