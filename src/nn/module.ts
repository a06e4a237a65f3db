// nn.Module: parameters, children and state dicts found by walking a module's own fields, like PyTorch's.
import { Tensor } from "../tensor.js";
import { noGrad } from "../graph.js";
import { sameShape } from "../shape.js";
import { checkArity, checkBool, checkOptions, describe as show } from "../check.js";
import { DTYPES, availableDevices } from "../backend/backend.js";
import { given } from "../functional/args.js";

/** Refuses forward arguments beyond `names` (PyTorch's forward(input) takes no others); for the layers. */
export function checkForward(m: Module, args: IArguments, names: readonly string[] = ["input"]): void {
  checkArity(`nn.${m.constructor.name}.forward`, args, names);
}

/** Refuses constructor arguments of a layer that takes none (PyTorch raises a TypeError). */
export function checkNoArgs(op: string, args: IArguments): void {
  if (args.length > 0) throw new Error(`${op}: takes no arguments, got ${args.length}`);
}

/**
 * A module's state dict: a flat, ordered `Record<string, Tensor>` keyed by dotted names
 * (`blocks.0.attn.qkv.weight`), in the order the fields were assigned. `save()` and `load()`
 * take and return this same type, so `model.loadStateDict(load(path))` round-trips.
 */
export type StateDict = Record<string, Tensor>;

// Tensors made parameters explicitly (by `Parameter()` or a layer). They stay parameters when
// frozen with `requiresGrad = false`, as in PyTorch.
const PARAMETERS = new WeakSet<Tensor>();

/**
 * Marks a tensor as a module parameter, like `nn.Parameter(t)`: a leaf with `requiresGrad = true`
 * (a non-leaf is detached first). Any leaf `Tensor` field with `requiresGrad` is a parameter too;
 * marking one keeps it a parameter after it is frozen (`p.requiresGrad = false`).
 * @example
 * this.scale = nn.Parameter(Tensor.ones([dim]));
 */
export function Parameter(t: Tensor, requiresGrad = true): Tensor {
  const p = t.isLeaf ? t : t.detach();
  p.requiresGrad = requiresGrad;
  PARAMETERS.add(p);
  return p;
}

/**
 * True for a tensor that a module field holding it makes a parameter.
 * @example
 * nn.isParameter(new nn.Linear(2, 2).weight); // true
 */
export function isParameter(t: Tensor): boolean {
  return PARAMETERS.has(t) || (t.requiresGrad && t.isLeaf);
}

/** `model.loadStateDict` result: keys it did not find / did not expect (always empty when strict). */
export interface LoadResult {
  /** the module's keys that the state dict lacks */
  missingKeys: string[];
  /** the state dict's keys that the module does not have */
  unexpectedKeys: string[];
}

type Slot = { kind: "param" | "buffer"; name: string; tensor: Tensor };

/**
 * Base class of every layer and model. Subclasses assign parameters (`Tensor` fields with
 * `requiresGrad`), sub-modules and arrays of sub-modules as fields, and override `forward`.
 * Fields are walked in insertion order; an array field `blocks` of modules gives names
 * `blocks.0`, `blocks.1`, ... Non-parameter tensors are ignored unless registered with
 * `registerBuffer` (then they are saved in the state dict and moved by `to()`).
 * @example
 * class MLP extends nn.Module {
 *   fc1 = new nn.Linear(784, 128); fc2 = new nn.Linear(128, 10);
 *   override forward(x: Tensor): Tensor { return this.fc2.forward(this.fc1.forward(x).relu()); }
 * }
 */
export class Module {
  /** True in training mode (Dropout active), false after `eval()`. */
  training = true;
  // Buffer names by module, kept outside the instance so they are not walked as fields.
  static #buffers = new WeakMap<Module, Map<string, boolean>>();

  /**
   * The computation. Subclasses override it; call it directly: `model.forward(x)`.
   * @example
   * const y = model.forward(x);
   */
  forward(..._args: any[]): any {
    throw new Error(`${this.constructor.name}: forward() is not implemented; subclasses of nn.Module override it`);
  }

  /**
   * Same as `forward(...args)` (PyTorch's `module(x)`), typed from the subclass's forward.
   * @example
   * const y = model.call(x);
   */
  call<M extends Module>(this: M, ...args: Parameters<M["forward"]>): ReturnType<M["forward"]> {
    return this.forward(...args);
  }

