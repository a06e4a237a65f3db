// The graph: nodes recorded by ops, backward in topological order (no recursion), noGrad, grad().
import type { Tensor } from "./tensor.js";
import { fmt } from "./shape.js";

/**
 * The gradient of a view's base: zero except in the window the view selects (what a slice,
 * narrow or split passes back). The engine adds it straight into a gradient it is accumulating
 * (`addInto`) instead of materialising base-sized zeros and adding those.
 */
export class WindowGrad {
  constructor(readonly materialize: () => Tensor, readonly addInto: (target: Tensor) => void) {}
}

/** A backward rule returns one gradient per parent: a Tensor, a thunk computed only if that
 *  parent needs it, a WindowGrad, or null for "no gradient" (an integer input, a mask). */
export type GradOut = Tensor | (() => Tensor) | WindowGrad | null;
export interface Node {
  op: string;
  parents: Tensor[];
  backward: (g: Tensor) => GradOut[];
}

let gradEnabled = true;

export function isGradEnabled(): boolean {
  return gradEnabled;
}

/** Run fn without recording a graph, like `with torch.no_grad()`. */
export function noGrad<T>(fn: () => T): T {
  return withGrad(false, fn);
}

export function withGrad<T>(enabled: boolean, fn: () => T): T {
  const prev = gradEnabled;
  gradEnabled = enabled;
  try {
    return fn();
  } finally {
    gradEnabled = prev;
  }
}

/** Tensors reachable from roots that have a node, parents before children. Iterative DFS. */
function topoOrder(roots: Tensor[]): Tensor[] {
  const order: Tensor[] = [];
  const seen = new Set<Tensor>();
  const stack: [Tensor, number][] = [];
  for (const r of roots) {
    if (r.gradFn === null || seen.has(r)) continue;
    seen.add(r);
    stack.push([r, 0]);
    while (stack.length) {
      const top = stack[stack.length - 1];
      const parents = top[0].gradFn!.parents;
      if (top[1] < parents.length) {
        const p = parents[top[1]++];
        if (p.gradFn !== null && !seen.has(p)) {
          seen.add(p);
          stack.push([p, 0]);
        }
      } else {
        order.push(top[0]);
        stack.pop();
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
  roots: Tensor[], rootGrads: Tensor[], keep: (t: Tensor) => boolean, createGraph: boolean,
): Map<Tensor, Tensor> {
  return withGrad(createGraph, () => {
    const grads = new Map<Tensor, Tensor>();
    // Gradients this sweep made itself (sums, materialised windows) that nothing else has seen
    // yet: more contributions are added into them in place. Without a graph of the backward only:
    // with createGraph every sum must stay a node.
    const owned = new Set<Tensor>();
    const add = (t: Tensor, o: Tensor | WindowGrad) => {
      const prev = grads.get(t);
      const window = o instanceof WindowGrad;
      if (window && prev && owned.has(prev)) return o.addInto(prev);
      const g = window ? o.materialize() : o;
      if (g.shape.length !== t.shape.length || g.shape.some((d, i) => d !== t.shape[i])) {
        throw new Error(`backward: internal error: gradient of shape ${fmt(g.shape)} for a tensor of shape ${fmt(t.shape)}`);
      }
      if (!prev) {
        grads.set(t, g);
        if (window && !createGraph) owned.add(g);
        return;
      }
      if (owned.has(prev)) return prev.backend.binary("add", prev, prev, g);
      const sum = prev.add(g);
      grads.set(t, sum);
      if (!createGraph) owned.add(sum);
    };
    roots.forEach((r, i) => add(r, rootGrads[i]));
    const order = topoOrder(roots);
    for (let i = order.length - 1; i >= 0; i--) {
      const t = order[i];
      const g = grads.get(t);
      if (!g) continue;
      if (!keep(t)) grads.delete(t); // intermediate gradients die as soon as they are used
      owned.delete(g); // the rule below may hand g on (as a parent's gradient, or a view of it)
      const node = t.gradFn!;
      const outs = node.backward(g);
      node.parents.forEach((p, j) => {
        if (!p.requiresGrad) return;
        const o = outs[j];
        if (o === null || o === undefined) return;
        add(p, typeof o === "function" ? o() : o);
      });
    }
    return grads;
  });
}

/** Graphviz DOT of the graph that produced t: one box per tensor, edges from parents. */
export function toDot(t: Tensor): string {
  const ids = new Map<Tensor, string>();
  const lines = ["digraph dlgrad {", "  rankdir=LR;", "  node [shape=box, fontname=monospace];"];
  const name = (x: Tensor) => {
    let id = ids.get(x);
    if (!id) {
      id = `t${ids.size}`;
      ids.set(x, id);
      const label = x.gradFn ? `${x.gradFn.op} ${fmt(x.shape)}` : `${x.requiresGrad ? "param" : "const"} ${fmt(x.shape)}`;
      lines.push(`  ${id} [label="${label}"${x.gradFn ? "" : ", style=filled, fillcolor=lightgrey"}];`);
    }
    return id;
  };
  const stack = [t];
  const seen = new Set<Tensor>([t]);
  name(t);
  while (stack.length) {
    const x = stack.pop()!;
    for (const p of x.gradFn?.parents ?? []) {
      lines.push(`  ${name(p)} -> ${name(x)};`);
      if (!seen.has(p)) {
        seen.add(p);
        stack.push(p);
      }
    }
  }
  lines.push("}");
  return lines.join("\n");
}
