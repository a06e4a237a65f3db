// Every public export has a doc comment: the TypeScript compiler loads the two entry points
// (src/index.ts, src/node.ts) and walks everything they export, recursively — the namespaces
// (F, nn, optim, data, webgpu and the ones inside them), classes with their public static and
// instance members (Tensor's fluent methods merged in from src/tensor.ts included), functions,
// variables, type aliases, interfaces and their members. `npm run docs` (TypeDoc) refuses the
// same gaps; this test catches them without building the HTML.
import { test } from "node:test";
import assert from "node:assert/strict";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

/** Whether a declaration (or, for `export * as ns`, its export statement) carries a JSDoc comment. */
function hasJsDoc(decl: ts.Node): boolean {
  const node = ts.isNamespaceExport(decl) ? decl.parent : decl;
  // a variable's comment sits on its statement: `/** ... */ export const relu = ...`
  return ts.getJSDocCommentsAndTags(node).length > 0;
}

/**
 * The public symbols reachable from `entries` that have no doc comment, as dotted names
 * ("nn.Linear.forward"). A symbol counts as documented when any of its declarations has a JSDoc
 * comment (so an overload set needs one; a getter/setter pair needs one). Members come from the
 * compiler's view of the type, so interface merging and mapped types (Tensor's methods) count; a
 * member of a mapped type over an object literal carries the literal's comment, while one made
 * from a union of names (and so with no declaration to hold a comment) is reported. Private,
 * protected and #private members, and members declared outside `within` (Object, Error, lib
 * types), are skipped; each declaration is reported once, under the first name that reaches it.
 */
export function findUndocumented(program: ts.Program, entries: readonly string[], within: (file: string) => boolean): string[] {
  const checker = program.getTypeChecker();
  const seen = new Set<ts.Symbol>();
  const missing: string[] = [];
  const ours = (s: ts.Symbol): boolean => (s.declarations ?? []).some((d) => within(d.getSourceFile().fileName));

  const documented = (s: ts.Symbol): boolean => {
    const decls = s.declarations ?? [];
    if (decls.some(hasJsDoc)) return true;
    return s.getDocumentationComment(checker).length > 0; // mapped and instantiated members
  };
  const isPublicMember = (s: ts.Symbol): boolean => {
    if (s.name.startsWith("#") || s.name.startsWith("__#") || s.name === "prototype" || s.name.startsWith("__@")) return false; // #private, symbols
    return !(s.declarations ?? []).some((d) => {
      const flags = ts.getCombinedModifierFlags(d as ts.Declaration);
      return (flags & (ts.ModifierFlags.Private | ts.ModifierFlags.Protected)) !== 0 || (ts.isPropertyDeclaration(d) || ts.isMethodDeclaration(d)) && ts.isPrivateIdentifier(d.name);
    });
  };

  const members = (name: string, props: readonly ts.Symbol[]): void => {
    for (const p of props) {
      if (!isPublicMember(p)) continue;
      // a member without declarations (made from a union of names) is ours when its owner is
      if ((p.declarations?.length ?? 0) > 0 && !ours(p)) continue;
      visit(`${name}.${p.name}`, p, false);
    }
  };

  const visit = (name: string, sym: ts.Symbol, isExport: boolean): void => {
    if (seen.has(sym)) return; // node.ts re-exports index.ts's own export symbols
    seen.add(sym);
    let target = sym;
    if (sym.flags & ts.SymbolFlags.Alias) target = checker.getAliasedSymbol(sym);
    if (isExport && !ours(target)) return; // a re-export of a dependency's symbol
    const isModule = (target.flags & ts.SymbolFlags.ValueModule) !== 0 && (target.declarations ?? []).some(ts.isSourceFile);
    // `export * as F from "./functional.js"`: each such export statement carries the namespace's comment
    if (isModule && !(sym.declarations ?? []).some(hasJsDoc)) missing.push(name);
    if (target !== sym && seen.has(target)) return;
    seen.add(target);
    if (!isModule && !documented(target) && !(sym !== target && documented(sym))) missing.push(name);
    if (target.flags & ts.SymbolFlags.Class) {
      // the static side (its properties include a merged namespace's exports: Tensor.cat), then the instance side
      members(name, checker.getPropertiesOfType(checker.getTypeOfSymbol(target)));
      members(name, checker.getPropertiesOfType(checker.getDeclaredTypeOfSymbol(target)));
    } else if (target.flags & ts.SymbolFlags.Interface) {
      members(name, checker.getPropertiesOfType(checker.getDeclaredTypeOfSymbol(target)));
    }
    if (target.flags & (ts.SymbolFlags.ValueModule | ts.SymbolFlags.NamespaceModule) && !(target.flags & ts.SymbolFlags.Class)) {
      for (const e of checker.getExportsOfModule(target)) visit(`${name}.${e.name}`, e, true);
    }
  };

  for (const file of entries) {
    const sf = program.getSourceFile(file);
    if (!sf) throw new Error(`findUndocumented: ${file} is not in the program`);
    const mod = checker.getSymbolAtLocation(sf);
    if (!mod) throw new Error(`findUndocumented: ${file} is not a module`);
    for (const e of checker.getExportsOfModule(mod)) visit(e.name, e, true);
  }
  return missing;
}

