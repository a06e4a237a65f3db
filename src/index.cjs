// dlgrad's CommonJS entry (package.json "exports" → "node" → "require"). dlgrad is an ES module: where Node
// can require() an ES module (20.19+, 22.12+), require("dlgrad") returns the same module that
// import gives; where it cannot, this throws a message that shows the two ways to load it instead
// of Node's generic ERR_REQUIRE_ESM.
"use strict";
try {
  module.exports = require("../dist/src/node.js");
} catch (e) {
  if (!e || (e.code !== "ERR_REQUIRE_ESM" && e.code !== "ERR_REQUIRE_ASYNC_MODULE")) throw e;
  const err = new Error(
    `dlgrad is an ES module and this Node (${process.version}) cannot load it with require("dlgrad"). Load it with import:\n` +
      '  import { Tensor, nn, optim } from "dlgrad";             // in an ES module (.mjs, .mts, or "type": "module")\n' +
      '  const { Tensor, nn, optim } = await import("dlgrad");   // from CommonJS, inside an async function',
  );
  err.code = "ERR_REQUIRE_ESM";
  throw err;
}
