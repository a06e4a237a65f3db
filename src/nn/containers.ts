// Containers keyed by name or index: ModuleDict (its modules are its children, in insertion order),
// ParameterList and ParameterDict (their parameters are their own fields, which is where
// nn.Module looks for parameters, so stateDict, to() and optimizers see them with no extra code).
import { Tensor } from "../tensor.js";
import { checkArity, describe } from "../functional/args.js";
import { Module, Parameter } from "./module.js";

/** The pairs of a Record, a Map or another iterable of [key, value], or of a dict container. */
function pairsOf<V>(op: string, src: unknown): [string, V][] {
  if (src instanceof ModuleDict || src instanceof ParameterDict) return src.items() as [string, V][];
  if (src !== null && typeof src === "object" && Symbol.iterator in src) {
    return [...(src as Iterable<unknown>)].map((p, i) => {
      if (!Array.isArray(p) || p.length !== 2) throw new Error(`${op}: element ${i} must be a [key, value] pair, got ${describe(p)}`);
      return p as [string, V];
    });
  }
  if (src !== null && typeof src === "object" && !(src instanceof Tensor) && !(src instanceof Module)) return Object.entries(src) as [string, V][];
  throw new Error(`${op}: expected an object, a Map or an iterable of [key, value] pairs, got ${describe(src)}`);
}

/** A key usable in dotted state-dict names: a non-empty string without ".", like PyTorch's. */
function checkKey(op: string, key: unknown): string {
  if (typeof key !== "string") throw new Error(`${op}: a key must be a string, got ${describe(key)}`);
  if (key === "" || key.includes(".")) throw new Error(`${op}: a key must be a non-empty string without ".", got '${key}'`);
  return key;
}

function missing(op: string, key: string, keys: string[]): Error {
  return new Error(`${op}: no key '${key}' (keys: ${keys.length ? keys.map((k) => `'${k}'`).join(", ") : "none"})`);
}

/**
 * Sub-modules by name, in insertion order: they are this module's children, so `parameters()`,
 * `stateDict()` (`heads.cls.weight`), `to(device)` and `train()`/`eval()` reach them.
 * torch.nn.ModuleDict: `d.get(key)` for `d[key]`, `d.set(key, m)` for `d[key] = m`, `d.size` for
 * `len(d)`; iterating gives the keys, like a Python dict.
 * @throws Error (constructor, set, update) for a key that is not a non-empty string without ".", or a value that is not a Module.
 * @example
 * const heads = new nn.ModuleDict({ cls: new nn.Linear(16, 10), box: new nn.Linear(16, 4) });
 * const y = heads.get("cls").forward(h);
 * for (const [name, head] of heads.items()) console.log(name, String(head));
 */
export class ModuleDict<T extends Module = Module> extends Module {
  readonly #modules = new Map<string, T>();

  constructor(modules?: Record<string, T> | Iterable<readonly [string, T]> | ModuleDict<T> | null) {
    super();
    checkArity("nn.ModuleDict", arguments, ["modules"]);
    if (modules != null) this.update(modules); // null: PyTorch's None, empty
  }

  /** Number of modules (Python's `len(d)`). */
  get size(): number {
    return this.#modules.size;
  }

  /**
   * The module under `key`.
   * @throws Error if there is none (Python's KeyError), listing the keys.
   * @example
   * const cls = heads.get("cls");
   */
  get(key: string): T {
    return this.#lookup("nn.ModuleDict.get", key);
  }