  /**
   * Registers a non-parameter tensor (running statistics, a fixed mask) as field `name`.
   * Persistent buffers are part of the state dict; every buffer follows `to(device)`.
   * `persistent` comes by name or, as in PyTorch, positionally (`registerBuffer("mask", m, false)`).
   * @throws Error as PyTorch's register_buffer raises: a name that is not a non-empty string without
   * ".", a field or method of that name that is not a buffer, a tensor that is neither a Tensor nor null, a
   * persistent that is not a boolean, unknown options.
   * @example
   * this.registerBuffer("mask", Tensor.ones([t, t]).tril(), { persistent: false });
   */
  registerBuffer(name: string, tensor: Tensor | null, opts: { persistent?: boolean } | boolean = {}): void {
    const op = "Module.registerBuffer";
    checkArity(op, arguments, ["name", "tensor", "persistent"]);
    if (typeof name !== "string" || name === "" || name.includes(".")) {
      throw new Error(`${op}: name must be a non-empty string without '.', got ${show(name)}`);
    }
    if (!(tensor instanceof Tensor) && tensor !== null) throw new Error(`${op}: tensor must be a Tensor or null, got ${show(tensor)}`);
    const persistent = typeof opts === "boolean" ? opts : checkBool(op, "persistent", given(checkOptions(op, opts, ["persistent"]).persistent, true));
    let m = Module.#buffers.get(this);
    // a field declared in the class (`runningMean!: Tensor | null`) reads undefined until set here
    if ((this as unknown as Record<string, unknown>)[name] !== undefined && !m?.has(name)) {
      throw new Error(`${op}: attribute '${name}' already exists (and is not a buffer)`);
    }
    if (!m) Module.#buffers.set(this, (m = new Map()));
    m.set(name, persistent);
    (this as unknown as Record<string, unknown>)[name] = tensor;
  }

