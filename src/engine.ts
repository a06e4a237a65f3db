// The engine: the reverse sweep over a recorded graph, grad(), and the one leaf-gradient policy
// (what backward() stores in .grad). Above ops.ts: its sums are ordinary ops.
import { type AllocLog, Tensor, bumpVersion, setAllocLog, writeCount, writtenSince } from "./core.js";
import type { Storage } from "./backend/backend.js";
import { type Node, WindowGrad, noGrad, withGrad } from "./graph.js";
import { clone } from "./ops.js";
import { fmt, sameShape } from "./shape.js";
import { checkOptions, describe } from "./check.js";

/** The number of the current graph walk: a node whose `visit` equals it has been seen. */
let walks = 0;

/** Tensors reachable from roots that have a node, parents before children. Iterative DFS. */
function topoOrder(roots: Tensor[]): Tensor[] {
  const order: Tensor[] = [];
  const walk = ++walks; // runs to the end before any rule (or nested sweep) runs
  // the DFS stack as two parallel arrays (tensor, next parent to visit): no tuple per node
  const stack: Tensor[] = [], next: number[] = [];
  for (const r of roots) {
    const rn = r.gradFn;
    if (rn === null || rn.visit === walk) continue;
    rn.visit = walk;
    stack.push(r);
    next.push(0);
    while (stack.length) {
      const top = stack.length - 1;
      const parents = stack[top].gradFn!.parents;
      if (next[top] < parents.length) {
        const p = parents[next[top]++], pn = p.gradFn;
        if (pn !== null && pn.visit !== walk) {
          pn.visit = walk;
          stack.push(p);
          next.push(0);
        }
      } else {
        order.push(stack[top]);
        stack.pop();
        next.pop();
      }
    }
  }
  return order;
}

/**
 * Reverse-mode sweep. Returns the gradient of sum(roots * rootGrads) for every tensor that
 * `keep` selects. With createGraph the backward ops are themselves recorded (higher order).
 */
export function runBackward(
  roots: Tensor[], rootGrads: Tensor[], keep: (t: Tensor) => boolean, createGraph: boolean, retain = false,
): Map<Tensor, Tensor> {
  // Storages this sweep allocates (without a graph of the backward only): a gradient made here that
  // nothing else holds is released as soon as its node's rule has run, so its memory goes straight
  // back to the device's pool instead of waiting for (and forcing) a collection. A plain Set, held
  // only while the sweep runs (a WeakSet costs more per call and an ephemeron table in every GC),
  // of the storages large enough for the backend's release to take.
  const born: AllocLog | null = createGraph ? null : { storages: null };
  const prevLog = setAllocLog(born);
  try {
    return sweep(roots, rootGrads, keep, createGraph, retain, born);
  } finally {
    setAllocLog(prevLog);
  }
}

