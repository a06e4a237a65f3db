// A module-resolution hook for the tfjs worker. tfjs-core's Node bundle registers no gradients
// (the @tensorflow/tfjs union package adds them, through bundlers); its ES-module files, which
// can register them, import each other without file extensions. This hook adds ".js" (or
// "/index.js") to such imports inside @tensorflow/, so `register_all_gradients.js` loads in Node.
// The gradients land in tfjs's global registry, which every copy of tfjs-core shares.
type Resolve = (specifier: string, context: { parentURL?: string }) => Promise<{ url: string }>;

export async function resolve(specifier: string, context: { parentURL?: string }, next: Resolve): Promise<{ url: string }> {
  try {
    return await next(specifier, context);
  } catch (e) {
    const code = (e as { code?: string }).code;
    const inside = context.parentURL?.includes("/node_modules/@tensorflow/");
    if (!inside || !specifier.startsWith(".") || (code !== "ERR_MODULE_NOT_FOUND" && code !== "ERR_UNSUPPORTED_DIR_IMPORT")) throw e;
    for (const suffix of [".js", "/index.js"]) {
      try {
        return await next(specifier + suffix, context);
      } catch {
        // try the next form
      }
    }
    throw e;
  }
}
