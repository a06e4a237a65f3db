// Argument checks and the loss reduction shared by the composites in src/functional/ (layer 7,
// beside functional.ts), on top of check.ts's: every public op names itself, the argument and what
// it expected; PyTorch's calling forms (positional, then an options object) are read by parseArgs.
import { Tensor } from "../core.js";
import { fmt } from "../shape.js";
import { checkBool, checkInt, checkOptions, describe } from "../check.js";

export { checkArity, checkBool, checkEnum, checkInt, checkOptions, describe } from "../check.js";

/** A Tensor argument. */
export function checkTensor(op: string, name: string, v: unknown): Tensor {
  if (!(v instanceof Tensor)) throw new Error(`${op}: ${name} must be a Tensor, got ${describe(v)}`);
  return v;
}

/** A floating-point tensor (the input of a differentiable op). */
export function checkFloat(op: string, name: string, v: unknown): Tensor {
  const t = checkTensor(op, name, v);
  if (t.dtype === "int32") throw new Error(`${op}: ${name} must be a floating-point tensor, got int32 (shape ${fmt(t.shape)})`);
  return t;
}

/** A number (not NaN) that `ok` accepts; `expected` says what in the error. */
export function checkScalar(op: string, name: string, v: unknown, ok: (x: number) => boolean = () => true, expected = "a number"): number {
  if (typeof v !== "number" || Number.isNaN(v) || !ok(v)) throw new Error(`${op}: ${name} must be ${expected}, got ${describe(v)}`);
  return v;
}

/** Two tensors of one shape (the input and target of an elementwise loss). */
export function checkSameShape(op: string, input: Tensor, target: Tensor): void {
  if (input.shape.length !== target.shape.length || input.shape.some((d, i) => d !== target.shape[i])) {
    throw new Error(`${op}: target shape ${fmt(target.shape)} must match input shape ${fmt(input.shape)}`);
  }
}

export type Reduction = "mean" | "sum" | "none";
export const REDUCTIONS: readonly Reduction[] = ["mean", "sum", "none"];

/** A loss's reduction: the mean or sum of every element, or the elementwise losses as they are. */
export function reduceLoss(loss: Tensor, reduction: Reduction): Tensor {
  return reduction === "none" ? loss : reduction === "sum" ? loss.sum() : loss.mean();
}

/** An int or a tuple of `n` ints, as PyTorch's pooling and conv arguments (`_single`, `_pair`). */
export function tuple(op: string, name: string, v: unknown, n: number, min: number): number[] {
  const arr = typeof v === "number" ? Array<number>(n).fill(v) : Array.isArray(v) ? [...(v as unknown[])] : null;
  const what = `${min === 1 ? "a positive" : "a non-negative"} integer or ${n === 1 ? "a one-element array of them" : `an array of ${n}`}`;
  if (!arr || arr.length !== n || arr.some((x) => typeof x !== "number" || !Number.isInteger(x) || x < min)) {
    throw new Error(`${op}: ${name} must be ${what}, got ${describe(v)}${Array.isArray(v) && v.some((x: unknown) => typeof x !== "number") ? ` ${JSON.stringify(v)}` : ""}`);
  }
  return arr as number[];
}

/** [a, b, c] → [] | [a] | [a, b] | [a, b, c]. */
type Prefixes<P extends unknown[]> = P extends [...infer H, unknown] ? P | Prefixes<H> : [];
/**
 * PyTorch's calling forms in one type: any prefix of the positional arguments `P`, optionally
 * followed by an options object `O` with the rest by name (`elu(x, 0.5)`, `elu(x, { alpha: 0.5 })`).
 */
export type Args<P extends unknown[], O> = Prefixes<P> extends infer X ? (X extends unknown[] ? X | [...X, O] : never) : never;

/** Whether an argument is an options object (not an array, typed array or Tensor). */
export const isOptions = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v) && !ArrayBuffer.isView(v) && !(v instanceof Tensor);

/** An argument's value, or `dflt` when it was not given. Only undefined means "not given": an
 *  explicit null stays null, so that the argument's check refuses it where PyTorch refuses None. */