  /** This module's own parameters and buffers (not its children's), in field order. */
  #ownSlots(): Slot[] {
    const out: Slot[] = [];
    const buffers = Module.#buffers.get(this);
    for (const [key, value] of Object.entries(this)) {
      if (value instanceof Tensor) {
        if (buffers?.has(key)) out.push({ kind: "buffer", name: key, tensor: value });
        else if (isParameter(value)) out.push({ kind: "param", name: key, tensor: value });
      } else if (Array.isArray(value)) {
        value.forEach((v, i) => {
          if (v instanceof Tensor && isParameter(v)) out.push({ kind: "param", name: `${key}.${i}`, tensor: v });
        });
      }
    }
    return out;
  }

  /**
   * Direct sub-modules with their field names (array elements as `field.i`).
   * @example
   * for (const [name, child] of model.namedChildren()) console.log(name);
   */
  namedChildren(): [string, Module][] {
    const out: [string, Module][] = [];
    for (const [key, value] of Object.entries(this)) {
      if (value instanceof Module) out.push([key, value]);
      else if (Array.isArray(value)) {
        value.forEach((v, i) => {
          if (v instanceof Module) out.push([`${key}.${i}`, v]);
        });
      }
    }
    return out;
  }

  /**
   * Direct sub-modules.
   * @example
   * const n = model.children().length;
   */
  children(): Module[] {
    return this.namedChildren().map(([, m]) => m);
  }

  /**
   * This module and every descendant, depth first, each once, with dotted names ("" for this one).
   * @example
   * for (const [name, m] of model.namedModules()) console.log(name || "(root)", m.constructor.name);
   */
  namedModules(prefix = ""): [string, Module][] {
    const out: [string, Module][] = [];
    const seen = new Set<Module>();
    const visit = (m: Module, name: string) => {
      if (seen.has(m)) return;
      seen.add(m);
      out.push([name, m]);
      for (const [k, c] of m.namedChildren()) visit(c, name ? `${name}.${k}` : k);
    };
    visit(this, prefix);
    return out;
  }

  /**
   * This module and every descendant.
   * @example
   * model.modules().filter((m) => m instanceof nn.Linear);
   */
  modules(): Module[] {
    return this.namedModules().map(([, m]) => m);
  }

  /**
   * Every parameter with its dotted name, each tensor once (the first name of a shared one).
   * @example
   * for (const [name, p] of model.namedParameters()) console.log(name, p.shape);
   */
  namedParameters(): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    const seen = new Set<Tensor>();
    for (const [prefix, m] of this.namedModules()) {
      for (const s of m.#ownSlots()) {
        if (s.kind !== "param" || seen.has(s.tensor)) continue;
        seen.add(s.tensor);
        out.push([prefix ? `${prefix}.${s.name}` : s.name, s.tensor]);
      }
    }
    return out;
  }

  /**
   * Every parameter, each once, in `namedParameters()` order: what an optimizer takes.
   * @example
   * const opt = new optim.Adam(model.parameters(), { lr: 1e-3 });
   */
  parameters(): Tensor[] {
    return this.namedParameters().map(([, p]) => p);
  }

  /**
   * Every registered buffer with its dotted name.
   * @example
   * model.namedBuffers().map(([n]) => n); // e.g. ["bn.runningMean", ...]
   */
  namedBuffers(): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    for (const [prefix, m] of this.namedModules()) {
      for (const s of m.#ownSlots()) if (s.kind === "buffer") out.push([prefix ? `${prefix}.${s.name}` : s.name, s.tensor]);
    }
    return out;
  }

  /**
   * Sets training mode (true, the default) or evaluation mode (false) on this module and every descendant.
   * @throws Error unless mode is a boolean.
   * @example
   * model.train();
   */
  train(mode = true): this {
    checkArity(`${this.constructor.name}.train`, arguments, ["mode"]);
    checkBool(`${this.constructor.name}.train`, "mode", mode);
    for (const m of this.modules()) m.training = mode;
    return this;
  }

  /**
   * Evaluation mode: `train(false)`.
   * @example
   * model.eval(); // Dropout off, BatchNorm uses running statistics
   */
  eval(): this {
    checkArity(`${this.constructor.name}.eval`, arguments, []);
    return this.train(false);
  }

  /** Every slot of the state dict with its full name; shared tensors appear under each name, like PyTorch. */
  #stateSlots(): [string, Slot][] {
    const out: [string, Slot][] = [];
    const stack = new Set<Module>();
    const visit = (m: Module, prefix: string) => {
      if (stack.has(m)) return; // a field pointing back up the tree
      stack.add(m);
      const persistent = Module.#buffers.get(m);
      for (const s of m.#ownSlots()) {
        if (s.kind === "buffer" && !persistent?.get(s.name)) continue;
        out.push([prefix + s.name, s]);
      }
      for (const [k, c] of m.namedChildren()) visit(c, `${prefix}${k}.`);
      stack.delete(m);
    };
    visit(this, "");
    return out;
  }

  /**
   * Parameters and persistent buffers by dotted name (see `StateDict`). The values are detached
   * tensors sharing storage with the module's, like PyTorch's.
   * @example
   * save(model.stateDict(), "model.safetensors");
   */
  stateDict(): StateDict {
    const sd: StateDict = {};
    for (const [name, s] of this.#stateSlots()) sd[name] = s.tensor.detach();
    return sd;
  }

  /**
   * Copies the tensors of `sd` into this module's parameters and buffers, in place.
   * `loadStateDict(sd, strict?)` or `(sd, { strict })`, as PyTorch's load_state_dict(state_dict, strict=True).
   * Strict (the default): any missing or unexpected key fails, listing them all. A shape mismatch,
   * or int32 against a float dtype, always fails (float32 and float64 convert). Nothing is copied
   * unless every check passes.
   * @throws Error listing every missing/unexpected key (when strict) and every shape or dtype mismatch;
   *   on a strict that is not a boolean or an unknown option.
   * @example
   * model.loadStateDict(load("model.safetensors"));
   * const { missingKeys } = model.loadStateDict(sd, { strict: false }); // or loadStateDict(sd, false)
   */
  loadStateDict(sd: StateDict | Map<string, Tensor>, opts: boolean | { strict?: boolean } = {}): LoadResult {
    const op = `${this.constructor.name}.loadStateDict`;
    checkArity(op, arguments, ["stateDict", "strict"]);
    if (!(sd instanceof Map) && (typeof sd !== "object" || sd === null || Array.isArray(sd) || sd instanceof Tensor)) {
      throw new Error(
        `${this.constructor.name}.loadStateDict: expected a state dict (an object or Map from names to Tensors, ` +
          `e.g. from load(path) or model.stateDict()), got ${show(sd)}`,
      );
    }
    // PyTorch's positional strict, or { strict }
    const strict = checkBool(op, "strict", typeof opts === "object" && opts !== null ? given(checkOptions(op, opts, ["strict"]).strict, true) : opts);
    const src = sd instanceof Map ? sd : new Map(Object.entries(sd));
    const slots = this.#stateSlots();
    const expected = new Set(slots.map(([n]) => n));
    const missingKeys: string[] = [];
    const mismatched: string[] = [];
    const copies: [Tensor, Tensor, string][] = [];
    for (const [name, s] of slots) {
      const t = src.get(name);
      if (t === undefined) {
        missingKeys.push(name);
      } else if (!(t instanceof Tensor)) {
        mismatched.push(`${name}: expected a Tensor, got ${show(t)}`);
      } else if (!sameShape(t.shape, s.tensor.shape)) {
        mismatched.push(
          `${name}: copying a tensor of shape [${t.shape.join(", ")}] from the state dict, ` +
            `the shape in the current model is [${s.tensor.shape.join(", ")}]`,
        );
      } else if (t.dtype !== s.tensor.dtype && (t.dtype === "int32" || s.tensor.dtype === "int32")) {
        // float32 <-> float64 converts, as PyTorch's copy_ does; integers and floats do not mix
        mismatched.push(`${name}: the state dict holds ${t.dtype}, the current model ${s.tensor.dtype}`);
      } else {
        copies.push([s.tensor, t, name]);
      }
    }
    const unexpectedKeys = [...src.keys()].filter((k) => !expected.has(k));
    const problems: string[] = [];
    if (strict && missingKeys.length) problems.push(`  missing keys: ${missingKeys.map(quote).join(", ")}`);
    if (strict && unexpectedKeys.length) problems.push(`  unexpected keys: ${unexpectedKeys.map(quote).join(", ")}`);
    for (const m of mismatched) problems.push(`  size mismatch for ${m}`);
    if (problems.length) {
      throw new Error(`Error(s) in loading state dict for ${this.constructor.name}:\n${problems.join("\n")}`);
    }
    noGrad(() => {
      // every value onto its slot's device first: a copy that cannot be made (from webgpu into a
      // host model: not synchronously) then throws before anything is loaded
      const values = copies.map(([dst, t, name]) => {
        if (t.device === dst.device) return t;
        try {
          return t.to(dst.device);
        } catch (e) {
          throw new Error(`${this.constructor.name}.loadStateDict: ${name} is on '${t.device}' and the model's on '${dst.device}': ` +
            `${e instanceof Error ? e.message : String(e)} (or load it into the model moved to '${t.device}')`);
        }
      });
      copies.forEach(([dst], i) => dst.assign(values[i]));
    });
    return { missingKeys, unexpectedKeys };
  }

  /**
   * Sets every parameter's gradient to null (PyTorch's `zero_grad(set_to_none=True)`).
   * @example
   * model.zeroGrad();
   */
  zeroGrad(): void {
    for (const p of this.parameters()) p.grad = null;
  }

  /**
   * Moves every parameter and buffer to a device and/or casts the floating-point ones to a float
   * dtype, replacing the fields (tied tensors stay tied); PyTorch's forms `to(device)`,
   * `to(dtype)`, `to(device, dtype)` (either may be null: unchanged) and `to(tensor)` (its device
   * and dtype). As in PyTorch, integer buffers (BatchNorm's `numBatchesTracked`) keep their dtype
   * and an integer dtype is refused. Optimizers hold the old tensors: create them after.
   * @throws Error for an unknown or unavailable device, a dtype other than float32/float64, or a
   * further argument.
   * @example
   * model.to("webgpu");
   * model.to("float64");
   */
  to(device: string | "float32" | "float64" | Tensor | null, dtype?: "float32" | "float64" | null): this {
    checkArity("Module.to", arguments, ["device", "dtype"]);
    const [dev, dt] = moduleTarget("Module.to", device, dtype, arguments.length);
    return this.#replaceTensors(dev, dt, (t) => noGrad(() => t.detach().to(dev, castTo(t, dt))));
  }

  /**
   * `to` from any device: every parameter and buffer is read with the async form first, so a model
   * on webgpu comes back to a host device (torch's `model.cpu()`). Create optimizers after.
   * @throws Error as `to` does.
   * @example
   * await model.toAsync("cpu");
   */
  async toAsync(device: string | "float32" | "float64" | Tensor | null, dtype?: "float32" | "float64" | null): Promise<this> {
    checkArity("Module.toAsync", arguments, ["device", "dtype"]);
    const [dev, dt] = moduleTarget("Module.toAsync", device, dtype, arguments.length);
    const pending = new Set<Tensor>();
    this.#eachTensor((t) => {
      if (needsMove(t, dev, dt)) pending.add(t);
    });
    const copies = new Map<Tensor, Tensor>();
    for (const t of pending) copies.set(t, await t.detach().toAsync(dev, castTo(t, dt))); // detached: no graph
    return this.#replaceTensors(dev, dt, (t) => copies.get(t)!);
  }

  /** Replaces every parameter and buffer that the target changes by move(it) (each tensor once,
   *  so tied tensors stay tied), keeping parameters parameters. */
  #replaceTensors(device: string | null, dtype: FloatDType | null, move: (t: Tensor) => Tensor): this {
    const moved = new Map<Tensor, Tensor>();
    this.#eachTensor((t, param, put) => {
      if (!needsMove(t, device, dtype)) return;
      let n = moved.get(t);
      if (!n) {
        n = move(t);
        if (param) Parameter(n, t.requiresGrad);
        moved.set(t, n);
      }
      put(n);
    });
    return this;
  }

  /** Every parameter and buffer field of this module and its children (a tied tensor once per
   *  field), whether it is a parameter, and how to put another tensor in its place. */
  #eachTensor(visit: (t: Tensor, param: boolean, put: (n: Tensor) => void) => void): void {
    for (const m of this.modules()) {
      const buffers = Module.#buffers.get(m);
      const fields = m as unknown as Record<string, unknown>;
      for (const [key, value] of Object.entries(m)) {
        if (value instanceof Tensor) {
          if (buffers?.has(key)) visit(value, false, (n) => (fields[key] = n));
          else if (isParameter(value)) visit(value, true, (n) => (fields[key] = n));
        } else if (Array.isArray(value)) {
          value.forEach((v, i) => {
            if (v instanceof Tensor && isParameter(v)) visit(v, true, (n) => (value[i] = n));
          });
        }
      }
    }
  }

  /**
   * Extra text inside this module's line of `toString()`, e.g. `in_features=2, ...`.
   * @example
   * override extraRepr(): string { return `dim=${this.dim}`; }
   */
  extraRepr(): string {
    return "";
  }

  /**
   * PyTorch-style tree: `MLP(\n  (fc1): Linear(inFeatures=784, outFeatures=256, bias=true)\n)`.
   * @example
   * console.log(String(model));
   */
  toString(): string {
    const children = this.namedChildren();
    const extra = this.extraRepr();
    if (!children.length) return `${this.constructor.name}(${extra})`;
    const lines = extra ? extra.split("\n") : [];
    for (const [k, c] of children) lines.push(`(${k}): ${c.toString()}`);
    return `${this.constructor.name}(\n${lines.map((l) => "  " + l.split("\n").join("\n  ")).join("\n")}\n)`;
  }

  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.toString();
  }
}