  #lookup(op: string, key: string): T {
    const m = this.#modules.get(key);
    if (m === undefined) throw missing(op, key, this.keys());
    return m;
  }

  /**
   * Puts `module` under `key` (replacing any module there, keeping its place in the order).
   * @throws Error for a key that is not a non-empty string without ".", or a value that is not a Module.
   * @example
   * heads.set("aux", new nn.Linear(16, 2));
   */
  set(key: string, module: T): this {
    const k = checkKey("nn.ModuleDict", key);
    if (!(module instanceof Module)) throw new Error(`nn.ModuleDict: the value of key '${k}' must be an nn.Module, got ${describe(module)}`);
    this.#modules.set(k, module);
    return this;
  }

  /**
   * True when a module is stored under `key` (Python's `key in d`).
   * @example
   * if (heads.has("aux")) heads.pop("aux");
   */
  has(key: string): boolean {
    return this.#modules.has(key);
  }

  /**
   * Removes the module under `key` and returns it.
   * @throws Error if there is none.
   * @example
   * const aux = heads.pop("aux");
   */
  pop(key: string): T {
    const m = this.#lookup("nn.ModuleDict.pop", key);
    this.#modules.delete(key);
    return m;
  }

  /**
   * Removes every module.
   * @example
   * heads.clear();
   */
  clear(): void {
    this.#modules.clear();
  }

  /**
   * The keys in order.
   * @example
   * heads.keys(); // ["cls", "box"]
   */
  keys(): string[] {
    return [...this.#modules.keys()];
  }

  /**
   * The modules in key order.
   * @example
   * const n = heads.values().length;
   */
  values(): T[] {
    return [...this.#modules.values()];
  }

  /**
   * The [key, module] pairs in order.
   * @example
   * for (const [name, head] of heads.items()) outs[name] = head.forward(h);
   */
  items(): [string, T][] {
    return [...this.#modules];
  }

  /**
   * Adds or replaces modules from an object, a Map, [key, module] pairs or another ModuleDict.
   * @throws Error for a bad key or a value that is not a Module (nothing after it is added).
   * @example
   * heads.update({ cls: new nn.Linear(16, 10) });
   */
  update(modules: Record<string, T> | Iterable<readonly [string, T]> | ModuleDict<T>): this {
    for (const [k, m] of pairsOf<T>("nn.ModuleDict", modules)) this.set(k, m);
    return this;
  }

  /** The keys in order (`for (const key of d)`, as a Python dict iterates). */
  *[Symbol.iterator](): IterableIterator<string> {
    yield* this.#modules.keys();
  }

  /**
   * Fields holding modules (of a subclass), then the stored modules by key.
   * @example
   * heads.namedChildren().map(([name]) => name); // ["cls", "box"]
   */
  override namedChildren(): [string, Module][] {
    return [...super.namedChildren(), ...this.#modules];
  }
}

/** A tensor made a parameter for a container, refused when it cannot be one (an int32 tensor). */
function asParameter(op: string, what: string, t: unknown): Tensor {
  if (!(t instanceof Tensor)) throw new Error(`${op}: ${what} must be a Tensor, got ${describe(t)}`);
  if (t.dtype === "int32") throw new Error(`${op}: ${what} must be a floating-point Tensor to be a parameter, got int32 (shape [${t.shape.join(", ")}])`);
  return Parameter(t);
}

/**
 * A list of parameters, indexable like an array (`list[0]`, `list.length`, `for..of`), named `0`,
 * `1`, ... in the state dict (`scales.0`). Each tensor is made a parameter (`nn.Parameter`).
 * torch.nn.ParameterList(values?): an iterable of tensors, or null for none.
 * @throws Error (constructor, append) for an element that is not a floating-point Tensor.
 * @example
 * const scales = new nn.ParameterList([Tensor.ones([4]), Tensor.ones([8])]);
 * const y = x.mul(scales[0]);
 */
export class ParameterList extends Module {
  [index: number]: Tensor;
  #length = 0;

  constructor(params: Iterable<Tensor> | null = []) {
    super();
    checkArity("nn.ParameterList", arguments, ["values"]);
    if (params != null) this.extend(params); // null: PyTorch's None, empty
  }

  /** Number of parameters in the list. */
  get length(): number {
    return this.#length;
  }

  /**
   * Adds a tensor at the end, made a parameter.
   * @throws Error if it is not a floating-point Tensor.
   * @example
   * scales.append(Tensor.ones([16]));
   */
  append(t: Tensor): this {
    this[this.#length] = asParameter("nn.ParameterList", `element ${this.#length}`, t);
    this.#length++;
    return this;
  }

  /**
   * Adds several tensors at the end.
   * @throws Error if one is not a floating-point Tensor (the ones before it are added).
   * @example
   * scales.extend([Tensor.ones([2]), Tensor.ones([3])]);
   */
  extend(ts: Iterable<Tensor>): this {
    if (ts === null || typeof ts !== "object" || !(Symbol.iterator in ts) || ts instanceof Tensor) {
      throw new Error(`nn.ParameterList: expected an iterable of Tensors, got ${describe(ts)}`);
    }
    for (const t of ts) this.append(t);
    return this;
  }

  /**
   * The parameter at index i (negative counts from the end).
   * @example
   * const last = scales.at(-1);
   */
  at(i: number): Tensor | undefined {
    return this[i < 0 ? this.#length + i : i];
  }

  /** The parameters in order (`for (const p of list)`). */
  *[Symbol.iterator](): IterableIterator<Tensor> {
    for (let i = 0; i < this.#length; i++) yield this[i];
  }

  override extraRepr(): string {
    return [...this].map((p, i) => `(${i}): [${p.shape.join(", ")}] ${p.dtype}`).join(", ");
  }
}

/**
 * Parameters by name: each is a field of the dict, so the state dict names it by its key
 * (`bias.q`). torch.nn.ParameterDict: `d.get(key)` for `d[key]`, `d.set(key, t)` for `d[key] = t`,
 * `d.size` for `len(d)`; iterating gives the keys. A key cannot be a member's name (`training`,
 * `get`), as in PyTorch. The order is JavaScript's for an object's fields: keys that are array
 * indices ("0", "12") first in numeric order, then the others in insertion order.
 * @throws Error (constructor, set, update) for a bad key or a value that is not a floating-point Tensor.
 * @example
 * const biases = new nn.ParameterDict({ q: Tensor.zeros([8]), v: Tensor.zeros([8]) });
 * const y = x.add(biases.get("q"));
 */
export class ParameterDict extends Module {
  readonly #keys = new Set<string>();

  constructor(params?: Record<string, Tensor> | Iterable<readonly [string, Tensor]> | ParameterDict | null) {
    super();
    checkArity("nn.ParameterDict", arguments, ["parameters"]);
    if (params != null) this.update(params); // null: PyTorch's None, empty
  }

  #fields(): Record<string, Tensor> {
    return this as unknown as Record<string, Tensor>;
  }

  /** Number of parameters (Python's `len(d)`). */
  get size(): number {
    return this.#keys.size;
  }

  /**
   * The parameter under `key`.
   * @throws Error if there is none (Python's KeyError), listing the keys.
   * @example
   * const q = biases.get("q");
   */
  get(key: string): Tensor {
    return this.#lookup("nn.ParameterDict.get", key);
  }

  #lookup(op: string, key: string): Tensor {
    if (!this.#keys.has(key)) throw missing(op, key, this.keys());
    return this.#fields()[key];
  }

  /**
   * Puts `t`, made a parameter, under `key`.
   * @throws Error for a key that is not a non-empty string without "." or names a member, or a
   *   value that is not a floating-point Tensor.
   * @example
   * biases.set("k", Tensor.zeros([8]));
   */
  set(key: string, t: Tensor): this {
    const k = checkKey("nn.ParameterDict", key);
    if (!this.#keys.has(k) && k in this) throw new Error(`nn.ParameterDict: key '${k}' is the name of a member of nn.ParameterDict; pick another`);
    this.#fields()[k] = asParameter("nn.ParameterDict", `the value of key '${k}'`, t);
    this.#keys.add(k);
    return this;
  }

  /**
   * True when a parameter is stored under `key` (Python's `key in d`).
   * @example
   * biases.has("q"); // true
   */
  has(key: string): boolean {
    return this.#keys.has(key);
  }

  /**
   * Removes the parameter under `key` and returns it.
   * @throws Error if there is none.
   * @example
   * const k = biases.pop("k");
   */
  pop(key: string): Tensor {
    const t = this.#lookup("nn.ParameterDict.pop", key);
    delete this.#fields()[key];
    this.#keys.delete(key);
    return t;
  }

  /**
   * Removes every parameter.
   * @example
   * biases.clear();
   */
  clear(): void {
    for (const k of this.#keys) delete this.#fields()[k];
    this.#keys.clear();
  }

  /**
   * The keys, in the state dict's order.
   * @example
   * biases.keys(); // ["q", "v"]
   */
  keys(): string[] {
    return Object.keys(this).filter((k) => this.#keys.has(k));
  }

  /**
   * The parameters in key order.
   * @example
   * const n = biases.values().length;
   */
  values(): Tensor[] {
    return this.keys().map((k) => this.#fields()[k]);
  }

  /**
   * The [key, parameter] pairs in order.
   * @example
   * for (const [name, p] of biases.items()) console.log(name, p.shape);
   */
  items(): [string, Tensor][] {
    return this.keys().map((k) => [k, this.#fields()[k]]);
  }

  /**
   * Adds or replaces parameters from an object, a Map, [key, tensor] pairs or another ParameterDict.
   * @throws Error for a bad key or value (nothing after it is added).
   * @example
   * biases.update({ q: Tensor.ones([8]) });
   */
  update(params: Record<string, Tensor> | Iterable<readonly [string, Tensor]> | ParameterDict): this {
    for (const [k, t] of pairsOf<Tensor>("nn.ParameterDict", params)) this.set(k, t);
    return this;
  }

  /** The keys in order (`for (const key of d)`). */
  *[Symbol.iterator](): IterableIterator<string> {
    yield* this.keys();
  }

  override extraRepr(): string {
    return this.items().map(([k, p]) => `(${k}): [${p.shape.join(", ")}] ${p.dtype}`).join(", ");
  }
}
