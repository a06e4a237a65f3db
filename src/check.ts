// Argument checks at the public boundary: every public function validates its arguments with these
// before calling anything internal, so a user's mistake is named by the op they called, the argument
// and what was expected, and JavaScript callers without TypeScript get the same protection.
// Bottom layer: no Tensor here (ops.ts checks tensor arguments).

/** Rejects anything but a plain options object (or undefined) and any key not in `keys`. */
export function checkOptions<T extends object>(op: string, opts: T | undefined, keys: readonly string[]): T {
  if (opts === undefined) return {} as T;
  if (typeof opts !== "object" || opts === null || Array.isArray(opts) || ArrayBuffer.isView(opts)) {
    throw new Error(`${op}: expected an options object, got ${describe(opts)}`);
  }
  for (const k of Object.keys(opts)) {
    if (!keys.includes(k)) {
      throw new Error(`${op}: unknown option '${k}'${keys.length ? ` (expected ${keys.map((x) => `'${x}'`).join(", ")})` : " (it takes no options)"}`);
    }
  }
  return opts;
}

/**
 * Refuses a call with more arguments than `names` (pass the function's `arguments`): a PyTorch user
 * passing PyTorch's further positional parameters (`nn.Linear(3, 4, false)` for bias=False) must get
 * an error, not a silently different layer.
 */
export function checkArity(op: string, args: { length: number }, names: readonly string[]): void {
  if (args.length > names.length) {
    throw new Error(`${op}: expected at most ${names.length} argument${names.length === 1 ? "" : "s"} (${names.join(", ")}), got ${args.length}`);
  }
}

/** A whole number in [min, max]. */
export function checkInt(op: string, name: string, v: unknown, min = -Infinity, max = Infinity): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max) {
    const range = min === -Infinity && max === Infinity ? "" : max === Infinity ? ` >= ${min}` : min === -Infinity ? ` <= ${max}` : ` in [${min}, ${max}]`;
    throw new Error(`${op}: ${name} must be an integer${range}, got ${describe(v)}`);
  }
  return v;
}

/** A number (NaN and ±Infinity allowed unless `finite`). */
export function checkNumber(op: string, name: string, v: unknown, finite = false): number {
  if (typeof v !== "number" || (finite && !Number.isFinite(v))) {
    throw new Error(`${op}: ${name} must be a ${finite ? "finite " : ""}number, got ${describe(v)}`);
  }
  return v;
}

/** A boolean. */
export function checkBool(op: string, name: string, v: unknown): boolean {
  if (typeof v !== "boolean") throw new Error(`${op}: ${name} must be true or false, got ${describe(v)}`);
  return v;
}

/** One of the given strings. */
export function checkEnum<T extends string>(op: string, name: string, v: unknown, values: readonly T[]): T {
  if (!values.includes(v as T)) throw new Error(`${op}: ${name} must be ${values.map((x) => `'${x}'`).join(" or ")}, got ${describe(v)}`);
  return v as T;
}

export const INT32_MIN = -2147483648, INT32_MAX = 2147483647;

/** A value stored into an int32 tensor: int32 has no NaN and cannot hold values outside its range
 *  (PyTorch refuses them too); fractions truncate toward zero. */
export function checkInt32Value(op: string, v: number): void {
  if (!(v >= INT32_MIN && v < INT32_MAX + 1)) {
    throw new Error(`${op}: value ${v} cannot be converted to int32 without overflow (int32 holds ${INT32_MIN}..${INT32_MAX})`);
  }
}

/** A short description of a value for error messages. */
export function describe(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return `an array [${v.slice(0, 4).map((x) => (typeof x === "number" ? x : typeof x)).join(", ")}${v.length > 4 ? ", ..." : ""}]`;
  if (typeof v === "string") return `the string '${v}'`;
  if (typeof v === "number") return String(v);
  if (typeof v === "object") return (v as object).constructor?.name === "Tensor" ? "a Tensor" : `${(v as object).constructor?.name ?? "an object"}`;
  return typeof v;
}