function sweep(
  roots: Tensor[], rootGrads: Tensor[], keep: (t: Tensor) => boolean, createGraph: boolean, retain: boolean,
  born: AllocLog | null,
): Map<Tensor, Tensor> {
  return withGrad(createGraph, () => {
    const grads = new Map<Tensor, Tensor>();
    // Gradients this sweep made itself (sums, materialised windows) that nothing else has seen
    // yet: more contributions are added into them in place. Without a graph of the backward only:
    // with createGraph every sum must stay a node.
    let owned = null as Set<Tensor> | null; // made on first use: most small sweeps sum nothing
    // gradients added into others (in place or into a new sum): released after their node's rule
    const dead: Tensor[] | null = born ? [] : null;
    const add = (t: Tensor, o: Tensor | WindowGrad) => {
      const prev = grads.get(t);
      const window = o instanceof WindowGrad;
      if (window && prev && owned?.has(prev)) return o.addInto(prev);
      const g = window ? o.materialize() : o;
      if (!sameShape(g.shape, t.shape)) {
        throw new Error(`backward: internal error: gradient of shape ${fmt(g.shape)} for a tensor of shape ${fmt(t.shape)}`);
      }
      if (!prev) {
        grads.set(t, g);
        if (window && !createGraph) (owned ??= new Set()).add(g);
        return;
      }
      if (owned?.has(prev)) {
        prev.backend.binary("add", prev, prev, g);
        dead?.push(g);
        return;
      }
      const sum = prev.add(g);
      dead?.push(prev, g);
      grads.set(t, sum);
      if (!createGraph) (owned ??= new Set()).add(sum);
    };
    for (let i = 0; i < roots.length; i++) add(roots[i], rootGrads[i]);
    const order = topoOrder(roots);
    for (let i = order.length - 1; i >= 0; i--) {
      const t = order[i];
      const g0 = grads.get(t);
      if (!g0) continue;
      // t's gradient is complete here (this reverse sweep has visited every tensor computed from
      // t): its hooks see the sum, and may replace it for everything upstream
      const g = runHooks(t, g0);
      if (retain && anyRetained && retained.has(t)) t.grad = noGrad(() => (t.grad ? t.grad.add(g) : clone(g)));
      const kept = keep(t);
      if (kept) grads.set(t, g);
      else grads.delete(t); // intermediate gradients die as soon as they are used
      owned?.delete(g); // the rule below may hand g on (as a parent's gradient, or a view of it)
      const node = t.gradFn!;
      checkVersions(t, node);
      const outs = node.backward(g);
      const parents = node.parents;
      for (let j = 0; j < parents.length; j++) {
        const p = parents[j], o = outs[j];
        if (o === null || o === undefined || !p.requiresGrad) continue;
        add(p, typeof o === "function" ? o() : o);
      }
      // g, and the contributions summed up meanwhile, are dead now unless a gradient still waiting
      // in `grads` is (a view of) one of them. A hook may have kept g0 or the g it returned (or
      // views of them, handed on upstream): those are never released.
      if (born && dead) {
        if (anyHooks && hooks.has(t)) {
          born.storages?.delete(g0.data);
          born.storages?.delete(g.data);
        } else if (!kept) dead.push(g);
        for (const d of dead) release(d, grads, born);
        dead.length = 0;
      }
    }
    // a leaf's gradient is complete once the sweep is over
    if (anyHooks) for (const [t, g] of grads) if (t.isLeaf) grads.set(t, runHooks(t, g));
    return grads;
  });
}

/** Gives d's storage back to its device now if this sweep made it (and may release it) and no
 *  gradient in `grads` uses it; the storage reads as empty afterwards. */
function release(d: Tensor, grads: Map<Tensor, Tensor>, born: AllocLog): void {
  const s = d.data, set = born.storages;
  if (set === null || !set.has(s)) return; // only storages of backends with a release are noted
  for (const v of grads.values()) if (v.data === s) return;
  set.delete(s);
  d.backend.release!(s);
}

/** A node's rule reads its output and parents: refuse if any was written in place since it ran. */
function checkVersions(t: Tensor, node: Node): void {
  if (writeCount() === node.writes) return; // nothing at all was written in place since
  for (let i = 0; i <= node.parents.length; i++) {
    const x = i === 0 ? t : node.parents[i - 1];
    if (writtenSince(x, node.writes)) {
      throw new Error(`backward: a tensor of shape ${fmt(x.shape)} needed by the gradient of '${node.op}' was modified in place (assign, an optimizer step) after '${node.op}' used it; PyTorch refuses this too ("modified by an inplace operation"): make the write before the forward pass, or on a clone`);
    }
  }
}

/** Ones of t's shape, dtype and device: Tensor.onesLike(t) without its option checks (the seed of
 *  every backward of a scalar, so part of the per-call cost of a tiny graph). */
function onesOf(t: Tensor): Tensor {
  const g = Tensor.alloc(t.shape, t.dtype, t.device);
  g.backend.fill(g, 1);
  return g;
}

/** t.backward(gradient?): accumulate d(t)/d(leaf) into every leaf's .grad. A non-scalar needs an
 *  explicit gradient. */
