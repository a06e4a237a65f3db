// A bench worker: `node dist/bench/worker.js <lib>` loads one JavaScript library, then answers
// RunRequest lines on stdin with RunResult lines (prefixed by TAG) on stdout, one cell at a time.
import * as readline from "node:readline";
import { CELLS, TAG, measure, type RunRequest, type RunResult } from "./common.js";
import type { LibImpl } from "./libs/types.js";

async function load(name: string): Promise<LibImpl> {
  switch (name) {
    case "dlgrad-cpu": return (await import("./libs/dlgrad.js")).dlgrad("cpu");
    case "dlgrad-wasm": return (await import("./libs/dlgrad.js")).dlgrad("wasm");
    case "dlgrad-js": return (await import("./libs/dlgrad.js")).dlgrad("js");
    case "dlgrad-webgpu": return (await import("./libs/dlgrad.js")).dlgrad("webgpu");
    case "tfjs-cpu": return (await import("./libs/tfjs.js")).tfjs("cpu");
    case "tfjs-wasm": return (await import("./libs/tfjs.js")).tfjs("wasm");
    case "jax-js": return (await import("./libs/jax.js")).jaxjs();
    default: throw new Error(`unknown library ${name}`);
  }
}

const send = (msg: object) => process.stdout.write(TAG + JSON.stringify(msg) + "\n");
const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});

async function main(): Promise<void> {
  const name = process.argv[2];
  let lib: LibImpl;
  try {
    lib = await load(name);
    const info = await lib.init();
    if (typeof info === "string") {
      send({ ready: false, skip: info });
      return;
    }
    send({ ready: true, version: info.version });
  } catch (e) {
    send({ ready: false, skip: `failed to load: ${(e as Error).message.split("\n")[0]}` });
    return;
  }
  const rl = readline.createInterface({ input: process.stdin });
  for await (const line of rl) {
    if (!line.trim()) continue;
    const req = JSON.parse(line) as RunRequest;
    const res: RunResult = { id: req.id };
    const cell = CELLS.find((c) => c.id === req.cell);
    try {
      if (!cell) throw new Error(`unknown cell ${req.cell}`);
      const prep = await lib.prepare(cell, req);
      if (typeof prep === "string") res.skip = prep;
      else {
        gc();
        try {
          Object.assign(res, await measure(prep.run, req, undefined, prep.stream));
        } finally {
          prep.dispose?.();
        }
      }
    } catch (e) {
      res.error = ((e as Error).message ?? String(e)).split("\n")[0].slice(0, 300);
    }
    gc();
    send(res);
  }
}

main().catch((e) => {
  send({ ready: false, skip: `worker crashed: ${(e as Error).message}` });
  process.exit(1);
});