/** A program over in-memory files (for the checker's own test). */
function memoryProgram(files: Record<string, string>): ts.Program {
  const options: ts.CompilerOptions = { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext, moduleResolution: ts.ModuleResolutionKind.Bundler, noLib: true, types: [] };
  const host = ts.createCompilerHost(options);
  host.fileExists = (f) => f in files;
  host.directoryExists = (d) => Object.keys(files).some((f) => f.startsWith(d.endsWith("/") ? d : d + "/"));
  host.readFile = (f) => files[f];
  host.getSourceFile = (f, lang) => (f in files ? ts.createSourceFile(f, files[f], lang) : undefined);
  host.getCurrentDirectory = () => "/";
  return ts.createProgram(Object.keys(files), options, host);
}

test("the checker reports each undocumented export, member and namespace by name", () => {
  const program = memoryProgram({
    "/m/a.ts": [
      `/** Documented. */ export function ok(): void {}`,
      `export function bare(): void {}`,
      `/** A class. */ export class C {`,
      `  /** Documented. */ good(): void {}`,
      `  undocumentedMethod(): void {}`,
      `  private hidden(): void {}`,
      `  #secret = 1;`,
      `  /** Documented static. */ static make(): C { return new C(); }`,
      `  static bareStatic = 1;`,
      `}`,
      `const methods = {`,
      `  /** Documented literal member. */ viaLiteral(): void {},`,
      `  bareLiteral(): void {},`,
      `};`,
      `type Mapped = { [K in keyof typeof methods]: (typeof methods)[K] };`,
      `type Named = { [K in "fromNames"]: () => void };`,
      `/** Merged. */ export interface C extends Mapped, Named {}`,
      `export namespace C {`,
      `  /** A documented merged static. */ export const viaNamespace = 1;`,
      `  export const bareInNamespace = 2;`,
      `}`,
      `/** Options. */ export interface Opts {`,
      `  /** Documented. */ a?: number;`,
      `  b?: number;`,
      `}`,
      `export type Alias = number;`,
    ].join("\n"),
    "/m/b.ts": `/** Documented in b. */ export const inB = 1;\nexport const bareInB = 2;`,
    "/m/index.ts": [
      `export { ok, bare, C, type Opts, type Alias } from "./a";`,
      `/** The b namespace. */ export * as b from "./b";`,
      `export * as undocumentedNs from "./b";`,
    ].join("\n"),
  });
  const missing = findUndocumented(program, ["/m/index.ts"], (f) => f.startsWith("/m/"));
  assert.deepEqual(missing.sort(), [
    "Alias", "C.bareInNamespace", "C.bareLiteral", "C.bareStatic", "C.fromNames", "C.undocumentedMethod", "Opts.b", "b.bareInB", "bare", "undocumentedNs",
  ].sort());
});

test("every public export of dlgrad has a doc comment", () => {
  const config = ts.getParsedCommandLineOfConfigFile(resolve(repo, "tsconfig.json"), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} });
  assert.ok(config, "tsconfig.json could not be read");
  const entries = ["src/index.ts", "src/node.ts"].map((f) => resolve(repo, f));
  const program = ts.createProgram(entries, { ...config.options, noEmit: true });
  const src = resolve(repo, "src") + "/";
  const missing = findUndocumented(program, entries, (f) => resolve(f).startsWith(src));
  assert.deepEqual(missing, [], `public exports without a doc comment (add a TSDoc comment to each):\n  ${missing.join("\n  ")}`);
});