export function backward(t: Tensor, gradient?: Tensor): void {
  if (!t.requiresGrad) throw new Error(`backward: tensor of shape ${fmt(t.shape)} does not require grad and has no gradFn`);
  let g: Tensor;
  if (gradient === undefined) {
    if (t.numel !== 1) throw new Error(`backward: grad can be implicitly created only for scalar outputs, got shape ${fmt(t.shape)}`);
    g = onesOf(t);
  } else {
    if (!(gradient instanceof Tensor)) throw new Error("backward: gradient must be a Tensor");
    if (!sameShape(gradient.shape, t.shape)) {
      throw new Error(`backward: gradient shape ${fmt(gradient.shape)} does not match tensor shape ${fmt(t.shape)}`);
    }
    g = gradient.detach();
  }
  const grads = runBackward([t], [g], (x) => x.isLeaf, false, true);
  // The leaf-gradient policy. A leaf's .grad must be its own dense buffer: a rule may hand the same
  // tensor to two parents (add), a stride-0 view (sum), or the caller's gradient, and optimizers
  // update .grad in place. A second backward adds into the .grad there is, in place, as PyTorch's
  // AccumulateGrad does (a reference to .grad sees the sum), unless it is a view whose elements
  // may alias or itself requires grad: then into a new tensor.
  noGrad(() => {
    // The storages now some leaf's .grad, and the caller's gradient: a leaf's first .grad must be
    // none of them. An array until a leaf gets its first .grad, then a set: a backward that only
    // adds into existing .grads (gradient accumulation) builds no set.
    const given: Storage[] = [g.data];
    let owned: Set<Storage> | null = null;
    for (const [x, gx] of grads) {
      if (!x.isLeaf || !x.requiresGrad) continue;
      const prev = x.grad;
      if (prev && !prev.requiresGrad && prev.isContiguous()) {
        prev.backend.binary("add", prev, prev, gx);
        bumpVersion(prev);
      } else if (prev) x.grad = prev.add(gx);
      else {
        owned ??= new Set(given);
        x.grad = gx.isContiguous() && !owned.has(gx.data) ? gx : clone(gx);
      }
      if (owned) owned.add(x.grad!.data);
      else given.push(x.grad!.data);
    }
  });
}

/**
 * The gradients of sum(outputs · gradOutputs) with respect to `inputs`, returned rather than
 * accumulated into `.grad` (torch.autograd.grad). Options: `gradOutputs` (needed for non-scalar
 * outputs), `createGraph` (record the backward pass too, for higher-order gradients), `allowUnused`
 * (zeros for an input the outputs do not depend on, where PyTorch gives None).
 * @throws Error if an output or input does not require grad, a non-scalar output has no gradOutput, or an input is unused without `allowUnused`.
 * @example
 * const [dx] = grad(x.pow(3).sum(), x, { createGraph: true }); // 3x²
 * const [d2x] = grad(dx.sum(), x);                               // 6x
 */
export function grad(
  outputs: Tensor | Tensor[], inputs: Tensor | Tensor[],
  opts: { gradOutputs?: Tensor | Tensor[]; createGraph?: boolean; allowUnused?: boolean } = {},
): Tensor[] {
  checkOptions("grad", opts, ["gradOutputs", "createGraph", "allowUnused"]);
  const list = (name: string, v: Tensor | Tensor[]): Tensor[] => {
    const l = Array.isArray(v) ? v : [v];
    l.forEach((t, i) => {
      if (!(t instanceof Tensor)) throw new Error(`grad: ${name}[${i}] must be a Tensor, got ${describe(t)}`);
    });
    return l;
  };
  const outs = list("outputs", outputs), ins = list("inputs", inputs);
  const gos = opts.gradOutputs === undefined ? [] : list("gradOutputs", opts.gradOutputs);
  const rootGrads = outs.map((o, i) => {
    if (!o.requiresGrad) throw new Error(`grad: output ${i} of shape ${fmt(o.shape)} does not require grad`);
    if (gos[i]) {
      if (!sameShape(gos[i].shape, o.shape)) throw new Error(`grad: gradOutputs[${i}] has shape ${fmt(gos[i].shape)}, output ${i} has ${fmt(o.shape)}`);
      return gos[i];
    }
    if (o.numel !== 1) throw new Error(`grad: gradOutputs must be given for non-scalar output ${i} of shape ${fmt(o.shape)}`);
    return onesOf(o);
  });
  ins.forEach((t, i) => {
    if (!t.requiresGrad) throw new Error(`grad: input ${i} of shape ${fmt(t.shape)} does not require grad`);
  });
  const want = new Set(ins);
  const grads = runBackward(outs, rootGrads, (t) => want.has(t), opts.createGraph ?? false);
  return ins.map((t, i) => {
    const g = grads.get(t);
    if (g) return g;
    if (!opts.allowUnused) throw new Error(`grad: input ${i} of shape ${fmt(t.shape)} is not used in the graph of the outputs (pass allowUnused: true)`);
    return Tensor.zerosLike(t);
  });
}