export function given<T>(v: T | undefined, dflt: T): T {
  return v === undefined ? dflt : v;
}

/**
 * Reads `Args<P, O>`: positional values fill `names` in order; a trailing options object may give
 * any of them by name, and the `keywordOnly` ones (PyTorch's parameters after `*`) only by name (an
 * unknown key, or a name given both ways, is an error naming it).
 */
export function parseArgs(op: string, args: readonly unknown[], names: readonly string[], keywordOnly: readonly string[] = []): Record<string, unknown> {
  if (args.length === 0) return {}; // the usual call (relu(x), a loss with its defaults)
  const last = args[args.length - 1];
  const opts = isOptions(last) ? last : null;
  const positional = opts ? args.slice(0, -1) : args;
  if (positional.some(isOptions)) throw new Error(`${op}: an options object must be the last argument`);
  if (positional.length > names.length) {
    // a module's (nn.Linear(3, 4, bias), nn.ReLU(inplace)) may have no tensor arguments before these
    const what = /^nn\.[A-Z]\w*$/.test(op) ? `optional argument${names.length === 1 ? "" : "s"}` : `argument${names.length === 1 ? "" : "s"} after the tensor arguments`;
    throw new Error(`${op}: expected at most ${names.length} ${what} (${names.join(", ")}), got ${positional.length}`);
  }
  const out: Record<string, unknown> = {};
  positional.forEach((v, i) => {
    if (v !== undefined) out[names[i]] = v;
  });
  if (opts) {
    checkOptions(op, opts, [...names, ...keywordOnly]);
    for (const [k, v] of Object.entries(opts)) {
      if (k in out) throw new Error(`${op}: ${k} is given both as an argument and in the options object`);
      if (v !== undefined) out[k] = v;
    }
  }
  return out;
}

/** paddingIdx in [-num, num), negative counting from the end (PyTorch's rule), as a row index. */
export function embeddingPaddingIdx(op: string, p: unknown, num: number): number {
  const v = checkInt(op, "paddingIdx", p, -num, num - 1);
  return v < 0 ? v + num : v;
}

/** PyTorch's `inplace` flag of an activation or dropout: dlgrad always returns a new tensor, so only false is taken. */
export function checkInplace(op: string, v: unknown): void {
  if (v !== undefined && checkBool(op, "inplace", v)) {
    throw new Error(`${op}: inplace=true is not supported (dlgrad has no in-place activations): use the returned tensor`);
  }
}

/** Arguments that are only PyTorch's `inplace` (positional or `{ inplace }`), as a parameter-free
 *  activation (F's, or its nn module's constructor) takes. */
export function inplaceOnly(op: string, args: readonly unknown[]): void {
  checkInplace(op, parseArgs(op, args, ["inplace"]).inplace);
}

/** The input of a parameter-free activation, and its other arguments (see inplaceOnly). */
export function activationInput(op: string, input: unknown, args: readonly unknown[], float = true): Tensor {
  const t = float ? checkFloat(op, "input", input) : checkTensor(op, "input", input);
  inplaceOnly(op, args);
  return t;
}

/**
 * A loss's arguments after input and target, in PyTorch's positional order `names`, then an optional
 * options object. PyTorch's deprecated sizeAverage and reduce (size_average, reduce) must be null or absent.
 */
export function lossArgs(op: string, args: readonly unknown[], names: readonly string[]): Record<string, unknown> {
  const last = args[args.length - 1];
  // sizeAverage and reduce only hold PyTorch's positional places: the options object takes the rest
  if (isOptions(last)) checkOptions(op, last, names.filter((k) => k !== "sizeAverage" && k !== "reduce"));
  const a = parseArgs(op, args, names);
  for (const k of ["sizeAverage", "reduce"]) {
    if (a[k] != null) throw new Error(`${op}: ${k} (PyTorch's deprecated ${k === "reduce" ? "reduce" : "size_average"}) is not supported, got ${describe(a[k])}: give reduction instead ('mean', 'sum' or 'none'), e.g. { reduction: 'sum' }`);
  }
  return a;
}
