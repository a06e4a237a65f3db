// The graph: what ops record (nodes and their backward rules), grad mode (noGrad), and toDot.
// Bottom layer: only `import type` of Tensor. The sweep that runs the rules is engine.ts.
import type { Tensor } from "./core.js";
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
  /** The count of in-place writes when recorded (see core.ts's writeCount): a write into the
   *  output's or a parent's storage after it makes the node's rule refuse to run. */
  writes: number;
  /** Internal: the number of the last graph walk (the engine's topological order) that reached
   *  this node, so a walk needs no set of the nodes it has seen. */
  visit: number;
}

let gradEnabled = true;

/**
 * Whether ops are being recorded for autograd: false inside `noGrad` (torch.is_grad_enabled).
 * @example
 * noGrad(() => isGradEnabled()); // false
 */
export function isGradEnabled(): boolean {
  return gradEnabled;
}

/**
 * Run fn without recording a graph, like `with torch.no_grad()`, and return what it returns.
 * Tensors made inside do not require grad. Grad mode is restored even if fn throws.
 * @example
 * const pred = noGrad(() => model.forward(x));
 */
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