function quote(s: string): string {
  return JSON.stringify(s);
}

type FloatDType = "float32" | "float64";

/** Module.to's (device, dtype) as [device or null, float dtype or null], as Tensor.to reads them,
 *  except that only a floating dtype is accepted (PyTorch's nn.Module.to refuses others). */
function moduleTarget(op: string, device: unknown, dtype: unknown, n: number): [string | null, FloatDType | null] {
  if (device instanceof Tensor) {
    if (n > 1) throw new Error(`${op}: after a tensor no further argument is accepted, got ${show(dtype)}`);
    return [device.device, device.dtype === "int32" ? null : device.dtype];
  }
  if ((DTYPES as readonly unknown[]).includes(device)) {
    if (n > 1 && dtype !== undefined) throw new Error(`${op}: after a dtype no further argument is accepted, got ${show(dtype)}`);
    [device, dtype] = [null, device];
  }
  if (device !== null && device !== undefined && (typeof device !== "string" || !availableDevices().includes(device))) {
    throw new Error(`${op}: device must be an available device (${availableDevices().join(", ")}) or a float dtype (float32, float64), got ${show(device)}`);
  }
  if (dtype !== null && dtype !== undefined && dtype !== "float32" && dtype !== "float64") {
    throw new Error(`${op}: dtype must be a floating-point dtype (float32 or float64), got ${show(dtype)}`);
  }
  return [(device as string | null | undefined) ?? null, (dtype as FloatDType | null | undefined) ?? null];
}

/** the dtype a tensor is cast to: floating tensors only, as in PyTorch */
function castTo(t: Tensor, dtype: FloatDType | null): FloatDType | null {
  return dtype !== null && t.dtype !== "int32" ? dtype : null;
}

function needsMove(t: Tensor, device: string | null, dtype: FloatDType | null): boolean {
  return (device !== null && t.device !== device) || (castTo(t, dtype) ?? t.dtype) !== t.dtype;
}