// ---- tensor hooks and retained gradients ----------------------------------------------------
// Kept beside the sweep that runs them, in weak tables (no field on every Tensor). The methods
// t.registerHook(fn) and t.retainGrad() are added to Tensor here, as tensor.ts adds the others.

/** A gradient hook: sees a tensor's complete gradient; returning a tensor replaces it. */
export type GradHook = (grad: Tensor) => Tensor | void;

const hooks = new WeakMap<Tensor, GradHook[]>();
const retained = new WeakSet<Tensor>();
// whether any hook or retainGrad was ever registered: until then the sweep skips the weak-table
// lookups for every node
let anyHooks = false, anyRetained = false;

function runHooks(t: Tensor, g: Tensor): Tensor {
  if (!anyHooks) return g;
  for (const h of hooks.get(t) ?? []) {
    const r = h(g);
    if (r === undefined) continue;
    if (!(r instanceof Tensor) || !sameShape(r.shape, g.shape)) {
      throw new Error(`registerHook: a hook must return nothing or a Tensor of the gradient's shape ${fmt(g.shape)}, got ${r instanceof Tensor ? `shape ${fmt(r.shape)}` : typeof r}`);
    }
    g = r;
  }
  return g;
}

declare module "./core.js" {
  interface Tensor {
    /**
     * Calls `hook(grad)` each time this tensor's gradient is computed (by backward() or grad()),
     * before it flows further; a Tensor returned replaces the gradient (torch.Tensor.register_hook).
     * Returns a handle whose remove() unregisters it.
     * @throws Error if hook is not a function or this tensor does not require grad.
     * @example
     * const h = x.registerHook((g) => g.clamp(-1, 1));
     * h.remove();
     */
    registerHook(hook: GradHook): {
      /** Unregister the hook. */
      remove(): void;
    };
    /**
     * Keep this non-leaf tensor's gradient in .grad after backward() (torch's `.retain_grad()`; a no-op on leaves).
     * @throws Error if this tensor does not require grad.
     * @example
     * const h = x.mul(2); h.retainGrad();
     * h.sum().backward(); // h.grad is all ones
     */
    retainGrad(): void;
    /** True after retainGrad() on a non-leaf tensor. */
    readonly retainsGrad: boolean;
  }
}

Object.assign(Tensor.prototype, {
  registerHook(this: Tensor, hook: GradHook): { remove(): void } {
    if (typeof hook !== "function") throw new Error(`registerHook: hook must be a function, got ${typeof hook}`);
    if (!this.requiresGrad) throw new Error(`registerHook: cannot register a hook on a tensor that does not require grad (shape ${fmt(this.shape)})`);
    const list = hooks.get(this) ?? [];
    hooks.set(this, [...list, hook]);
    anyHooks = true;
    return {
      remove: () => hooks.set(this, (hooks.get(this) ?? []).filter((h) => h !== hook)),
    };
  },
  retainGrad(this: Tensor): void {
    if (!this.requiresGrad) throw new Error(`retainGrad: cannot retain the gradient of a tensor that does not require grad (shape ${fmt(this.shape)})`);
    if (!this.isLeaf) retained.add(this);
    anyRetained = true;
  },
});
Object.defineProperty(Tensor.prototype, "retainsGrad", {
  get(this: Tensor): boolean {
    return retained.has(this);
  },
});
